"""Scrapy extension that archives every exchange the downloader completes.

Capture listens to `response_downloaded`, which fires before any downloader middleware touches the
response: the body is still content-encoded, and redirects, error statuses and robots.txt fetches
are all seen. This module wires the signals to the jobs of the package: the size limit
(size_limit.py), the record (exchange.py), the WARC files (warc_output.py), the run and its lock
(run_lifecycle.py) and the stats (counts.py).

A forced stop (a second SIGTERM) never reaches `engine_stopped`; the crawl command then calls
`abort()`, which finishes the record being written and closes the file without draining the queue.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.index import build_index
from seedcrawl.archive.records import RecordStamp, RenderedPage
from seedcrawl.crawler.capture.counts import (
    ARCHIVE_ERROR,
    NOT_ARCHIVED,
    count_response,
    fold_writer_counts,
)
from seedcrawl.crawler.capture.exchange import exchange_from
from seedcrawl.crawler.capture.run_lifecycle import ARCHIVE_ERROR_REASON, CaptureRun
from seedcrawl.crawler.capture.size_limit import SizeLimit
from seedcrawl.crawler.capture.warc_output import WarcOutput
from seedcrawl.crawler.run.resume import FORCED
from seedcrawl.crawler.sharding.shards import ShardSpec, crawl_layout, warc_prefix
from seedcrawl.outdir.layout import Layout

logger = logging.getLogger(__name__)


def disk_full(error: BaseException | None) -> bool:
    """A write failed for lack of space (or over RLIMIT_FSIZE), as SQLite or the OS reports it."""
    if isinstance(error, sqlite3.OperationalError):
        return any(word in str(error).lower() for word in ("disk", "full"))
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


class WarcCapture:
    def __init__(self, crawler: Crawler, layout: Layout, stamp: RecordStamp | None = None) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.layout = layout
        self.size_limit = SizeLimit(settings.getint("DOWNLOAD_MAXSIZE"))
        # A crawl shard holds its own lock and writes files of its own prefix.
        self.shard = ShardSpec.from_settings(settings)
        prefix = warc_prefix(settings)
        self.run = CaptureRun(settings, layout, self.shard)  # the folder locked, the run begun
        self.run_id = self.run.run_id
        try:
            info = self.run.warcinfo(settings)
            self.output = WarcOutput(settings, layout, self.shard, prefix, info, stamp)
        except BaseException:
            self.run.release()
            raise
        self.closed = False
        self.failed = False
        self.reason: str | None = None  # the spider's close reason, once it closed
        self.files: list[Path] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        output = crawler.settings.get("SEEDCRAWL_OUTPUT")
        if not output or not crawler.settings.getbool("SEEDCRAWL_WARC_CAPTURE"):
            raise NotConfigured("WARC capture needs SEEDCRAWL_OUTPUT")
        layout = crawl_layout(crawler.settings)
        assert layout is not None
        ext = cls(crawler, layout)
        crawler.signals.connect(ext.size_limit.headers_received, signal=signals.headers_received)
        crawler.signals.connect(ext.size_limit.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    @property
    def _stats(self) -> StatsCollector:
        stats = self.crawler.stats
        assert stats is not None
        return stats

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        stats = self._stats
        count_response(stats, response, request)
        if self.failed:
            stats.inc_value(NOT_ARCHIVED)
            return
        try:
            self.output.submit(exchange_from(response, request, self.output.stamp))
        except ArchiveWriteError as exc:
            # Scrapy would log and swallow an exception from a signal handler; a crawl that can no
            # longer archive must stop instead (the file was already cut back to whole records).
            stats.inc_value(NOT_ARCHIVED)
            self._stop(str(exc))

    def archive_rendered(self, page: RenderedPage) -> None:
        """Archive a page's rendered DOM (crawler/chromium/browser.py), after its response."""
        if self.failed:
            return
        try:
            self.output.submit(page)
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
        assert self.crawler.engine is not None
        self._stats.set_value(ARCHIVE_ERROR, error)
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
        self.files = self.output.close()
        fold_writer_counts(self._stats, self.output.writer.counts, self.output.error)
        return self.files

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
                self.files = self.output.abort()
                fold_writer_counts(self._stats, self.output.writer.counts, self.output.error)
            self._finish_run(self.reason or FORCED)
            return self.files
        finally:
            self._release()

    def _finish_run(self, reason: str | None) -> None:
        self.run.finish(reason, self.output.error is not None, self._stats.get_stats())

    def _release(self) -> None:
        try:
            self.output.close_history()
        finally:
            self.run.release()
