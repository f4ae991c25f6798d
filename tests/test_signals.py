"""SIGTERM and Ctrl-C: the first stop finishes what is in flight, a second stops at once, and either
way the WARC files are whole and the run can be resumed.

Pages the test web holds (see tests/support/treeweb.py) are requested but not answered until the
test releases them, so each signal is known to arrive with downloads in flight.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from seedcrawl.archive.background import BackgroundWriter
from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import iter_records
from seedcrawl.archive.records import RecordFactory, RecordStamp
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.crawler.run.resume import INTERRUPTED, read_run
from tests.support.cli import crawl, run_seedcrawl
from tests.support.exchanges import exchange
from tests.support.treeweb import TreeWeb, captured, start_crawl, wait_for

PER_HOST_2 = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--depth", "10"]
HELD = {3}  # page 3 of each site answers only when released


def assert_whole(out: Path) -> None:
    report = check_folder(out / "warc")
    assert report.reports and report.ok, (report.open_files, [p for r in report.reports for p in r.problems])


@pytest.mark.slow
def test_first_sigterm_finishes_pages_in_flight_then_closes_and_indexes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with TreeWeb(2, 24, first_host=71, latency=0.02, held=HELD) as web:
        child = start_crawl(out, web.seeds, "--run-id", "term-once", *PER_HOST_2)
        wait_for(lambda: web.held_requests == 2, 60, "both held pages to be requested")
        child.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the crawl is stopping, still waiting for the held pages
        web.release()
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 130, stderr[-2000:]
        assert "run the same command again to resume run term-once" in stderr

        # Everything answered, the pages in flight at the signal included, was archived, and no more.
        assert {web.url(0, 3), web.url(1, 3)} <= set(captured(out))
        assert captured(out) == web.served()
        assert_whole(out)
        files = sorted((out / "warc").glob("*.warc.gz"))
        index = (out / "indexes" / "index.cdxj").read_text(encoding="utf-8")
        records = sum(1 for path in files for _ in iter_records(path, max_payload=0))
        assert len(index.splitlines()) == records and all(path.name in index for path in files)
        marker = read_run(out / "state")
        assert marker is not None and marker.status == INTERRUPTED and marker.run_id == "term-once"

        # The same command again resumes the run: the rest is fetched, nothing archived is fetched again.
        before = web.served()
        crawl(out, web.seeds, "--run-id", "term-once", *PER_HOST_2)
        again = web.served() - before
        assert set(captured(out)) >= web.page_urls()
        assert not {url for url in again if url in before and not url.endswith("/robots.txt")}
        assert_whole(out)


@pytest.mark.slow
def test_second_sigterm_stops_at_once_with_whole_records_and_the_run_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with TreeWeb(2, 24, first_host=73, latency=0.02, held=HELD) as web:
        child = start_crawl(out, web.seeds, *PER_HOST_2)
        wait_for(lambda: web.held_requests == 2, 60, "both held pages to be requested")
        child.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        child.send_signal(signal.SIGTERM)
        # The held pages would answer only after two minutes: the crawl must not wait for them.
        _, stderr = child.communicate(timeout=30)
        assert child.returncode == 131, stderr[-2000:]
        assert "stopped at once" in stderr

        assert_whole(out)  # closed under their final names, only whole records
        assert not {web.url(0, 3), web.url(1, 3)} & set(captured(out))
        marker = read_run(out / "state")
        assert marker is not None and marker.status == INTERRUPTED
        assert marker.attempts[-1]["reason"] == "forced"

        web.release()
        crawl(out, web.seeds, *PER_HOST_2)
        assert set(captured(out)) >= web.page_urls()
        assert max(count for url, count in captured(out).items() if not url.endswith("/robots.txt")) == 1
        assert_whole(out)
        marker = read_run(out / "state")
        assert marker is not None and [attempt["resumed"] for attempt in marker.attempts] == [False, True]


def test_forced_stop_finishes_the_record_being_written_and_drops_the_queue(tmp_path: Path) -> None:
    """What a second signal does to the writer thread: no partial record, the file closed."""
    rng = random.Random(7)
    writer = BackgroundWriter(RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp())), max_pending=64)
    total = 24
    for k in range(total):
        body = rng.randbytes(1 << 20)  # incompressible: each record takes a while to write
        writer.submit(exchange(k, body, "application/octet-stream"))
    files = writer.abort()
    assert files and not list(tmp_path.glob("*.open"))
    report = check_folder(tmp_path)
    assert report.ok, [p for r in report.reports for p in r.problems]
    written = writer.counts["exchanges"]
    assert written + writer.counts["dropped"] == total
    assert written < total  # the queue was dropped, not drained
    assert (
        sum(1 for path in files for r in iter_records(path, max_payload=0) if r.type == "response") == written
    )


def test_the_exit_codes_are_documented() -> None:
    result = run_seedcrawl(["crawl", "--help"])
    for code in ("130", "131", "  4 "):
        assert code in result.stdout
