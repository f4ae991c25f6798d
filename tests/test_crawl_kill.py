"""A crawl killed with SIGKILL leaves valid files, and the next run into the same folder mends them."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import iter_records
from tests.support.cli import FAST, REPO, crawl, seedcrawl_command
from tests.support.testweb import DemoWeb

pytestmark = pytest.mark.slow

ROTATE = [
    "-s",
    "SEEDCRAWL_WARC_MAX_FILE_SIZE=30000",
]  # many small files, so a kill finds closed and open ones


@pytest.fixture
def slow_web() -> Iterator[DemoWeb]:
    with DemoWeb(port=0, latency=0.08, first_host="127.0.0.40") as web:
        yield web


def wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigkill_midway_then_rerun(tmp_path: Path, slow_web: DemoWeb) -> None:
    out = tmp_path / "out"
    warc_dir = out / "warc"
    child = subprocess.Popen(
        seedcrawl_command(
            "crawl",
            "--out",
            str(out),
            *FAST,
            *ROTATE,
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            *slow_web.seed_urls,
        ),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # midway: some files closed by rotation, one still being written
        wait_for(lambda: len(list(warc_dir.glob("*.warc.gz"))) >= 2 and list(warc_dir.glob("*.open")), 60)
        assert child.poll() is None, "the crawl ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    killed = check_folder(warc_dir)
    [left_open] = killed.open_files  # the file being written when the crawl died
    assert len(killed.reports) >= 2 and all(r.ok for r in killed.reports)  # every closed file valid as it is
    closed_before = sorted(warc_dir.glob("*.warc.gz"))

    crawl(out, slow_web.seed_urls, *ROTATE)

    assert not list(warc_dir.glob("*.open"))
    recovered = left_open.with_name(left_open.name.removesuffix(".open"))
    assert recovered.exists() or recovered.with_name(recovered.name + ".partial").exists()
    report = check_folder(warc_dir)
    assert report.ok, [p for r in report.reports for p in r.problems]
    # the rerun wrote new files; it never appended to the killed run's files
    for path in closed_before:
        assert path.exists()
    urls = {
        r.target_uri
        for p in sorted(warc_dir.glob("*.warc.gz"))
        for r in iter_records(p)
        if r.type == "response"
    }
    assert set(slow_web.seed_urls) <= urls
