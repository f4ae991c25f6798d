"""`--browser never|auto|always`: which fetched pages are rendered in Chromium, and what is kept.

The spider asks `PageRendering.render(response)` for every HTML page it parsed. With `always`
every page is rendered; with `auto` only the pages `render_reason` (crawler/render_decision.py)
says need it. A rendered page's DOM is archived as a `resource` record `urn:dom:<url>` (with
`WARC-Rendered-Reason`), counted in the crawl summary (`rendered`), and handed back to the spider
so that the links the scripts added are followed too.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse

from seedcrawl.crawler.browser import Renderer, chromium_path
from seedcrawl.crawler.render_decision import render_reason

logger = logging.getLogger(__name__)

MODES = ("never", "auto", "always")
INSTALL_HINT = "install Chromium (Debian/Ubuntu: apt-get install chromium)"


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
    def __init__(self, crawler: Crawler, mode: str, renderer: Renderer) -> None:
        self.crawler = crawler
        self.mode = mode
        self.renderer = renderer

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

        renderer = Renderer(
            found,
            fetch,
            user_agent=settings.get("USER_AGENT"),
            timeout=settings.getfloat("SEEDCRAWL_BROWSER_TIMEOUT"),
            restart_every=settings.getint("SEEDCRAWL_BROWSER_RESTART_EVERY"),
            max_requests=settings.getint("SEEDCRAWL_BROWSER_MAX_REQUESTS"),
            request_meta=request_meta,
            pages_at_once=settings.getint("SEEDCRAWL_BROWSER_PAGES"),
        )
        return cls(crawler, mode, renderer)

    def reason_for(self, response: Response) -> str | None:
        if not isinstance(response, HtmlResponse) or response.status != 200:
            return None
        if self.mode == "always":
            return "always"
        return render_reason(response.body)

    async def render(self, response: Response) -> TextResponse | None:
        """Render the page if it needs it; archive its DOM; the DOM as a response, or None."""
        reason = self.reason_for(response)
        if reason is None:
            return None
        stats = _stats(self.crawler)
        page = await self.renderer.render(response, reason)
        if page is None:
            stats.inc_value("seedcrawl/browser/failed")
            return None
        from seedcrawl.crawler.capture import WarcCapture

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

    async def close(self) -> None:
        await self.renderer.close()


def _stats(crawler: Crawler) -> Any:
    assert crawler.stats is not None
    return crawler.stats
