"""Render pages in headless Chromium (Playwright), every request of the browser fetched by Scrapy.

The browser never touches the network itself. Every request it makes (the page's scripts,
stylesheets, images, fonts, XHR/fetch calls, frames) is intercepted (`context.route`) and handed
to Scrapy's downloader (`engine.download_async`), so it passes the same downloader middlewares as
every other request: scope, robots.txt, politeness (the host's download slot and delay), limits,
and capture. Its exchange is archived by crawler/capture.py like any other, as transferred (real
status line, headers, still content-encoded body); the browser gets the decoded body. Anything
the downloader refuses (out of scope, disallowed) the browser sees as blocked. The page itself is
answered from the response already fetched over HTTP, not fetched again.

Memory is bounded: one page is rendered at a time, in a fresh context closed afterwards; the
browser is relaunched after SEEDCRAWL_BROWSER_RESTART_EVERY pages and whenever it has crashed. A
page that does not settle within SEEDCRAWL_BROWSER_TIMEOUT seconds is archived as far as it got.
Playwright's own signal handlers are off: the crawl decides when to stop, then `close()` ends it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from seedcrawl.archive.records import RenderedPage

logger = logging.getLogger(__name__)

BROWSER_META = "seedcrawl_browser"  # on requests the browser made (fetched on its behalf)
# Chromium's background services (updates, sync, safe browsing, field trials) call Google hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
]
# Headers the browser's request carries that Scrapy sets itself (or must not be copied).
_DROPPED_REQUEST_HEADERS = frozenset({"host", "cookie", "content-length", "connection", "accept-encoding"})
# The browser gets the decoded body: describing the transfer would mislead it.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
# Past the timeout, the DOM is read with this much grace (a page looping in a script never answers).
_SNAPSHOT_GRACE_S = 5.0

Fetch = Callable[[Request], Awaitable[Response]]


def chromium_path(configured: str) -> str | None:
    """The Chromium executable to drive, or None when the machine has none."""
    if configured and os.access(configured, os.X_OK):
        return configured
    return None


class Renderer:
    """One headless Chromium for the crawl; pages are rendered one at a time."""

    def __init__(
        self,
        executable: str,
        fetch: Fetch,
        *,
        user_agent: str,
        timeout: float = 20.0,
        restart_every: int = 50,
        max_requests: int = 500,
        request_meta: dict[str, Any] | None = None,
        pages_at_once: int = 2,
        cache_bytes: int = 32 << 20,
    ) -> None:
        self.executable = executable
        self.fetch = fetch
        self.user_agent = user_agent
        self.timeout = timeout
        self.restart_every = max(1, restart_every)
        self.max_requests = max_requests
        self.request_meta = dict(request_meta or {})
        self.launches = 0
        self._slots = asyncio.Semaphore(max(1, pages_at_once))
        self._lock = asyncio.Lock()  # launching, restarting and closing the browser
        self._active = 0  # pages being rendered now: the browser is restarted only between pages
        self.cache = ResponseCache(cache_bytes)
        self._playwright: Any = None
        self._browser: Any = None
        self._pages_in_browser = 0
        self._closed = False

    async def _ready_browser(self) -> Any:
        if self._browser is not None and (
            not self._browser.is_connected()
            or (self._pages_in_browser >= self.restart_every and self._active == 0)
        ):
            await self._close_browser()
        if self._browser is None:
            from playwright.async_api import async_playwright

            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.executable,
                args=CHROMIUM_ARGS,
                headless=True,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
            self._pages_in_browser = 0
            self.launches += 1
        return self._browser

    async def render(self, response: Response, reason: str) -> RenderedPage | None:
        """Load the fetched page in the browser; its DOM once the page settled (or at the timeout)."""
        async with self._slots:
            async with self._lock:
                if self._closed:
                    return None
                try:
                    browser = await self._ready_browser()
                except Exception as exc:  # no usable browser: the page stays as fetched over HTTP
                    logger.warning("cannot start Chromium (%s): %s not rendered", exc, response.url)
                    return None
                self._pages_in_browser += 1
                self._active += 1
            heartbeat = asyncio.ensure_future(_wake_loop())
            try:
                return await self._render_in(browser, response, reason)
            except Exception as exc:  # a crash of the browser or page: relaunched for the next page
                logger.warning("rendering %s failed: %s", response.url, exc)
                return None
            finally:
                heartbeat.cancel()
                self._active -= 1

    async def _render_in(self, browser: Any, response: Response, reason: str) -> RenderedPage | None:
        from playwright.async_api import Error as PlaywrightError

        context = await browser.new_context(
            user_agent=self.user_agent, service_workers="block", accept_downloads=False
        )
        requests = 0
        served_page = False

        async def answer(route: Any) -> None:
            nonlocal requests, served_page
            request = route.request
            if not served_page and request.url == response.url and request.is_navigation_request():
                served_page = True  # the page itself: as fetched over HTTP
                await route.fulfill(
                    status=response.status, headers=_fulfil_headers(response), body=response.body
                )
                return
            requests += 1
            if requests > self.max_requests or not request.url.startswith(("http://", "https://")):
                await route.abort("blockedbyclient")
                return
            await self._fetch_for(route, request)

        deadline = time.monotonic() + self.timeout
        timed_out = False
        try:
            await context.route("**/*", answer)
            page = await context.new_page()
            try:
                await page.goto(response.url, wait_until="load", timeout=self.timeout * 1000)
                # Settled: no request for 500 ms, as Playwright's driver sees them (it sees a request
                # when the page makes it; our route handler only once the event has crossed over,
                # which under load came after a quiet spell of our own counting).
                left = max(0.1, deadline - time.monotonic())
                await page.wait_for_load_state("networkidle", timeout=left * 1000)
            except PlaywrightError as exc:
                if "Timeout" not in type(exc).__name__ and "timeout" not in str(exc).lower():
                    raise
                timed_out = True
            try:
                dom = await asyncio.wait_for(page.content(), _SNAPSHOT_GRACE_S)
            except TimeoutError:
                logger.warning("%s: the page never let its DOM be read; not rendered", response.url)
                return None
        finally:
            await context.close()
        return RenderedPage(
            url=response.url,
            dom=dom.encode("utf-8", "surrogatepass"),
            fetched_at=datetime.now(UTC),
            reason=reason,
            timed_out=timed_out,
            requests=requests,
        )

    async def _fetch_for(self, route: Any, request: Any) -> None:
        """Fetch one browser request through Scrapy's downloader and answer the browser with it."""
        headers = {
            name: value
            for name, value in (await request.all_headers()).items()
            if name.lower() not in _DROPPED_REQUEST_HEADERS and not name.startswith(":")
        }
        headers["User-Agent"] = self.user_agent
        # A subresource (script, stylesheet, image, font, XHR) is a requisite of the page, fetched
        # from any host as requisites are; a document (a frame, a navigation) must be in scope.
        requisite = request.resource_type != "document"
        cached = self.cache.get(request.url) if requisite and request.method == "GET" else None
        if cached is not None:  # archived when first fetched; answered again from memory
            await _answer(
                route.fulfill(status=cached.status, headers=_fulfil_headers(cached), body=cached.body)
            )
            return
        meta = {
            **(self.request_meta if requisite else {}),
            BROWSER_META: request.resource_type,
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
        if requisite and request.method == "GET" and got.status == 200:
            self.cache.put(request.url, got)
        await _answer(route.fulfill(status=got.status, headers=_fulfil_headers(got), body=got.body))

    async def _close_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            try:
                await browser.close()
            except Exception as exc:  # already gone (crashed): nothing left to close
                logger.debug("closing Chromium: %s", exc)

    async def close(self) -> None:
        """End the browser and Playwright's driver; safe to call twice."""
        async with self._lock:
            self._closed = True
            await self._close_browser()
            if self._playwright is not None:
                playwright, self._playwright = self._playwright, None
                try:
                    await playwright.stop()
                except Exception as exc:
                    logger.debug("stopping Playwright: %s", exc)


async def _wake_loop() -> None:
    """Wake the event loop every 0.1 s while a page renders.

    Python runs a signal handler only when the main thread runs bytecode. A SIGTERM the kernel
    delivers to another thread (Playwright's child watcher) while the loop sleeps on the browser
    was handled only when the page finished, seconds later; the crawl must stop promptly.
    """
    while True:
        await asyncio.sleep(0.1)


class ResponseCache:
    """The browser's subresources of this run, by URL, up to `limit` bytes (least recently used out).

    Pages of a site share their stylesheets, scripts and fonts: fetched (and archived) once, then
    answered from memory, as a browser's own cache would.
    """

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
