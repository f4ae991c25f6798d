"""A full disk stops the crawl with exit code 4 and whole WARC files, and the run resumes once
there is room again.

A full disk is stood in for by RLIMIT_FSIZE, which needs no root and no loop device: the crawl
runs with its largest file size capped (and SIGXFSZ ignored, as Python does by default), so the
write that would cross the cap fails with EFBIG, as a write fails with ENOSPC on a full disk.
Unlike a real full disk it spares the smaller files (the logs, the run marker); the WARC file is
the one that grows fastest and hits it first, as it would take the last free space.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.crawler.run.resume import INTERRUPTED, read_run
from tests.support.cli import FAST, REPO, crawl, seedcrawl_command
from tests.support.treeweb import TreeWeb, captured

pytestmark = pytest.mark.slow

LIMIT = 120_000  # bytes: the WARC file of the whole web is about twice this
ARGS = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--depth", "10", "--run-id", "full"]


def file_size_cap(limit: int) -> Callable[[], None]:
    def cap() -> None:  # runs in the child between fork and exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return cap


def test_full_disk_exits_4_with_whole_records_and_resumes_when_space_is_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with TreeWeb(2, 60, first_host=75, filler=600) as web:
        full = subprocess.run(
            seedcrawl_command("crawl", "--out", str(out), *FAST, *ARGS, *web.seeds),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=file_size_cap(LIMIT),
            check=False,
        )
        assert full.returncode == 4, full.stderr[-3000:]
        assert "cannot write the archive" in full.stderr and "File too large" in full.stderr
        assert "run the same command again to resume run full" in full.stderr

        report = check_folder(out / "warc")
        assert report.reports and report.ok, [p for r in report.reports for p in r.problems]
        assert all(path.stat().st_size <= LIMIT for path in (out / "warc").iterdir())
        first = captured(out)
        assert 0 < len(first) < len(web.page_urls())  # stopped part-way
        marker = read_run(out / "state")
        assert marker is not None and marker.status == INTERRUPTED
        assert marker.attempts[-1]["reason"] == "archive_write_error"

        crawl(out, web.seeds, *ARGS)  # space is back (no cap)

        assert check_folder(out / "warc").ok
        after = captured(out)
        assert set(after) >= web.page_urls()
        # What was archived before the disk filled up was not fetched and archived again.
        assert {url: n for url, n in after.items() if n > 1 and not url.endswith("/robots.txt")} == {}
        marker = read_run(out / "state")
        assert marker is not None and marker.status == "ended" and len(marker.attempts) == 2
