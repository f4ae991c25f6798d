"""`--config FILE` for crawl, process and run: YAML keys named as the long options, the command line wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedcrawl.cli import build_parser
from seedcrawl.config import apply_config, without_config_repeats
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import DemoWeb


def parsed(*argv: str) -> dict[str, object]:
    parser = build_parser()
    apply_config(parser, argv)
    args = parser.parse_args(argv)
    without_config_repeats(args, parser, argv)
    return vars(args)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_file_values_are_typed_and_the_command_line_wins(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.yaml",
        "out: news\nmax-pages: 50\nallow-host: [a.example, b.example]\ntopic: kerry lavrov\n"
        "refetch: true\nsettings: {DOWNLOAD_DELAY: 2}\nurls: [https://a.example/]\n",
    )
    args = parsed("crawl", "--config", config)
    assert args["out"] == Path("news") and args["max_pages"] == 50 and args["refetch"] is True
    assert args["allow_hosts"] == ["a.example", "b.example"] and args["settings"] == ["DOWNLOAD_DELAY=2"]
    assert args["urls"] == ["https://a.example/"]
    args = parsed(
        "crawl", "--config", config, "--max-pages", "7", "--allow-host", "c.example", "https://c.example/"
    )
    assert (
        args["max_pages"] == 7
        and args["allow_hosts"] == ["c.example"]
        and args["urls"] == ["https://c.example/"]
    )
    assert args["topic"] == "kerry lavrov"  # not given on the command line: the file's
    args = parsed(
        "process", "DIR", "--config", write(tmp_path / "p.yaml", "workers: 3\nkeep-off-topic: true\n")
    )
    assert args["workers"] == 3 and args["keep_off_topic"] is True


@pytest.mark.parametrize(
    "command", [["crawl", "https://a.example/"], ["process", "DIR"], ["run", "https://a.example/"]]
)
def test_an_unknown_key_is_a_usage_error_naming_it(tmp_path: Path, command: list[str]) -> None:
    config = write(tmp_path / "bad.yaml", "out: x\nmax-pagez: 5\n")
    done = run_seedcrawl([command[0], "--config", config, *command[1:]])
    assert done.returncode == 2
    assert "unknown key 'max-pagez'" in done.stderr and config in done.stderr


def test_a_bad_value_is_a_usage_error(tmp_path: Path) -> None:
    config = write(tmp_path / "bad.yaml", "out: x\nmax-pages: many\n")
    done = run_seedcrawl(["crawl", "--config", config, "https://a.example/"])
    assert done.returncode == 2 and "max-pages" in done.stderr


@pytest.mark.slow
def test_a_crawl_runs_from_its_config_file(demo_web: DemoWeb, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seeds = "".join(f"  - {url}\n" for url in demo_web.seed_urls[:1])
    config = write(tmp_path / "crawl.yaml", f"out: {out}\nmax-pages: 4\nrun-id: from-file\nurls:\n{seeds}")
    crawl(out, [], "--config", config)
    summary = json.loads((out / "logs" / "crawl-from-file.json").read_text())
    assert summary["pages"] <= 4 and summary["budget_exhausted"]
    assert "--config" in summary["command"]
