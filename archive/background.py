"""Write WARC records on a thread of their own, so a crawler's event loop never waits on gzip.

Compression and SQLite release the GIL, so on a machine with two cores the archive is written
while the crawler parses the next page. The queue is bounded: when the disk cannot keep up, the
crawler waits instead of holding an unbounded backlog of bodies in memory. A write failure (disk
full) is kept and reported to the caller on its next call; nothing queued after it is written, and
the file has already been cut back to its last whole record.

`abort()` is for a crawl told to stop at once (a second SIGTERM): the record being written is
finished, what is still queued is dropped (counted as `dropped`; those pages are fetched again
when the run is resumed) and the open file is closed under its final name. The thread is a daemon
so that a bug elsewhere can never keep the process alive, which is why the crawl command always
ends it through `close()` or `abort()` instead of leaving it to die mid-record at exit.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from pathlib import Path

from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.records import HttpExchange, RenderedPage
from seedcrawl.archive.writer import Capture, RotatingWarcWriter

_STOP = object()


def count_written(counts: Counter[str], exchange: HttpExchange, capture: Capture) -> None:
    """What the crawl summary reports of a written exchange (exchanges, bytes, revisits, truncated)."""
    counts["exchanges"] += 1
    counts["bytes"] += len(exchange.body)
    counts["revisits"] += capture.revisit_of is not None
    if exchange.truncated:
        counts[f"truncated_{exchange.truncated}"] += 1


def write_item(writer: RotatingWarcWriter, counts: Counter[str], item: HttpExchange | RenderedPage) -> None:
    """Write one exchange, or one rendered DOM, and count it; raises ArchiveWriteError."""
    if isinstance(item, RenderedPage):
        writer.write_rendered(item)
        counts["rendered"] += 1
    else:
        count_written(counts, item, writer.write_exchange(item))


class BackgroundWriter:
    def __init__(self, writer: RotatingWarcWriter, max_pending: int = 64) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.writer = writer
        self.counts: Counter[str] = Counter()  # exchanges, revisits, truncated, bytes; read after close
        self.error: ArchiveWriteError | None = None
        self._queue: queue.Queue[object] = queue.Queue(max_pending)
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
        self._thread.start()
        self._closed: list[Path] | None = None

    def submit(self, exchange: HttpExchange | RenderedPage) -> None:
        """Queue an exchange; raises the earlier write failure, if there was one."""
        if self.error is not None:
            raise self.error
        if self._closed is not None:
            raise RuntimeError("the writer is closed")
        self._queue.put(exchange)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            if self.error is not None:
                continue  # drain without writing: the archive stopped at its last whole record
            if self._abort.is_set():
                self.counts["dropped"] += 1
                continue
            assert isinstance(item, HttpExchange | RenderedPage)
            try:
                write_item(self.writer, self.counts, item)
            except ArchiveWriteError as exc:
                self.error = exc

    def close(self) -> list[Path]:
        """Write everything queued, close the open file, and return the files closed."""
        if self._closed is None:
            self._queue.put(_STOP)
            self._thread.join()
            self._closed = self.writer.close()
        return self._closed

    def abort(self) -> list[Path]:
        """Finish the record being written, drop the rest of the queue, close the open file."""
        if self._closed is not None:
            return self._closed
        self._abort.set()
        while True:  # make room for the stop marker: the queue may be full
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self.counts["dropped"] += item is not _STOP
        self._queue.put(_STOP)
        self._thread.join()
        self._closed = self.writer.close()
        return self._closed
