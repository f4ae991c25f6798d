"""Bounds on what one response and the whole crawl may cost.

`CountedDecompressionMiddleware` is Scrapy's HttpCompressionMiddleware (which already stops a
gzip/deflate/brotli/zstd bomb at DOWNLOAD_MAXSIZE, then drops the response) with the drop counted,
as the error `decompressed_too_large`: otherwise a bomb leaves no trace in the crawl summary.
Capture archived the compressed bytes as they were transferred before this runs.

`CrawlLimits` ends a crawl that has downloaded SEEDCRAWL_MAX_BYTES body bytes (as counted in the
summary's `bytes`) or run SEEDCRAWL_MAX_TIME seconds. It closes the spider like any other finish
reason (`max_bytes`, `max_time`), so WARC files are closed whole and the summary is written; the
requests already in flight when the limit is reached are allowed to finish, so a crawl can end
a little past its byte limit.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

DECOMPRESSION_STAT = "seedcrawl/errors/decompressed_too_large"


class CountedDecompressionMiddleware(HttpCompressionMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value(DECOMPRESSION_STAT)
            raise


class CrawlLimits:
    def __init__(self, crawler: Crawler, max_bytes: int, max_time: float) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.max_time = max_time
        self.downloaded = 0
        self.reason: str | None = None
        self._timer: CallLaterResult | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLimits:
        settings = crawler.settings
        max_bytes = settings.getint("SEEDCRAWL_MAX_BYTES")
        max_time = settings.getfloat("SEEDCRAWL_MAX_TIME")
        if max_bytes < 0 or max_time < 0:
            raise ValueError("SEEDCRAWL_MAX_BYTES and SEEDCRAWL_MAX_TIME must be 0 (no limit) or more")
        if not max_bytes and not max_time:
            raise NotConfigured("no crawl-wide limit set")
        ext = cls(crawler, max_bytes, max_time)
        if max_bytes:
            crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        if max_time:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self._timer = call_later(self.max_time, self._stop, "max_time", f"{self.max_time:g} s")

    def spider_closed(self, spider: Spider) -> None:
        if self._timer is not None:
            self._timer.cancel()  # a no-op when it has fired

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self.downloaded += len(response.body)
        if self.downloaded >= self.max_bytes:
            self._stop("max_bytes", f"{self.downloaded:,} of {self.max_bytes:,} bytes")

    def _stop(self, reason: str, detail: str) -> None:
        if self.reason is not None:
            return  # one close is enough; responses still in flight keep arriving
        self.reason = reason
        logger.info("crawl limit reached (%s): closing the crawl", detail)
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=reason))
