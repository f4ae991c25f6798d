"""Scrapy extension that archives every exchange the downloader completes.

Capture listens to `response_downloaded`, which fires before any downloader middleware touches the
response: the body is still content-encoded, and redirects, error statuses and robots.txt fetches
are all seen. It also enforces DOWNLOAD_MAXSIZE itself (on `headers_received`/`bytes_received`),
stopping the download instead of letting Scrapy cancel it, so that an oversized body is archived
as far as it was received, marked `WARC-Truncated: length`, instead of vanishing.

It holds the output folder's lock for the whole crawl (under `seedcrawl crawl` it checks that the
command holds it: the command locks the folder before it plans the run), so it also keeps the run
marker (crawler/run/resume.py): begun once the folder is locked and recovered, closed after the last record
is written, with the spider's close reason deciding whether the run ended or can be resumed. A
forced stop (a second SIGTERM) never reaches `engine_stopped`; the crawl command then calls
`abort()`, which finishes the record being written and closes the file without draining the queue.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from seedcrawl.archive.background import BackgroundWriter
from seedcrawl.archive.digests import STORE_NAME, CaptureHistory, DigestStore
from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.index import build_index
from seedcrawl.archive.process_writer import ProcessWriter
from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp, RenderedPage
from seedcrawl.archive.recovery import recover_open_files
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.crawler.discover.requisites import REQUISITE_META
from seedcrawl.crawler.run.resume import FORCED, RunMarker
from seedcrawl.crawler.sharding.shards import ShardSpec, crawl_layout, warc_prefix
from seedcrawl.outdir.errors import OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import FolderLock

logger = logging.getLogger(__name__)

TRUNCATED_META = "seedcrawl_truncated"
ARCHIVE_ERROR_REASON = "archive_write_error"
_BYTES_META = "_seedcrawl_bytes"


def _header_list(headers: Any) -> list[tuple[str, str]]:
    # Scrapy's Headers[key] returns only the last value; iterating keeps every Set-Cookie.
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def exchange_from(response: Response, request: Request, stamp: RecordStamp) -> HttpExchange:
    truncated = request.meta.get(TRUNCATED_META)
    if truncated is None and "dataloss" in response.flags:
        truncated = "disconnect"
    latency = float(request.meta.get("download_latency") or 0.0)
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_header_list(request.headers),
        request_body=request.body,
        # HTTP/2 has no status line: Scrapy's HTTP/2 handler says "h2", written as replay tools expect
        protocol="HTTP/2" if response.protocol == "h2" else response.protocol or "HTTP/1.1",
        status=response.status,
        response_headers=_header_list(response.headers),
        body=response.body,
        fetched_at=stamp.now() - timedelta(seconds=latency),
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated=truncated,
        request_protocol=sent_protocol(response),
    )


def sent_protocol(response: Response) -> str:
    """The protocol of the request line that went out, whatever version the server answered with.

    Scrapy's HTTP/1.1 handler (Twisted) always sends "HTTP/1.1", to an HTTP/1.0 server too; its
    HTTP/2 handler marks its responses "h2".
    """
    return "HTTP/2" if response.protocol == "h2" else "HTTP/1.1"


def disk_full(error: BaseException | None) -> bool:
    """A write failed for lack of space (or over RLIMIT_FSIZE), as SQLite or the OS reports it."""
    if isinstance(error, sqlite3.OperationalError):
        return any(word in str(error).lower() for word in ("disk", "full"))
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def new_run_id() -> str:
    """A run id that sorts by start time: "20261122T101500Z-3fa9c2"."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


