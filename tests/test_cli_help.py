"""What `seedcrawl --help`, `--version` and `-v/-q` tell a new user, from the installed command."""

from __future__ import annotations

import logging
import re
from importlib import metadata
from pathlib import Path

import pytest

from seedcrawl.crawler import settings as crawl_defaults
from seedcrawl.exits import CAUSES, Exit
from seedcrawl.option_fields import from_values
from seedcrawl.pipelines.dedup import DedupConfig
from seedcrawl.pipelines.pool import EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT_S
from seedcrawl.process_options import ProcessOptions
from seedcrawl.verbosity import configure_console
from tests.support.cli import run_seedcrawl
from tests.support.folders import crawl_folder, snapshot


def _help(*command: str) -> str:
    result = run_seedcrawl([*command, "--help"])
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())  # argparse wraps lines: compare words


def test_version_is_the_installed_distribution_version() -> None:
    result = run_seedcrawl(["--version"])
    assert result.returncode == 0
    assert result.stdout.strip() == f"seedcrawl {metadata.version('seedcrawl')}"


def test_top_level_help_describes_the_tool_and_lists_every_exit_status() -> None:
    text = _help()
    assert "focused news crawler" in text and "seedcrawl crawl --out news" in text
    for status, cause in CAUSES:
        assert f"{int(status)} {' '.join(cause.split())}" in text
    assert {int(status) for status, _ in CAUSES} == {int(status) for status in Exit}


@pytest.mark.parametrize(
    ("command", "option", "default"),
    [
        ("crawl", "--depth N", str(crawl_defaults.DEPTH_LIMIT)),
        ("crawl", "--max-pages N", "no limit"),
        ("crawl", "--max-time SECONDS", "no limit"),
        ("process", "--dedup-threshold J", f"{DedupConfig().threshold:g}"),
        ("process", "--extract-timeout SECONDS", f"{EXTRACT_TIMEOUT_S:g}"),
        ("process", "--extract-memory MB", str(EXTRACT_MEMORY_MB)),
        ("process", "--workers N", "one per CPU"),
        ("process", "--language CODES", "every language"),
        ("package", "--output FILE", "DIR/package/<DIR name>.wacz"),
    ],
)
def test_help_shows_each_default(command: str, option: str, default: str) -> None:
    text = _help(command)
    entry = text[text.index(f"{option} ") :]
    # the option's own help (up to the next option) names its default
    entry = re.split(r" -{1,2}[a-z]", entry[len(option) :], maxsplit=1)[0]
    assert re.search(rf"default:? {re.escape(default)}", entry), entry


def test_allow_host_help_documents_the_wildcard() -> None:
    text = _help("crawl")
    assert "'*.example.com' for every subdomain of example.com" in text
    assert "not example.com itself" in text


def test_process_verbosity_moves_the_console_log_level(tmp_path: Path) -> None:
    quiet_root, loud_root, plain_root = tmp_path / "q", tmp_path / "v", tmp_path / "p"
    for root in (quiet_root, loud_root, plain_root):
        crawl_folder(root)
    loud = run_seedcrawl(["process", str(loud_root), "--workers", "1", "-v"])
    plain = run_seedcrawl(["process", str(plain_root), "--workers", "1"])
    quiet = run_seedcrawl(["process", str(quiet_root), "--workers", "1", "-q"])
    assert loud.returncode == plain.returncode == quiet.returncode == 0, loud.stderr + plain.stderr
    assert "INFO: seedcrawl.pipelines.runner: reading seedcrawl-20261122100000-00000.warc.gz" in loud.stderr
    assert "INFO" not in plain.stderr and "INFO" not in quiet.stderr
    for result in (loud, plain, quiet):  # the summary is not logging: it always shows
        assert "1 new WARC files" in result.stderr


def test_verbose_and_quiet_together_is_a_usage_error(tmp_path: Path) -> None:
    crawl_folder(tmp_path / "n")
    before = snapshot(tmp_path)
    result = run_seedcrawl(["process", str(tmp_path / "n"), "-v", "-q"])
    assert result.returncode == Exit.USAGE and "not allowed with" in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        ([], ["WARNING"], ["INFO"]),
        (["-v"], ["WARNING", "INFO"], ["DEBUG"]),
        (["-vv"], ["INFO", "DEBUG"], []),
        (["-q"], ["ERROR"], ["WARNING"]),
        (["-qq"], [], ["ERROR"]),
    ],
)
def test_verbosity_flags_set_which_log_lines_reach_the_console(
    flags: list[str], shown: list[str], hidden: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    options = from_values(
        ProcessOptions,
        {"out": "DIR", "verbose": "".join(flags).count("v"), "quiet": "".join(flags).count("q")},
    )
    configure_console(options.console_level)
    log = logging.getLogger("seedcrawl.test")
    try:
        for level in ("DEBUG", "INFO", "WARNING", "ERROR"):
            log.log(logging.getLevelName(level), "a %s line", level)
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = handlers
        root.setLevel(logging.WARNING)
    for level in shown:
        assert f"seedcrawl: {level}: seedcrawl.test: a {level} line" in err
    for level in hidden:
        assert f"a {level} line" not in err


def test_the_readme_exit_code_table_lists_every_status() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Exit codes") :]
    rows = {int(line.split("|")[1]) for line in table.splitlines() if re.match(r"\| \d+ \|", line)}
    assert rows == {int(status) for status in Exit}
