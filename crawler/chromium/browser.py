"""Render pages in headless Chromium (Playwright), every request of the browser fetched by Scrapy.

The browser never touches the network itself. Every request it makes (the page's scripts,
stylesheets, images, fonts, XHR/fetch calls, frames) is intercepted (`page.route`) and answered by
crawler/chromium/browser_requests.py: the page itself with the response already fetched over HTTP, a
requisite the crawl already has from that response (neither fetched nor archived twice), anything
else through Scrapy's downloader, archived by crawler/capture/ like any other exchange.

Chromium starts when the first page needs it, or, with `prestart()` (crawler/chromium/rendering.py
says when: SEEDCRAWL_BROWSER_PRESTART), in the background while the HTTP crawl goes on: its start
(Playwright's driver, the browser, a context, the tabs: 1.3 s on an idle machine, 2-4 s under
load) is then off the path of the first page that needs it. Memory is bounded:
SEEDCRAWL_BROWSER_PAGES pages at once, in reused tabs of one context; the browser is restarted after
SEEDCRAWL_BROWSER_RESTART_EVERY pages or once its processes hold more than
SEEDCRAWL_BROWSER_MAX_MEMORY_MB (looked at after a page, every few seconds at most), and whenever
it has crashed (the page it crashed on is rendered again). On its tab a page is rendered by
crawler/chromium/page_render.py: settled when crawler/chromium/settle.py says so; one that does
not within SEEDCRAWL_BROWSER_TIMEOUT seconds is archived as far as it got; one whose script never
yields is stopped first. Playwright's own signal handlers are off: the crawl decides when to
stop, then `close()` ends the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from scrapy.http import Response

from seedcrawl.archive.records import RenderedPage
from seedcrawl.crawler.chromium.browser_cache import SharedResponses
from seedcrawl.crawler.chromium.browser_process import chromium_pids, memory_bytes
from seedcrawl.crawler.chromium.browser_requests import Admit, BrowserRequests, Fetch, Tab
from seedcrawl.crawler.chromium.dom_only import launch_args
from seedcrawl.crawler.chromium.page_render import GRACE_S, crashed, render_on, wake_loop
from seedcrawl.crawler.chromium.settle import SETTLE_SCRIPT

logger = logging.getLogger(__name__)

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
# Reading the PSS of Chromium's processes (walking /proc and their page tables) takes 30-40 ms of
# the crawl's event loop on a busy machine: done after a page at most this often, not after each.
_MEMORY_CHECK_EVERY_S = 3.0
# Tabs opened with a browser started ahead: a crawl that finds no page to render (a news site whose
# pages carry scripts but no shell) pays for these renderer processes; the pages at once beyond
# them open their tabs when pages wait for them.
_TABS_AHEAD = 3


def chromium_path(configured: str) -> str | None:
    """The Chromium executable to drive, or None when the machine has none."""
    if configured and os.access(configured, os.X_OK):
        return configured
    return None


class Renderer:
    """One headless Chromium for the crawl, started when the first page needs it.

    It keeps one context and up to `pages_at_once` tabs, reused: a new tab costs a renderer
    process (0.3-0.8 s of a busy machine), a navigation in an open one a fraction of it.
    """

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
        max_memory: int = 0,
        shared: SharedResponses | None = None,
        admit: Admit | None = None,
        quiet_ms: int = 200,
        on_launch: Callable[[], None] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        self.executable = executable
        self.args = CHROMIUM_ARGS + launch_args(skip)  # crawler/chromium/dom_only.py
        self.quiet_ms = quiet_ms
        self.user_agent = user_agent
        self.timeout = timeout
        self.restart_every = max(1, restart_every)
        self.max_memory = max_memory
        self.requests = BrowserRequests(
            fetch,
            user_agent=user_agent,
            wait=timeout / 2,
            max_requests=max_requests,
            request_meta=dict(request_meta or {}),
            shared=shared if shared is not None else SharedResponses(32 << 20),
            admit=admit,
            skip=skip,
        )
        self.launches = 0
        self._on_launch = on_launch  # counted as it happens: the crawl's summary may be made first
        self.crashes = 0
        self._slots_total = max(1, pages_at_once)
        self._slots = asyncio.Semaphore(self._slots_total)
        self._lock = asyncio.Lock()  # launching, restarting and closing the browser
        self._active = 0  # pages being rendered now: the browser is restarted only between pages
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._idle: list[Tab] = []
        self._pages_in_browser = 0
        self._restart = False  # over its memory bound: restarted once no page is rendering
        self._memory_checked = 0.0  # time.monotonic() of the last check
        self._waiting = 0  # pages waiting for a free tab
        self._opening = 0  # tabs being opened ahead: a page that needs one waits for the first
        self._opened = asyncio.Event()  # set, then replaced, as each of those opens (or fails to)
        self._closed = False
        self._prestart: asyncio.Future[None] | None = None

    async def _ready_browser(self) -> Any:
        if self._browser is not None and not self._browser.is_connected():
            self.crashes += 1
            logger.warning("Chromium has gone (crashed or killed): starting it again")
            await self._close_browser()
        elif (
            self._browser is not None
            and self._active == 0
            and (self._restart or self._pages_in_browser >= self.restart_every)
        ):
            await self._close_browser()  # bounds what a long-lived browser accumulates
        if self._browser is None:
            from playwright.async_api import async_playwright

            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.executable,
                args=self.args,
                headless=True,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
            self._context = await self._browser.new_context(
                user_agent=self.user_agent, service_workers="block", accept_downloads=False
            )
            await self._context.add_init_script(SETTLE_SCRIPT)
            self._pages_in_browser = 0
            self._restart = False
            self.launches += 1
            if self._on_launch is not None:
                self._on_launch()
        return self._browser

    def prestart(self) -> None:
        """Start the browser and open its tabs in the background; `close()` ends (or waits for) it."""
        if self._prestart is None and not self._closed:
            self._prestart = asyncio.ensure_future(self._start_ahead())

    async def _start_ahead(self) -> None:
        try:
            async with self._lock:
                if self._closed or self._browser is not None:
                    return
                await self._ready_browser()
                ahead = min(self._slots_total, _TABS_AHEAD)
                context, self._opening = self._context, ahead
        except Exception as exc:  # the first page that needs the browser tries again (and warns)
            logger.debug("starting Chromium ahead: %s", exc)
            return
        # The tabs (a renderer process each, 0.1-0.4 s) open at once, outside the lock: a page that
        # needs the browser meanwhile takes the first one open, not the last, and opens none of its
        # own (which would leave more renderer processes than pages at once).
        opened = await asyncio.gather(*(self._open_ahead(context) for _ in range(ahead)))
        logger.info("Chromium started ahead of the pages that need it (%d tabs)", sum(opened))

    async def _open_ahead(self, context: Any) -> bool:
        """Open a tab for the idle ones; whether it was (not when the browser went meanwhile)."""
        tab: Tab | None = None
        try:
            tab = await self._new_tab(context)
        except Exception as exc:  # a page that needs the browser opens a tab of its own instead
            logger.debug("opening a tab ahead: %s", exc)
        kept = tab is not None and context is self._context and not self._closed
        if tab is not None and kept:
            self._idle.append(tab)
        self._opening -= 1
        self._opened.set()  # the pages waiting look again: one takes this tab, or opens its own
        self._opened = asyncio.Event()
        return kept

    async def _take_tab(self) -> Tab | None:
        """A tab to render on (the browser started or restarted as needed), None once closed."""
        while True:
            async with self._lock:
                if self._closed:
                    return None
                await self._ready_browser()
                tab = self._idle_tab()
                if tab is not None or not self._opening:
                    self._pages_in_browser += 1
                    self._active += 1
                    if tab is not None:
                        return tab
                    context = self._context
                    break
                opened = self._opened
            await opened.wait()
        # Opened outside the lock: the first pages open their tabs at once, not one after the other
        # (0.3-0.6 s each); counted active, so no restart closes the browser meanwhile.
        try:
            return await self._new_tab(context)
        except BaseException:
            self._active -= 1
            raise

    def _idle_tab(self) -> Tab | None:
        while self._idle:
            tab = self._idle.pop()
            if not tab.page.is_closed():
                return tab
        return None

    async def _new_tab(self, context: Any) -> Tab:
        new = await context.new_page()
        # Attached now: attaching needs the page's main thread, which an endless script holds.
        tab = Tab(new, await context.new_cdp_session(new))

        async def answer(route: Any) -> None:
            await self.requests.route(tab, route)

        await tab.page.route("**/*", answer)
        return tab

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """One of the `pages_at_once` slots; while waiting for it, the page counts as waiting."""
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()

    async def render(self, response: Response, reason: str) -> RenderedPage | None:
        """Load the fetched page in the browser; its DOM once the page settled (or at the timeout).

        A page during which Chromium crashed is rendered once more in a new browser.
        """
        async with self._slot():
            for attempt in (1, 2):
                try:
                    tab = await self._take_tab()
                except Exception as exc:  # no usable browser: the page stays as fetched over HTTP
                    if not self._closed:  # closed meanwhile: the crawl is ending
                        logger.warning("cannot start Chromium (%s): %s not rendered", exc, response.url)
                    return None
                if tab is None:
                    return None
                heartbeat = asyncio.ensure_future(wake_loop())
                try:
                    page = await render_on(tab, response, reason, self.timeout, self.quiet_ms)
                    await self._release(tab, keep=page is not None and not page.timed_out)
                    return page
                except Exception as exc:
                    await self._drop(tab)
                    if attempt == 1 and not self._closed and crashed(exc, self._browser_alive()):
                        logger.warning(
                            "Chromium crashed while rendering %s: rendering it again", response.url
                        )
                        continue
                    logger.warning("rendering %s failed: %s", response.url, exc)
                    return None
                finally:
                    heartbeat.cancel()
                    self._active -= 1  # after the release: no restart may close a tab still in use
            return None

    def _browser_alive(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def _release(self, tab: Tab, keep: bool) -> None:
        """Back to the idle tabs; a tab that hung is closed instead.

        Blanked (its scripts stopped) when no page waits for it: a page that does navigates it at
        once, which ends the old document as well, sooner (blanking costs 0.05-0.2 s of a slot).
        """
        if keep and not self._closed and not self._waiting:
            try:
                await tab.page.goto("about:blank", timeout=GRACE_S * 1000)
            except Exception:
                keep = False
        if keep and not self._closed:
            self._idle.append(tab)
        else:
            await self._drop(tab)
        self._check_memory()

    async def _drop(self, tab: Tab) -> None:
        try:
            await asyncio.wait_for(tab.page.close(run_before_unload=False), GRACE_S)
        except Exception as exc:  # gone with a crashed browser, or stuck: the restart ends it
            logger.debug("closing a tab: %s", exc)
            self._restart = True

    def _check_memory(self) -> None:
        if self.max_memory <= 0 or self._restart:
            return
        if time.monotonic() - self._memory_checked < _MEMORY_CHECK_EVERY_S:
            return
        self._memory_checked = time.monotonic()
        used = memory_bytes(chromium_pids())
        if used > self.max_memory:
            logger.info(
                "Chromium holds %d MiB (bound %d MiB): restarting it", used >> 20, self.max_memory >> 20
            )
            self._restart = True

    async def _close_browser(self) -> None:
        browser, self._browser, self._context = self._browser, None, None
        self._idle.clear()
        if browser is not None:
            try:
                await browser.close()
            except Exception as exc:  # already gone (crashed): nothing left to close
                logger.debug("closing Chromium: %s", exc)

    async def close(self) -> None:
        """End the browser and Playwright's driver; safe to call twice."""
        self._closed = True  # a start ahead that has not taken the lock yet starts nothing
        if self._prestart is not None:
            # Waited for, not cancelled: a launch cut halfway may leave a Chromium no one closes.
            await asyncio.gather(self._prestart, return_exceptions=True)
        async with self._lock:
            self._closed = True
            await self._close_browser()
            if self._playwright is not None:
                playwright, self._playwright = self._playwright, None
                try:
                    await playwright.stop()
                except Exception as exc:
                    logger.debug("stopping Playwright: %s", exc)