class WarcCapture:
    def __init__(self, crawler: Crawler, layout: Layout, stamp: RecordStamp | None = None) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.layout = layout
        self.max_body = settings.getint("DOWNLOAD_MAXSIZE")
        self.run_id = str(settings.get("SEEDCRAWL_RUN_ID") or new_run_id())
        # `seedcrawl crawl` takes the lock before it plans the run and says so; `scrapy crawl` does not.
        held = settings.getint("SEEDCRAWL_LOCK_HELD") == os.getpid()
        # A crawl shard holds its own lock; the folder's is held by whatever runs the shards.
        self.shard = ShardSpec.from_settings(settings)
        self.prefix = warc_prefix(settings)
        if self.shard is not None:
            self.lock = FolderLock(layout.root, held=held, name=self.shard.lock_name)
        else:
            self.lock = FolderLock(layout.root, held=held)
        self.lock.acquire()
        self.digests: CaptureHistory | None = None
        try:
            self.marker = RunMarker.from_settings(settings, layout.state_dir, self.run_id)
            self.writer = self._open(crawler, layout, stamp)
        except BaseException:
            self.lock.release()
            if self.digests is not None:
                self.digests.close()
            raise
        self.closed = False
        self.failed = False
        self.reason: str | None = None  # the spider's close reason, once it closed
        self.files: list[Path] | None = None

    def _open(
        self, crawler: Crawler, layout: Layout, stamp: RecordStamp | None
    ) -> BackgroundWriter | ProcessWriter:
        settings = crawler.settings
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
            digests = self._open_history(layout)
            self.digests = digests
            digests.sync(layout.closed_warcs())
        self.stamp = stamp or RecordStamp()
        info = self._warcinfo(crawler)

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
            return ProcessWriter(lambda: make_writer(self._open_history(layout) if revisits else None))
        if mode != "thread":
            raise ValueError(f"SEEDCRAWL_WARC_WRITER must be 'process' or 'thread', not {mode!r}")
        return BackgroundWriter(
            make_writer(self.digests), max_pending=settings.getint("SEEDCRAWL_WARC_QUEUE", 64)
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        output = crawler.settings.get("SEEDCRAWL_OUTPUT")
        if not output or not crawler.settings.getbool("SEEDCRAWL_WARC_CAPTURE"):
            raise NotConfigured("WARC capture needs SEEDCRAWL_OUTPUT")
        layout = crawl_layout(crawler.settings)
        assert layout is not None
        ext = cls(crawler, layout)
        crawler.signals.connect(ext.headers_received, signal=signals.headers_received)
        crawler.signals.connect(ext.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def _warcinfo(self, crawler: Crawler) -> dict[str, str]:
        from importlib.metadata import version

        info = {
            "software": f"seedcrawl/{version('seedcrawl')} (Scrapy {version('scrapy')}; warcio {version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "http-header-user-agent": crawler.settings.get("USER_AGENT"),
            "robots": "obey (RFC 9309)" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            # Processing copies this onto every corpus record made from the file.
            "seedcrawl-run-id": self.run_id,
        }
        if self.shard is not None:
            info["shard"] = self.shard.label  # "0/2": which process of a sharded crawl wrote the file
        return info

    def _open_history(self, layout: Layout) -> CaptureHistory:
        """The folder's SQLite store for one process; the one in Redis that crawl shards share."""
        if self.shard is None:
            return DigestStore(layout.state_dir / STORE_NAME)
        from seedcrawl.crawler.sharding.shard_history import (  # redis: shards only
            RedisCaptureHistory,
            history_prefix,
        )

        return RedisCaptureHistory(
            self.shard.redis_url, history_prefix(layout.root), warc_dir=layout.warc_dir
        )

    @property
    def _own_prefix(self) -> str | None:
        """Open files this crawl may close: a shard's own only (another shard may be writing its)."""
        return self.prefix if self.shard is not None else None

    def headers_received(self, headers: Any, body_length: int, request: Request, spider: Spider) -> None:
        # A retry is a copy of the request, meta included: every attempt counts its bytes afresh.
        request.meta[_BYTES_META] = 0
        # Twisted reports an unknown length (chunked, close-delimited) as a string constant.
        if self.max_body and isinstance(body_length, int) and body_length > self.max_body:
            request.meta[TRUNCATED_META] = "length"
            raise StopDownload(fail=False)

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        received = request.meta.get(_BYTES_META, 0) + len(data)
        request.meta[_BYTES_META] = received
        if self.max_body and received > self.max_body:
            request.meta[TRUNCATED_META] = "length"
            raise StopDownload(fail=False)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        stats = self.crawler.stats
        assert stats is not None
        host = urlparse_cached(response).netloc
        stats.inc_value("seedcrawl/bytes", len(response.body))
        stats.inc_value(f"seedcrawl/host/{host}/responses")
        stats.inc_value(f"seedcrawl/host/{host}/bytes", len(response.body))
        if request.meta.get(REQUISITE_META):
            stats.inc_value("seedcrawl/requisite_bytes", len(response.body))
        if self.failed:
            stats.inc_value("seedcrawl/not_archived")
            return
        try:
            self.writer.submit(exchange_from(response, request, self.stamp))
        except ArchiveWriteError as exc:
            # Scrapy would log and swallow an exception from a signal handler; a crawl that can no
            # longer archive must stop instead (the file was already cut back to whole records).
            stats.inc_value("seedcrawl/not_archived")
            self._stop(str(exc))

    def archive_rendered(self, page: RenderedPage) -> None:
        """Archive a page's rendered DOM (crawler/chromium/browser.py), after its response."""
        if self.failed:
            return
        try:
            self.writer.submit(page)
        except ArchiveWriteError as exc:
            self._stop(str(exc))

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        # A full disk also fails the frontier's SQLite, inside a callback, which Scrapy would log
        # and go on from, losing the links found: stop as for a failed WARC write (resumable).
        if self.failed or not disk_full(failure.value):
            return
        self._stop(f"cannot write {self.layout.state_dir}: {failure.value}")

    def _stop(self, error: str) -> None:
        self.failed = True
        stats = self.crawler.stats
        assert stats is not None and self.crawler.engine is not None
        stats.set_value("seedcrawl/archive_error", error)
        logger.error("cannot write the output folder, stopping the crawl: %s", error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=ARCHIVE_ERROR_REASON))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # Before the report's handler (this extension connects first): the summary then counts
        # every record actually written.
        self.reason = reason
        self.close_writer()

    def engine_stopped(self) -> None:
        self.close()

    def close_writer(self) -> list[Path]:
        """Write what is queued and close the open WARC file; fold the writer's counts into stats."""
        if self.files is not None:
            return self.files
        self.files = self.writer.close() + self._close_leftovers()
        self._fold_counts()
        return self.files

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

    def _fold_counts(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        counts = self.writer.counts
        stats.set_value("seedcrawl/warc_records", 2 * counts["exchanges"] + counts["rendered"])
        stats.set_value("seedcrawl/revisits", counts["revisits"])
        for key, value in counts.items():
            if key.startswith("truncated_"):
                stats.set_value(f"seedcrawl/truncated/{key.removeprefix('truncated_')}", value)
        if counts["dropped"]:
            stats.inc_value("seedcrawl/not_archived", counts["dropped"])
        if self.writer.error is not None:
            stats.set_value("seedcrawl/archive_error", str(self.writer.error))

    def close(self) -> list[Path]:
        """Close the writer, index the folder and release it (after the crawl, not on its clock)."""
        if self.closed:
            return self.files or []
        self.closed = True
        try:
            files = self.close_writer()
            self._finish_run(self.reason)
            if self.shard is None:  # the shards' supervisor indexes once they have all ended
                build_index(self.layout.root)
            return files
        finally:
            self._release()

    def abort(self) -> list[Path]:
        """A forced stop: finish the record being written, close the file, skip the index.

        What is still queued is dropped (counted as not archived): those pages were never
        archived, so resuming the run fetches them again.
        """
        if self.closed:
            return self.files or []
        self.closed = True
        try:
            if self.files is None:  # else the spider closed and the writer with it
                self.files = self.writer.abort() + self._close_leftovers()
                self._fold_counts()
            self._finish_run(self.reason or FORCED)
            return self.files
        finally:
            self._release()

    def _finish_run(self, reason: str | None) -> None:
        if self.writer.error is not None:
            reason = ARCHIVE_ERROR_REASON  # records are missing: the run is not complete
        assert self.crawler.stats is not None
        try:
            self.marker.finish(reason, self.crawler.stats.get_stats())
        except OSError as exc:  # a full disk: the marker still says running, so the run is resumed
            logger.warning("could not close the run marker: %s", exc)

    def _release(self) -> None:
        try:
            if self.digests is not None:
                self.digests.close()
        except sqlite3.Error as exc:  # a cache: the next run's sync() rebuilds what was not saved
            logger.warning("could not save the payload digest store: %s", exc)
        finally:
            self.lock.release()
