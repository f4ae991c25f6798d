"""Honour `Retry-After` on 429 and 503 answers: the whole host waits, up to a cap.

Scrapy's RetryMiddleware retries a 429 at once, which is exactly what the server asked us not to
do. Here the host's download slot is held until the time the server named: the retry and every
other request to that host (robots.txt included) wait in the slot, while other hosts go on. A
wait longer than SEEDCRAWL_RETRY_AFTER_MAX is not worth holding a crawl for: that URL is given up
for this run (counted as the error `retry_after_too_long`) and the host is not held, since a page
that asks for hours (a broken "live" page answering 503) would otherwise stall the whole site.

The hold is set on `response_downloaded`, which fires before the downloader hands the slot its
next queued request; a downloader middleware's process_response would run too late for that one.
The give-up happens in process_response, before RetryMiddleware (order 550) sees the answer.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)

STATUSES = frozenset({429, 503})
WAIT_META = "seedcrawl_retry_after"
GAVE_UP_STAT = "seedcrawl/errors/retry_after_too_long"
# Scrapy skips a slot's delay check entirely when its delay is 0, so a held slot needs some delay;
# this one is far below anything a politeness setting would use.
_MIN_HOLD_DELAY = 1e-6


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds to wait for a Retry-After value (delta-seconds or an HTTP date), None if unusable.

    >>> parse_retry_after("120"), parse_retry_after("soon")
    (120.0, None)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC))
    30.0
    """
    value = value.strip()
    if value.isdigit():
        return float(value[:12])  # bounded: a 10,000-digit number must not cost much
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, cap: float) -> None:
        self.crawler = crawler
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        cap = crawler.settings.getfloat("SEEDCRAWL_RETRY_AFTER_MAX")
        if cap <= 0:
            raise NotConfigured("SEEDCRAWL_RETRY_AFTER_MAX is 0: Retry-After is ignored")
        middleware = cls(crawler, cap)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if response.status not in STATUSES:
            return
        header = response.headers.get(b"Retry-After")
        wait = parse_retry_after(header.decode("latin-1")) if header else None
        if wait is None:
            return
        request.meta[WAIT_META] = wait
        if wait <= self.cap:
            self._hold(request, wait)

    def _hold(self, request: Request, seconds: float) -> None:
        engine = self.crawler.engine
        if engine is None or seconds <= 0:
            return
        downloader = engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        # The slot sends nothing until `lastseen + delay`; moving lastseen ahead holds the host
        # (and keeps the slot from being garbage-collected with the hold in it).
        slot.delay = max(slot.delay, _MIN_HOLD_DELAY)
        slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("seedcrawl/retry_after/holds")
        logger.info("%s asked to retry later: holding host %s for %.1f s", request.url, key, seconds)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        # Popped, so that a retry (a copy of this request, meta included) starts without it.
        wait = request.meta.pop(WAIT_META, None)
        if response.status not in STATUSES or wait is None or wait <= self.cap:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(GAVE_UP_STAT)
        raise IgnoreRequest(
            f"{request.url} asks to retry after {wait:.0f} s, more than SEEDCRAWL_RETRY_AFTER_MAX "
            f"({self.cap:.0f} s): given up for this run"
        )
