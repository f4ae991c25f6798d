"""What a user gets when a command cannot or need not run: one line, a documented status, no change.

Each case runs the installed command in a child process, as a user would, and compares the
output folder entry by entry (mode, size, mtime, content) before and after.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from seedcrawl.exits import Exit
from tests.support.cli import run_seedcrawl
from tests.support.folders import (
    crawl_folder,
    make_read_only,
    make_writable,
    run_unprivileged,
    snapshot,
    unprivileged_prefix,
)


def refused(result: subprocess.CompletedProcess[str], status: Exit, *words: str) -> str:
    """The command exited `status` with one `seedcrawl...: ...` line naming `words`, and no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("seedcrawl"), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--dedup-threshold", "2"], ["--dedup-threshold", "got 2"]),
        (["--dedup-threshold", "0"], ["--dedup-threshold"]),
        (["--workers", "0"], ["--workers"]),
        (["--extract-timeout", "-1"], ["--extract-timeout"]),
        (["--language", "english!"], ["--language"]),
        (["--redis", "localhost:6379"], ["--redis"]),
        (["--dask-workers", "2", "--dask-address", "tcp://127.0.0.1:1"], ["--dask-workers"]),
        (["--topic-file", "no-such-topic.json"], ["--topic-file", "no-such-topic.json"]),
    ],
)
def test_a_bad_process_option_exits_2_before_any_work(
    tmp_path: Path, option: list[str], words: list[str]
) -> None:
    root = tmp_path / "news"
    crawl_folder(root)
    before = snapshot(root)
    refused(run_seedcrawl(["process", str(root), *option]), Exit.USAGE, *words)
    assert snapshot(root) == before  # no rejects.jsonl, no corpus/, no state/


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["process", "{root}", "--bogus"], ["unrecognized arguments: --bogus", "--help"]),
        (["process", "{root}", "--workers", "x"], ["--workers", "invalid int value"]),
        (["process", "{root}", "-v", "-q"], ["not allowed with"]),
        (["index"], ["required: DIR"]),
        (["procss", "{root}"], ["invalid choice: 'procss'", "seedcrawl --help"]),
    ],
)
def test_a_usage_error_is_one_line_naming_the_help(tmp_path: Path, args: list[str], words: list[str]) -> None:
    root = tmp_path / "news"
    crawl_folder(root)
    before = snapshot(root)
    refused(run_seedcrawl([arg.format(root=root) for arg in args]), Exit.USAGE, *words)
    assert snapshot(root) == before


def test_a_bad_process_option_wins_over_a_missing_folder(tmp_path: Path) -> None:
    # options are checked first: the user fixes the command line, then the folder
    refused(
        run_seedcrawl(["process", str(tmp_path / "missing"), "--dedup-threshold", "2"]),
        Exit.USAGE,
        "--dedup-threshold",
    )


@pytest.mark.parametrize("command", ["process", "check", "index", "package"])
def test_an_empty_folder_is_nothing_to_do_and_stays_empty(tmp_path: Path, command: str) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    before = snapshot(root)
    verb = "process" if command == "process" else command
    refused(run_seedcrawl([command, str(root)]), Exit.NOTHING, f"nothing to {verb}")
    assert snapshot(root) == before
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("command", ["process", "check", "index", "package"])
def test_a_folder_that_no_crawl_wrote_is_nothing_to_do(tmp_path: Path, command: str) -> None:
    root = tmp_path / "photos"
    (root / "warc").mkdir(parents=True)
    (root / "holiday.jpg").write_bytes(b"\xff\xd8 not a crawl")
    (root / "warc" / "notes.txt").write_text("no WARC files here\n")
    before = snapshot(root)
    refused(run_seedcrawl([command, str(root)]), Exit.NOTHING, "nothing to", "no closed WARC files")
    assert snapshot(root) == before


