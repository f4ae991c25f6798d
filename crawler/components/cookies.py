"""Cookies with the bounds browsers keep, so a site cannot flood the crawler's requests.

Scrapy's cookie middleware keeps every cookie a site sets and sends them all back: a site setting
300 new 1 KB cookies per page made the crawler send 60 MiB of request headers (one request 5.8
MiB) for 6 MiB served, the WARC grew with the square of the pages, and its request records held
header lines longer than any reader accepts. Here, as in browsers:

- a cookie whose name and value together are longer than SEEDCRAWL_MAX_COOKIE_BYTES (4096) is
  ignored (RFC 6265 section 6.1 asks for at least 4096 bytes; Chrome and Firefox stop there);
- a cookie domain keeps at most SEEDCRAWL_MAX_COOKIES_PER_HOST cookies (180, Chrome's number);
  the oldest set go first;
- the Cookie header sent is at most SEEDCRAWL_MAX_COOKIE_HEADER bytes (8192): cookies that do not
  fit are left out of that request (Apache and nginx refuse a longer header line by default).

Each bound applied is counted (`seedcrawl/cookies/...` stats).
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookiejar import Cookie
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.cookies import CookieJar


class BoundedCookiesMiddleware(CookiesMiddleware):
    max_cookie_bytes = 4096
    max_per_host = 180
    max_header = 8192

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedCookiesMiddleware:
        settings = crawler.settings
        if not settings.getbool("COOKIES_ENABLED"):
            raise NotConfigured
        middleware = cls(settings.getbool("COOKIES_DEBUG"))
        middleware.crawler = crawler
        middleware.max_cookie_bytes = settings.getint("SEEDCRAWL_MAX_COOKIE_BYTES")
        middleware.max_per_host = settings.getint("SEEDCRAWL_MAX_COOKIES_PER_HOST")
        middleware.max_header = settings.getint("SEEDCRAWL_MAX_COOKIE_HEADER")
        if min(middleware.max_cookie_bytes, middleware.max_per_host, middleware.max_header) <= 0:
            raise ValueError("SEEDCRAWL_MAX_COOKIE_* settings must be positive")
        return middleware

    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: CookieJar, request: Request) -> None:
        kept = []
        for cookie in cookies:
            if len(cookie.name) + len(cookie.value or "") > self.max_cookie_bytes:
                self._inc("seedcrawl/cookies/too_large")
                continue
            kept.append(cookie)
        super()._process_cookies(kept, jar=jar, request=request)
        self._evict(jar)

    def _evict(self, jar: CookieJar) -> None:
        """Drop the oldest cookies of any domain holding more than `max_per_host`."""
        # http.cookiejar keeps domain -> path -> name -> Cookie in insertion order; a cookie set
        # again keeps its place, so the first ones are the oldest set.
        for domain, paths in jar._cookies.items():
            excess = sum(len(names) for names in paths.values()) - self.max_per_host
            if excess <= 0:
                continue
            for path, name in _keys(paths)[:excess]:
                jar.clear(domain, path, name)
            self._inc("seedcrawl/cookies/evicted", excess)

    def process_request(self, request: Request, spider: Spider | None = None) -> Request | Response | None:
        result = super().process_request(request)
        header = request.headers.get("Cookie")
        if header is not None and len(header) > self.max_header:
            request.headers["Cookie"] = _fit(header, self.max_header)
            self._inc("seedcrawl/cookies/header_cut")
        return result

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)


def _keys(paths: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(path, name) for path, names in paths.items() for name in names]


def _fit(header: bytes, limit: int) -> bytes:
    """The leading whole cookies of a Cookie header that fit in `limit` bytes (the jar puts the
    most specific paths first)."""
    kept: list[bytes] = []
    size = 0
    for pair in header.split(b"; "):
        size += len(pair) + (2 if kept else 0)
        if size > limit:
            break
        kept.append(pair)
    return b"; ".join(kept)
