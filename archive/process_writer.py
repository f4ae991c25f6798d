"""Write WARC records in a child process, off the crawler's interpreter.

Building a record is mostly Python (warcio's headers, digests, base32) and holds the GIL: in the
background thread (archive/background.py) about 0.5 ms of each exchange was taken from the
crawler's own thread, which on a CPU-bound crawl is throughput lost one for one. Here the crawler
only pickles the exchange into a socket pair; a forked child owns the `RotatingWarcWriter` and
does everything else on another core.

Same surface and guarantees as `BackgroundWriter`: `submit` blocks when the child is behind (the
socket buffer is the bounded queue), a write failure is reported on the next `submit` and nothing
after it is written, `close` writes everything sent, `abort` finishes the record being written and
drops the rest. The child ignores SIGINT and SIGTERM (the crawler decides when to stop; Ctrl-C
reaches the whole process group) and dies with its parent (PR_SET_PDEATHSIG), so a killed crawl
leaves what a killed single process leaves: closed files whole, one `.open` file for recovery.

The child is forked, not spawned: the writer, its record stamp and the crawl's logging carry over
as they are, and start-up costs a millisecond instead of an interpreter. It is forked before the
crawl starts any thread or opens SQLite; the writer opens its own digest store in the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import pickle
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from seedcrawl.archive.background import write_item
from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.records import HttpExchange, RenderedPage
from seedcrawl.archive.writer import RotatingWarcWriter

__all__ = ["ProcessWriter"]

_STOP = b"stop"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child then ends when the socket closes
        pass


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _child(make_writer: Callable[[], RotatingWarcWriter], conn: Connection, abort: Any) -> None:
    for number in _STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the parent around the fork
    _die_with_parent()
    counts: Counter[str] = Counter()
    error: ArchiveWriteError | None = None
    files: list[Path] = []
    try:
        writer = make_writer()
    except Exception as exc:  # reported to the crawler, which stops as for a failed write
        conn.send(("error", f"cannot open the WARC writer: {exc}", getattr(exc, "errno", None)))
        error = ArchiveWriteError(str(exc))
        writer = None
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:  # the crawler is gone without saying stop: close what is whole
            break
        if message == _STOP:
            break
        if error is not None:
            continue  # drain without writing: the archive stopped at its last whole record
        if abort.is_set():
            counts["dropped"] += 1
            continue
        item: HttpExchange | RenderedPage = pickle.loads(message)
        assert writer is not None
        try:
            write_item(writer, counts, item)
        except ArchiveWriteError as exc:
            error = exc
            conn.send(("error", exc.strerror or str(exc), exc.errno))
    close_error: str | None = None
    if writer is not None:
        try:
            files = writer.close()
            if writer.digests is not None:
                writer.digests.close()
        except (OSError, sqlite3.Error) as exc:  # the digest store is a cache: sync() rebuilds it
            close_error = None if isinstance(exc, sqlite3.Error) else str(exc)
    with contextlib.suppress(OSError):
        conn.send(("closed", [str(path) for path in files], dict(counts), close_error))


class ProcessWriter:
    """Feeds exchanges to a forked child that owns the WARC writer."""

    def __init__(self, make_writer: Callable[[], RotatingWarcWriter]) -> None:
        # warcio tests every header list against collections.abc.Mapping. On a cold ABC cache that
        # walks every Mapping subclass, and in a forked child each object it touches is a
        # copy-on-write page fault: 35-220 ms before the first record, during which a crawl can
        # fetch several pages. Done here, the child inherits the answer.
        isinstance([], Mapping)
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe(duplex=True)
        self._abort = context.Event()
        self._process = context.Process(
            target=_child, args=(make_writer, child_conn, self._abort), name="warc-writer", daemon=True
        )
        # Blocked until the child ignores them: a Ctrl-C just after the fork must not kill it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            self._process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child_conn.close()
        self.counts: Counter[str] = Counter()  # exchanges, revisits, truncated, bytes; read after close
        self.error: ArchiveWriteError | None = None
        self._closed: list[Path] | None = None

    def _take_messages(self, block: bool) -> None:
        while block or self._conn.poll():
            try:
                kind, *rest = self._conn.recv()
            except (EOFError, OSError):
                if self._closed is None and self.error is None:
                    self.error = ArchiveWriteError("the WARC writer process ended unexpectedly")
                self._closed = self._closed or []
                return
            if kind == "error":
                message, code = rest
                self.error = ArchiveWriteError(code, message) if code else ArchiveWriteError(message)
            elif kind == "closed":
                files, counts, close_error = rest
                self._closed = [Path(name) for name in files]
                self.counts.update(counts)
                if close_error and self.error is None:
                    self.error = ArchiveWriteError(close_error)
                return

    def submit(self, exchange: HttpExchange | RenderedPage) -> None:
        """Send an exchange to the writer; raises the earlier write failure, if there was one."""
        self._take_messages(block=False)
        if self.error is not None:
            raise self.error
        if self._closed is not None:
            raise RuntimeError("the writer is closed")
        try:
            self._conn.send_bytes(pickle.dumps(exchange, pickle.HIGHEST_PROTOCOL))
        except OSError as exc:  # the child died: what it wrote is whole, the rest is not archived
            self.error = ArchiveWriteError(f"the WARC writer process is gone: {exc}")
            raise self.error from exc

    def _finish(self) -> list[Path]:
        if self._closed is None:
            with contextlib.suppress(OSError):
                self._conn.send_bytes(_STOP)
            self._take_messages(block=True)
            self._process.join()
            self._conn.close()
        return self._closed or []

    def close(self) -> list[Path]:
        """Write everything sent, close the open file, and return the files closed."""
        return self._finish()

    def abort(self) -> list[Path]:
        """Finish the record being written, drop what is still queued, close the open file."""
        if self._closed is None:
            self._abort.set()
        return self._finish()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def __repr__(self) -> str:
        return f"<ProcessWriter pid={self.pid} closed={self._closed is not None} error={self.error!r}>"