@pytest.mark.parametrize("command", ["process", "check", "index", "package", "export", "report"])
def test_a_missing_folder_is_2_in_every_command(tmp_path: Path, command: str) -> None:
    extra = ["--format", "jsonl.gz"] if command == "export" else []
    refused(run_seedcrawl([command, str(tmp_path / "missing"), *extra]), Exit.USAGE, "no such folder")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["process", "check", "index", "package", "export", "report"])
def test_a_file_named_as_the_folder_says_so(tmp_path: Path, command: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a file\n")
    before = snapshot(tmp_path)
    extra = ["--format", "jsonl.gz"] if command == "export" else []
    line = refused(run_seedcrawl([command, str(path), *extra]), Exit.FOLDER, "is a file, not a folder")
    assert "symbolic link" not in line
    assert snapshot(tmp_path) == before


def test_crawl_out_at_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a file\n")
    before = snapshot(tmp_path)
    result = run_seedcrawl(["crawl", "--out", str(path), "http://127.0.0.1:9/"])
    line = refused(result, Exit.FOLDER, "not a folder")
    assert "symbolic link" not in line
    assert snapshot(tmp_path) == before


def test_index_and_package_on_a_read_only_folder_say_so_in_one_line(tmp_path: Path) -> None:
    root = tmp_path / "news"
    crawl_folder(root)
    make_read_only(root)
    before = snapshot(root)
    try:
        refused(run_unprivileged(["index", str(root)]), Exit.FOLDER, str(root), "not writable")
        line = refused(run_unprivileged(["package", str(root)]), Exit.FOLDER, "not writable")
        assert "--output" in line  # what to do instead
        into = root / "warc" / "news.wacz"  # --output into a read-only folder
        refused(run_unprivileged(["package", str(root), "--output", str(into)]), Exit.FOLDER, "not writable")
        refused(run_unprivileged(["process", str(root)]), Exit.FOLDER, "not writable")
        refused(run_unprivileged(["report", str(root)]), Exit.FOLDER, "report.html")
        checked = run_unprivileged(["check", str(root)])  # reads only: works on a read-only archive
        assert checked.returncode == Exit.OK and "all valid" in checked.stderr, checked.stderr
        assert snapshot(root) == before
    finally:
        make_writable(root)


def test_package_output_elsewhere_works_on_a_read_only_archive(tmp_path: Path) -> None:
    root = tmp_path / "news"
    golden = crawl_folder(root)
    (root / "indexes" / "index.cdxj").unlink()  # out of date: the index is built beside the package
    make_read_only(root)
    before = snapshot(root)
    target = tmp_path / "elsewhere" / "news.wacz"
    try:
        result = run_unprivileged(["package", str(root), "--output", str(target)])
        after = snapshot(root)
    finally:
        make_writable(root)
    assert result.returncode == Exit.OK, result.stderr[-2000:]
    assert f"package: {target}" in result.stderr
    with zipfile.ZipFile(target) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
        assert any(name.endswith(golden.path.name) for name in wacz.namelist())
    assert len(pages) == len(golden.captures)
    assert after == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["news.wacz"]  # no temporary left


def test_package_of_an_empty_read_only_folder_is_nothing_to_package(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    make_read_only(root)
    try:
        for args in (["package", str(root)], ["package", str(root), "--output", str(tmp_path / "x.wacz")]):
            refused(run_unprivileged(args), Exit.NOTHING, "nothing to package")
        refused(run_unprivileged(["index", str(root)]), Exit.NOTHING, "nothing to index")
    finally:
        make_writable(root)
    assert list(root.iterdir()) == [] and not (tmp_path / "x.wacz").exists()


def test_the_unprivileged_runner_really_cannot_write_a_read_only_folder(tmp_path: Path) -> None:
    # Guards the two tests above: were the runner still able to write (root's override), they
    # would prove nothing.
    make_read_only(tmp_path)
    try:
        probe = subprocess.run(
            [*unprivileged_prefix(), "touch", str(tmp_path / "probe")], capture_output=True, check=False
        )
    finally:
        make_writable(tmp_path)
    assert probe.returncode != 0 and not (tmp_path / "probe").exists()
