"""What the browser is answered from before the network: the responses this crawl already has.

The HTTP crawl fetches a page's requisites (stylesheets, scripts, fonts, images) on its own; the
browser, rendering the same pages, asks for the same URLs. Fetching them again would cost a
round trip each (a chain of them for a stylesheet that imports another that loads a font) and
write a second record of every one. `SharedResponses` keeps the crawl's recent 2xx responses to
GET requests by canonical URL, in memory up to a byte limit, and knows which requests are in
flight so that the browser waits for the crawl's answer instead of asking a second time.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from scrapy.http import Response

from seedcrawl.crawler.discover.urls import canonicalize_url

# After a request leaves the downloader its response passes the middlewares (decompression) before
# the crawl sees it; a request that left without a response (an error) frees its waiters after this.
_LEFT_GRACE_S = 1.0


def cache_key(url: str) -> str:
    return canonicalize_url(url) or url


class ResponseCache:
    """Responses by URL, up to `limit` bytes (least recently used out; a body over limit/8 not kept)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[str, Response] = OrderedDict()

    def get(self, url: str) -> Response | None:
        found = self._items.get(url)
        if found is not None:
            self._items.move_to_end(url)
        return found

    def put(self, url: str, response: Response) -> None:
        if len(response.body) > self.limit // 8 or url in self._items:
            return
        self._items[url] = response
        self.size += len(response.body)
        while self.size > self.limit:
            _, old = self._items.popitem(last=False)
            self.size -= len(old.body)


class SharedResponses:
    """The crawl's responses the browser may be answered with, and the requests still in flight."""

    def __init__(self, limit: int) -> None:
        self.cache = ResponseCache(limit)
        self._in_flight: dict[str, asyncio.Event] = {}
        self.hits = 0

    def started(self, url: str) -> None:
        """The crawl sent a request for `url` (it reached the downloader)."""
        self._in_flight.setdefault(cache_key(url), asyncio.Event())

    def answered(self, url: str, method: str, response: Response) -> None:
        """A response reached the crawl: kept if reusable, and its waiters woken."""
        key = cache_key(url)
        if method == "GET" and 200 <= response.status < 300:
            self.cache.put(key, response)
        self._wake(key)

    def left(self, url: str) -> None:
        """The request left the downloader; its response (if any) follows shortly."""
        key = cache_key(url)
        if key in self._in_flight:
            asyncio.get_running_loop().call_later(_LEFT_GRACE_S, self._wake, key)

    def _wake(self, key: str) -> None:
        event = self._in_flight.pop(key, None)
        if event is not None:
            event.set()

    async def get(self, url: str, wait: float) -> Response | None:
        """The crawl's response for `url`: at hand, or awaited up to `wait` s if in flight."""
        key = cache_key(url)
        found = self.cache.get(key)
        event = self._in_flight.get(key) if found is None else None
        if event is not None:
            try:
                await asyncio.wait_for(event.wait(), wait)
            except TimeoutError:
                return None
            found = self.cache.get(key)
        self.hits += found is not None
        return found
