"""The WARC files one crawl writes: opened after recovery, written in the background, closed whole.

Opening cuts back the files an earlier crawl left open (under the folder lock, an `.open` file
with this crawl's prefix is a dead writer's), syncs the capture history that turns a payload
already archived into a revisit, and starts the writer: a forked process by default
(SEEDCRAWL_WARC_WRITER=process, archive/process_writer.py), or a thread. Closing drains what is
queued; aborting (a forced stop) finishes only the record being written. Either way, what a dead
writer left open is closed as the next run would close it, so every WARC file is whole when the
crawl ends.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy.settings import BaseSettings

from seedcrawl.archive.background import BackgroundWriter
from seedcrawl.archive.digests import STORE_NAME, CaptureHistory, DigestStore
from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.process_writer import ProcessWriter
from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp, RenderedPage
from seedcrawl.archive.recovery import recover_open_files
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.crawler.sharding.shards import ShardSpec
from seedcrawl.outdir.errors import OutputError
from seedcrawl.outdir.layout import Layout

logger = logging.getLogger(__name__)


class WarcOutput:
    """The crawl's WARC writer with its capture history, from recovery to the last file closed."""

    def __init__(
        self,
        settings: BaseSettings,
        layout: Layout,
        shard: ShardSpec | None,
        prefix: str,
        info: dict[str, str],
        stamp: RecordStamp | None = None,
    ) -> None:
        self.layout = layout
        self.shard = shard
        self.prefix = prefix
        self.digests: CaptureHistory | None = None
        try:
            self.writer = self._open(settings, info, stamp)
        except BaseException:
            if self.digests is not None:
                self.digests.close()
            raise

    def _open(
        self, settings: BaseSettings, info: dict[str, str], stamp: RecordStamp | None
    ) -> BackgroundWriter | ProcessWriter:
        layout = self.layout
        recovered = recover_open_files(layout.warc_dir, self._own_prefix)
        for item in recovered:
            logger.warning(
                "recovered %s: kept %d records, cut %d bytes%s",
                item.path.name,
                item.records,
                item.bytes_cut,
                " (set aside: nothing whole)" if item.set_aside else "",
            )
        revisits = settings.getbool("SEEDCRAWL_REVISITS")
        if revisits:
            digests = self._open_history()
            self.digests = digests
            digests.sync(layout.closed_warcs())
        self.stamp = stamp or RecordStamp()

        def make_writer(digests: CaptureHistory | None) -> RotatingWarcWriter:
            return RotatingWarcWriter(
                layout.warc_dir,
                RecordFactory(self.stamp),
                prefix=self.prefix,
                max_file_size=settings.getint("SEEDCRAWL_WARC_MAX_FILE_SIZE"),
                info=info,
                digests=digests,
            )

        mode = settings.get("SEEDCRAWL_WARC_WRITER", "process")
        if mode == "process":
            # The child opens its own connection: an SQLite or Redis handle must not cross a fork.
            if self.digests is not None:
                self.digests.close()
                self.digests = None
            return ProcessWriter(lambda: make_writer(self._open_history() if revisits else None))
        if mode != "thread":
            raise ValueError(f"SEEDCRAWL_WARC_WRITER must be 'process' or 'thread', not {mode!r}")
        return BackgroundWriter(
            make_writer(self.digests), max_pending=settings.getint("SEEDCRAWL_WARC_QUEUE", 64)
        )

    def _open_history(self) -> CaptureHistory:
        """The folder's SQLite store for one process; the one in Redis that crawl shards share."""
        if self.shard is None:
            return DigestStore(self.layout.state_dir / STORE_NAME)
        from seedcrawl.crawler.sharding.shard_history import (  # redis: shards only
            RedisCaptureHistory,
            history_prefix,
        )

        return RedisCaptureHistory(
            self.shard.redis_url, history_prefix(self.layout.root), warc_dir=self.layout.warc_dir
        )

    @property
    def _own_prefix(self) -> str | None:
        """Open files this crawl may close: a shard's own only (another shard may be writing its)."""
        return self.prefix if self.shard is not None else None

    @property
    def error(self) -> ArchiveWriteError | None:
        """Why the writer stopped writing, if it did: records are missing."""
        return self.writer.error

    def submit(self, record: HttpExchange | RenderedPage) -> None:
        """Queue a record; raises ArchiveWriteError once the writer cannot write."""
        self.writer.submit(record)

    def close(self) -> list[Path]:
        """Write what is queued and close the files; the closed files."""
        return self.writer.close() + self._close_leftovers()

    def abort(self) -> list[Path]:
        """Finish the record being written and close the files; what is queued is dropped."""
        return self.writer.abort() + self._close_leftovers()

    def _close_leftovers(self) -> list[Path]:
        """Close what a writer that died (a killed writer process) left open, as the next run would.

        Under the folder lock every `.open` file is this crawl's, and once the writer is closed
        nothing writes it: it is cut back to its last whole record and renamed, so that "every
        WARC file is whole" holds when the crawl ends, not only after the next run's recovery.
        """
        closed: list[Path] = []
        try:
            recovered = recover_open_files(self.layout.warc_dir, self._own_prefix)
        except (OSError, OutputError) as exc:  # e.g. a link planted there: the next run refuses it
            logger.error("could not close the WARC files left open: %s", exc)
            return closed
        for item in recovered:
            how = "set aside as .partial: nothing whole" if item.set_aside else "closed"
            logger.warning(
                "the WARC writer left %s open: %s (%d whole records kept, %d bytes cut)",
                item.path.name,
                how,
                item.records,
                item.bytes_cut,
            )
            if not item.set_aside:
                closed.append(item.path)
        return closed

    def close_history(self) -> None:
        """Save and close the capture history this process holds (the thread writer's)."""
        try:
            if self.digests is not None:
                self.digests.close()
        except sqlite3.Error as exc:  # a cache: the next run's sync() rebuilds what was not saved
            logger.warning("could not save the payload digest store: %s", exc)
