"""The WARC writer process keeps the writer thread's promises: everything sent is written whole and
in order, a failed write stops the archive at its last whole record and is reported, a forced
stop drops what waits, and the child never outlives the crawl or obeys its signals."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.process_writer import ProcessWriter
from seedcrawl.archive.reader import iter_records
from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp
from seedcrawl.archive.writer import Capture, RotatingWarcWriter
from tests.support.cli import crawl
from tests.support.exchanges import exchange
from tests.support.treeweb import TreeWeb, captured

REPO = Path(__file__).resolve().parents[1]


def responses(files: list[Path]) -> list[str]:
    return [
        r.target_uri or ""
        for path in files
        for r in iter_records(path, max_payload=0)
        if r.type == "response"
    ]


def assert_whole(folder: Path) -> None:
    report = check_folder(folder)
    assert report.ok, [p for r in report.reports for p in r.problems]
    assert not list(folder.glob("*.open"))


def alive(pid: int) -> bool:
    """Running, not gone or a zombie waiting for a reaper (a container's init may not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


class SlowWriter(RotatingWarcWriter):
    def write_exchange(self, exchange: HttpExchange) -> Capture:
        time.sleep(0.05)
        return super().write_exchange(exchange)


def test_everything_sent_is_written_whole_and_in_order(tmp_path: Path) -> None:
    writer = ProcessWriter(
        lambda: RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp()), max_file_size=20_000)
    )
    for k in range(60):
        writer.submit(exchange(k))
    files = writer.close()
    assert len(files) > 1  # rotated in the child, every file closed under its final name
    assert responses(files) == [f"http://127.0.0.1:8000/{k}" for k in range(60)]
    assert writer.counts["exchanges"] == 60
    assert writer.error is None
    assert_whole(tmp_path)


def test_a_failed_write_is_reported_and_nothing_after_it_is_written(tmp_path: Path) -> None:
    def capped() -> RotatingWarcWriter:
        # In the child only: its files may not grow past 40 kB, as on a nearly full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        return RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp()))

    writer = ProcessWriter(capped)
    with pytest.raises(ArchiveWriteError) as raised:
        for k in range(200):
            writer.submit(exchange(k, os.urandom(2_000)))
            time.sleep(0.002)  # the report comes back asynchronously
    assert raised.value.errno is not None
    files = writer.close()
    written = writer.counts["exchanges"]
    assert 0 < written < 200
    assert len(responses(files)) == written  # the failed record was cut back, none after it written
    assert_whole(tmp_path)


def test_a_forced_stop_finishes_the_record_being_written_and_drops_the_rest(tmp_path: Path) -> None:
    writer = ProcessWriter(lambda: SlowWriter(tmp_path, RecordFactory(RecordStamp())))
    for k in range(40):
        writer.submit(exchange(k))
    files = writer.abort()
    written, dropped = writer.counts["exchanges"], writer.counts["dropped"]
    assert written + dropped == 40 and dropped > 0
    assert len(responses(files)) == written
    assert_whole(tmp_path)


def test_the_child_ignores_the_signals_meant_for_the_crawl(tmp_path: Path) -> None:
    writer = ProcessWriter(lambda: RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp())))
    writer.submit(exchange(0))
    assert writer.pid is not None
    os.kill(writer.pid, signal.SIGTERM)  # Ctrl-C and SIGTERM go to the crawl, which decides
    os.kill(writer.pid, signal.SIGINT)
    time.sleep(0.2)
    writer.submit(exchange(1))
    assert len(responses(writer.close())) == 2
    assert_whole(tmp_path)


def test_the_child_dies_with_a_killed_crawl_and_leaves_a_recoverable_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from seedcrawl.archive.process_writer import ProcessWriter
        from seedcrawl.archive.records import RecordFactory, RecordStamp
        from seedcrawl.archive.writer import RotatingWarcWriter
        from tests.support.exchanges import exchange
        writer = ProcessWriter(lambda: RotatingWarcWriter(Path({str(tmp_path)!r}), RecordFactory(RecordStamp())))
        for k in range(5):
            writer.submit(exchange(k))
        print(writer.pid, flush=True)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr
    child = int(result.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(child):
        time.sleep(0.05)
    assert not alive(child)
    assert [path.name.endswith(".warc.gz.open") for path in tmp_path.iterdir()] == [True]


def test_a_crawl_with_the_writer_process_archives_every_page_whole(tmp_path: Path) -> None:
    with TreeWeb(2, 40, first_host=236) as web:
        crawl(
            tmp_path,
            web.seeds,
            "--depth",
            "10",
            "-s",
            "SEEDCRAWL_WARC_WRITER=process",
            "-s",
            "SEEDCRAWL_WARC_MAX_FILE_SIZE=30000",
        )
        pages = captured(tmp_path)
        assert set(pages) >= web.page_urls()
        assert max(count for url, count in pages.items() if not url.endswith("/robots.txt")) == 1
        assert len(list((tmp_path / "warc").glob("*.warc.gz"))) > 1
        assert_whole(tmp_path / "warc")
