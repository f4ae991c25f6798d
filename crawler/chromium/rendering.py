"""`--browser never|auto|always`: which fetched pages are rendered in Chromium, and what is kept.

The spider asks `PageRendering.render(response)` for every HTML page it parsed. With `always`
every page is rendered; with `auto` only the pages `render_reason` (crawler/chromium/render_decision.py)
says need it. A rendered page's DOM is archived as a `resource` record `urn:dom:<url>` (with
`WARC-Rendered-Reason`), counted in the crawl summary (`rendered`), and handed back to the spider
so that the links the scripts added are followed too.

The browser shares the crawl's requisites both ways (crawler/chromium/browser_cache.py): the requisites
the crawl fetched answer the browser's requests for them, and a requisite the crawl has parked
but not fetched yet that the browser asks for is taken off the frontier (the browser fetches and
archives it, a stylesheet's own fonts and images are then parked as the crawl's would be), so no
requisite is fetched twice in a run.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached

from seedcrawl.crawler.chromium.browser import Renderer, chromium_path
from seedcrawl.crawler.chromium.browser_cache import SharedResponses, cache_key
from seedcrawl.crawler.chromium.browser_requests import BROWSER_META
from seedcrawl.crawler.chromium.dom_only import skipped_types
from seedcrawl.crawler.chromium.render_decision import render_reason
from seedcrawl.crawler.discover.focus import REQUISITE_PRIORITY
from seedcrawl.crawler.discover.requisites import REQUISITE_META, css_requisites, is_stylesheet
from seedcrawl.crawler.run.frontier import Verdict

logger = logging.getLogger(__name__)

MODES = ("never", "auto", "always")
INSTALL_HINT = "install Chromium (Debian/Ubuntu: apt-get install chromium)"
# Subresources a page's HTML or CSS names as requisites: the browser takes them off the frontier.
# Not XHR/fetch: a script may fetch a URL that is also an article page, to be fetched as a page.
_REQUISITE_TYPES = frozenset({"stylesheet", "script", "image", "font", "media", "texttrack", "manifest"})


class BrowserUnavailable(Exception):
    """`--browser always` on a machine without Chromium."""


def browser_mode(value: Any) -> str:
    mode = str(value or "auto").strip().lower()
    if mode not in MODES:
        raise ValueError(f"--browser takes never, auto or always, not {value!r}")
    return mode


def check_browser(mode: str, executable: str) -> str | None:
    """The Chromium to use for `mode`, None for none; raises BrowserUnavailable for `always`."""
    if mode == "never":
        return None
    found = chromium_path(executable)
    if found is None and mode == "always":
        raise BrowserUnavailable(f"--browser always needs Chromium at {executable}: {INSTALL_HINT}")
    return found


class PageRendering:
    def __init__(self, crawler: Crawler, mode: str, renderer: Renderer, shared: SharedResponses) -> None:
        self.crawler = crawler
        self.mode = mode
        self.renderer = renderer
        self.shared = shared
        self._claimed: set[str] = set()  # requisites taken off the frontier, for the browser
        self._ahead = False  # Chromium to be started ahead on the first page with a script
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._left, signal=signals.request_left_downloader)
        crawler.signals.connect(self._received, signal=signals.response_received)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, request_meta: dict[str, Any] | None = None
    ) -> PageRendering | None:
        """The crawl's rendering, or None (`never`, or `auto` without Chromium: warned once)."""
        settings = crawler.settings
        mode = browser_mode(settings.get("SEEDCRAWL_BROWSER"))
        executable = settings.get("SEEDCRAWL_BROWSER_EXECUTABLE")
        found = check_browser(mode, executable)
        if found is None:
            if mode == "auto":
                logger.warning(
                    "--browser auto: no Chromium at %s, pages are archived over HTTP only (%s)",
                    executable,
                    INSTALL_HINT,
                )
                _stats(crawler).set_value("seedcrawl/browser/unavailable", 1)
            return None

        async def fetch(request: Any) -> Response:
            engine = crawler.engine
            assert engine is not None
            return await engine.download_async(request)

        shared = SharedResponses(settings.getint("SEEDCRAWL_BROWSER_CACHE_MB") << 20)
        renderer = Renderer(
            found,
            fetch,
            user_agent=settings.get("USER_AGENT"),
            timeout=settings.getfloat("SEEDCRAWL_BROWSER_TIMEOUT"),
            restart_every=settings.getint("SEEDCRAWL_BROWSER_RESTART_EVERY"),
            max_requests=settings.getint("SEEDCRAWL_BROWSER_MAX_REQUESTS"),
            request_meta=request_meta,
            pages_at_once=settings.getint("SEEDCRAWL_BROWSER_PAGES"),
            max_memory=settings.getint("SEEDCRAWL_BROWSER_MAX_MEMORY_MB") << 20,
            shared=shared,
            admit=lambda url, kind: rendering.admit(url, kind),
            quiet_ms=settings.getint("SEEDCRAWL_BROWSER_QUIET_MS"),
            on_launch=lambda: _stats(crawler).inc_value("seedcrawl/browser/launches"),
            skip=skipped_types(mode, settings.get("SEEDCRAWL_BROWSER_AUTO_SKIP")),
        )
        rendering = cls(crawler, mode, renderer, shared)  # admit (above) calls back into it
        return rendering

    # -- the crawl's requisites and the browser's, shared ------------------------------------------

    def _frontier(self) -> Any:
        return getattr(self.crawler.spider, "frontier", None)

    def admit(self, url: str, kind: str) -> bool:
        """May the browser fetch this subresource? A requisite parked for the crawl is taken for it."""
        frontier = self._frontier()
        if frontier is None:
            return True
        if kind not in _REQUISITE_TYPES:
            key = cache_key(url)
            return bool(frontier.config.rules.allows_requisite(key))
        verdict = frontier.claim_requisite_redirect(url)
        if verdict is Verdict.ADMITTED:
            self._claimed.add(cache_key(url))
        return verdict is not Verdict.OUT_OF_SCOPE

    def _reached(self, request: Request, spider: Spider) -> None:
        if request.method == "GET" and (request.meta.get(REQUISITE_META) or request.meta.get(BROWSER_META)):
            self.shared.started(request.url)

    def _left(self, request: Request, spider: Spider) -> None:
        self.shared.left(request.url)

    def _received(self, response: Response, request: Request, spider: Spider) -> None:
        kind = request.meta.get(BROWSER_META)
        if kind == "document" or not (kind or request.meta.get(REQUISITE_META)):
            return  # pages are fetched once anyway; only requisites are shared
        self.shared.answered(request.url, request.method, response)
        key = cache_key(request.url)
        if kind is None or key not in self._claimed:
            return
        self._claimed.discard(key)  # counted and parsed as the crawl counts and parses requisites
        stats = _stats(self.crawler)
        stats.inc_value("seedcrawl/requisites")
        stats.inc_value(f"seedcrawl/host/{urlparse_cached(response).netloc}/requisites")
        stats.inc_value("seedcrawl/browser/requisites_taken")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        frontier = self._frontier()
        if frontier is not None and isinstance(response, TextResponse) and is_stylesheet(content_type, key):
            for found in css_requisites(response.text, response.url):
                frontier.admit_requisite(found, 1, response.url, REQUISITE_PRIORITY)

    @property
    def dom_requisites(self) -> bool:
        """Whether the spider fetches the requisites of a rendered DOM over HTTP: in `auto`, where the
        browser renders for the DOM only; in `always` the browser loaded and archived them itself."""
        return self.mode == "auto"

    def reason_for(self, response: Response) -> str | None:
        if not isinstance(response, HtmlResponse) or response.status != 200:
            return None
        if self.mode == "always":
            return "always"
        if self._ahead:
            self._start_ahead_on(response)
        return render_reason(response.body, response.selector.root)  # the spider's parse, reused

    async def render(self, response: Response, reason: str | None = None) -> TextResponse | None:
        """Render the page if it needs it (`reason`: asked already); archive its DOM; the DOM as a
        response, or None."""
        reason = reason or self.reason_for(response)
        if reason is None:
            return None
        stats = _stats(self.crawler)
        page = await self.renderer.render(response, reason)
        if page is None:
            stats.inc_value("seedcrawl/browser/failed")
            return None
        from seedcrawl.crawler.capture.extension import WarcCapture

        for extension in self.crawler.extensions.middlewares:
            if isinstance(extension, WarcCapture):
                extension.archive_rendered(page)
        stats.inc_value("seedcrawl/browser/rendered")
        stats.inc_value(f"seedcrawl/browser/reason/{reason.split(':', 1)[0]}")
        stats.inc_value("seedcrawl/browser/timed_out", int(page.timed_out))
        stats.inc_value("seedcrawl/browser/requests", page.requests)
        listed = stats.get_value("seedcrawl/browser/pages")
        if listed is None:
            stats.set_value("seedcrawl/browser/pages", listed := [])
        listed.append({"url": page.url, "reason": reason, "timed_out": page.timed_out})
        logger.info("rendered %s in Chromium (%s, %d requests)", page.url, reason, page.requests)
        return HtmlResponse(page.url, body=page.dom, encoding="utf-8", request=response.request)

    def start_ahead(self) -> None:
        """Start Chromium in the background, if SEEDCRAWL_BROWSER_PRESTART says so.

        With `always` now, as the crawl starts. With `auto` once the crawl has parsed a page that
        carries a script (on a news site, its first page): the first shell page then finds the
        browser ready instead of waiting 1-4 s for its start, and a web of pages without any
        script (no shell there, most likely) pays for no browser. A crawl that finds no shell has
        paid for one it did not use (about 1 s of CPU; closed at its end).
        """
        if not self.crawler.settings.getbool("SEEDCRAWL_BROWSER_PRESTART"):
            return
        if self.mode == "always":
            self.renderer.prestart()
        else:
            self._ahead = True  # on the first page with a script (reason_for)

    def _start_ahead_on(self, response: HtmlResponse) -> None:
        if response.selector.root.find(".//script") is not None:  # the spider's parse, reused
            self._ahead = False
            self.renderer.prestart()

    async def close(self) -> None:
        stats = _stats(self.crawler)
        stats.set_value("seedcrawl/browser/crashes", self.renderer.crashes)
        stats.set_value("seedcrawl/browser/answered_from_crawl", self.shared.hits)
        await self.renderer.close()


def _stats(crawler: Crawler) -> Any:
    assert crawler.stats is not None
    return crawler.stats
