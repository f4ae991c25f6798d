"""The browser's requests: each answered from the crawl's responses or through Scrapy's downloader.

A tab's route handler sends every request of the page being rendered here. The page itself is
answered with the response already fetched over HTTP. A subresource the crawl already has (or is
fetching) is answered from it (crawler/chromium/browser_cache.py); anything else is fetched through Scrapy's
downloader (`engine.download_async`), so it passes the same middlewares as every other request:
scope, robots.txt, politeness, limits, and capture, which archives it as transferred. What the
downloader refuses the browser sees as blocked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from seedcrawl.crawler.chromium.browser_cache import SharedResponses

logger = logging.getLogger(__name__)

BROWSER_META = "seedcrawl_browser"  # on requests the browser made (fetched on its behalf)
# Headers the browser's request carries that Scrapy sets itself (or must not be copied).
_DROPPED_REQUEST_HEADERS = frozenset({"host", "cookie", "content-length", "connection", "accept-encoding"})
# The browser gets the decoded body: describing the transfer would mislead it.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
Fetch = Callable[[Request], Awaitable[Response]]
# May the browser fetch this subresource (URL, resource type)? Not a requisite --exclude-requisites names.
Admit = Callable[[str, str], bool]


@dataclass
class Tab:
    """A page of the browser, reused from one rendered page to the next."""

    page: Any
    cdp: Any  # the page's DevTools session (stops a script that never yields)
    response: Response | None = None  # the page being rendered on it, None while idle
    served: bool = False  # its navigation was answered with the page as fetched
    requests: int = 0
    routed: int = 0  # requests that reached the route handler (crawler/chromium/settle.py)
    pending: int = 0  # of those, not answered yet


class BrowserRequests:
    """Answers the requests of the pages being rendered."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        user_agent: str,
        wait: float,
        max_requests: int,
        request_meta: dict[str, Any],
        shared: SharedResponses,
        admit: Admit | None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        self.fetch = fetch
        self.user_agent = user_agent
        self.wait = wait  # how long a request waits for the crawl's response to the same URL
        self.max_requests = max_requests
        self.request_meta = request_meta
        self.shared = shared
        self.admit = admit
        self.skip = skip  # resource types not loaded (crawler/chromium/dom_only.py)

    async def route(self, tab: Tab, route: Any) -> None:
        tab.routed += 1
        tab.pending += 1
        try:
            await self._route(tab, route)
        finally:
            tab.pending -= 1

    async def _route(self, tab: Tab, route: Any) -> None:
        request = route.request
        response = tab.response
        if response is None:  # a request of a page no longer rendered
            await _answer(route.abort("blockedbyclient"))
            return
        if not tab.served and request.url == response.url and request.is_navigation_request():
            tab.served = True  # the page itself: as fetched over HTTP
            await _answer(
                route.fulfill(status=response.status, headers=_fulfil_headers(response), body=response.body)
            )
            return
        if request.resource_type in self.skip:  # not needed for the DOM; the crawl archives it
            await _answer(route.abort("blockedbyclient"))
            return
        tab.requests += 1
        if tab.requests > self.max_requests or not request.url.startswith(("http://", "https://")):
            await _answer(route.abort("blockedbyclient"))
            return
        await self._fetch_for(route, request)

    async def _fetch_for(self, route: Any, request: Any) -> None:
        """Answer one browser request: from the crawl's responses, else through Scrapy's downloader."""
        # A subresource (script, stylesheet, image, font, XHR) is a requisite of the page, fetched
        # from any host as requisites are; a document (a frame, a navigation) must be in scope.
        kind = request.resource_type
        requisite = kind != "document"
        if requisite and request.method == "GET":
            # Archived (or being fetched) by the crawl already: answered as a browser cache would.
            known = await self.shared.get(request.url, self.wait)
            if known is not None:
                await _answer(
                    route.fulfill(status=known.status, headers=_fulfil_headers(known), body=known.body)
                )
                return
        if requisite and self.admit is not None and not self.admit(request.url, kind):
            await _answer(route.abort("blockedbyclient"))  # --exclude-requisites
            return
        headers = {
            name: value
            for name, value in (await request.all_headers()).items()
            if name.lower() not in _DROPPED_REQUEST_HEADERS and not name.startswith(":")
        }
        headers["User-Agent"] = self.user_agent
        meta = {
            **(self.request_meta if requisite else {}),
            BROWSER_META: kind,
            # The browser follows redirects itself (each hop comes back through here) and must see
            # error statuses as they are; Scrapy retrying them would double the politeness cost.
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "dont_retry": True,
        }
        scrapy_request = Request(
            request.url,
            method=request.method,
            headers=headers,
            body=request.post_data_buffer or b"",
            meta=meta,
            dont_filter=True,
        )
        try:
            got = await self.fetch(scrapy_request)
        except IgnoreRequest:
            await _answer(route.abort("blockedbyclient"))  # out of scope or disallowed by robots.txt
            return
        except Exception as exc:
            logger.debug("browser request %s failed: %s", request.url, exc)
            await _answer(route.abort("failed"))
            return
        await _answer(route.fulfill(status=got.status, headers=_fulfil_headers(got), body=got.body))


async def _answer(reply: Awaitable[None]) -> None:
    """Answer the browser; the page may be gone already (closed at its timeout), which is fine."""
    try:
        await reply
    except Exception as exc:
        logger.debug("the browser no longer waits for this request: %s", exc)


def _fulfil_headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        if key.lower() in _DROPPED_RESPONSE_HEADERS:
            continue
        # Playwright takes one value per name; repeated headers (Set-Cookie) joined by newlines.
        headers[key] = "\n".join(value.decode("latin-1") for value in values)
    return headers
