"""The crawl's result: one table of exit codes, what may be retried, and the child's side of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seedcrawl.crawl_child import run_child
from seedcrawl.crawl_result import EXIT_CODES, CrawlError, CrawlResult, CrawlStatus
from seedcrawl.options import CrawlOptions


def test_every_status_has_its_documented_exit_code() -> None:
    assert set(EXIT_CODES) == set(CrawlStatus)
    assert {status.value: EXIT_CODES[status] for status in CrawlStatus} == {
        "done": 0, "nothing_fetched": 1, "usage": 2, "output": 3, "archive": 4,
        "interrupted": 130, "forced": 131, "crashed": 1,
    }  # fmt: skip
    assert CrawlError("no seeds", CrawlStatus.USAGE).exit_code == 2


@pytest.mark.parametrize(
    ("status", "errors", "by_status", "retry"),
    [
        (CrawlStatus.USAGE, {}, {}, False),  # a bad option stays bad
        (CrawlStatus.OUTPUT, {}, {}, False),
        (CrawlStatus.ARCHIVE, {}, {}, False),  # a full disk needs the operator
        (CrawlStatus.INTERRUPTED, {}, {}, False),  # someone stopped it
        (CrawlStatus.DONE, {}, {}, False),
        (
            CrawlStatus.NOTHING_FETCHED,
            {"DownloadConnectionRefusedError": 3, "robots_unreachable": 1},
            {},
            False,
        ),
        (CrawlStatus.NOTHING_FETCHED, {"DNSLookupError": 1}, {}, False),  # no such host
        (CrawlStatus.NOTHING_FETCHED, {"TimeoutError": 2}, {}, True),  # slow network or server
        (CrawlStatus.NOTHING_FETCHED, {"ResponseNeverReceived": 2}, {}, True),
        (CrawlStatus.NOTHING_FETCHED, {}, {"503": 3}, True),  # the server is down for a while
        (CrawlStatus.CRASHED, {}, {}, True),  # killed: the next attempt resumes the run
    ],
)
def test_only_what_may_pass_is_retried(
    status: CrawlStatus, errors: dict[str, int], by_status: dict[str, int], retry: bool
) -> None:
    result = CrawlResult(status, "why", errors=errors, summary={"by_status": by_status})
    assert result.retryable is retry


def test_a_result_is_written_whole_and_read_back(tmp_path: Path) -> None:
    summary = {"run_id": "r1", "pages": 3, "resumed": True, "replayed": 7, "errors": {"TimeoutError": 1}}
    result = CrawlResult.from_summary(CrawlStatus.DONE, "finished", summary)
    assert result.resumed and result.replayed == 7 and result.counts["pages"] == 3
    path = tmp_path / "result.json"
    result.write(path)
    assert CrawlResult.read(path) == result
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary file left


def _dies(command: list[str]) -> subprocess.Popen[bytes]:
    """Instead of the crawl: a process that reads its input, says something and is killed."""
    script = "import os, sys; sys.stdin.read(); print('half way', flush=True); os.kill(os.getpid(), 9)"
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_child_that_dies_is_a_crash_to_retry(tmp_path: Path) -> None:
    result = run_child(CrawlOptions(out=tmp_path, urls=("http://127.0.0.1:9/",)), echo=False, start=_dies)
    assert result.status is CrawlStatus.CRASHED and result.retryable
    assert "exit status -9" in result.reason and "half way" in result.reason


def test_the_child_reports_a_refusal_as_a_result(tmp_path: Path) -> None:
    result = run_child(CrawlOptions(out=tmp_path / "o", run_id="r1"), echo=False)  # no seeds
    assert result.status is CrawlStatus.USAGE and "no seeds" in result.reason
    assert not (tmp_path / "o").exists()  # refused before the folder was made
