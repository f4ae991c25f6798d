"""What a user gets when a command cannot or need not run: one line, a documented status, no change.

Each case runs the installed command in a child process, as a user would, and compares the
output folder entry by entry (mode, size, mtime, content) before and after.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from seedcrawl.exits import Exit
from tests.support.cli import run_seedcrawl
from tests.support.folders import crawl_folder, snapshot


def refused(result: subprocess.CompletedProcess[str], status: Exit, *words: str) -> str:
    """The command exited `status` with one `seedcrawl: ...` line naming `words`, and no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("seedcrawl: "), result.stderr[-2000:]
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
