"""One page rendered on a tab: loaded, settled (or timed out), its DOM read.

crawler/chromium/browser.py decides which tab and when (the browser started, restarted, a page
rendered again after a crash); this is what happens on the tab. The tab answers the page itself
with the response already fetched over HTTP (crawler/chromium/browser_requests.py) while
`tab.response` is set, and refuses its late requests once it is cleared.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from scrapy.http import Response

from seedcrawl.archive.records import RenderedPage
from seedcrawl.crawler.chromium.browser_requests import Tab
from seedcrawl.crawler.chromium.settle import wait_settled

logger = logging.getLogger(__name__)

# Past the timeout, the DOM is read with this much grace (a page looping in a script never answers);
# a tab is blanked or closed within it too.
GRACE_S = 5.0


async def render_on(
    tab: Tab, response: Response, reason: str, timeout: float, quiet_ms: int
) -> RenderedPage | None:
    """The page's DOM once it settled, or as far as it got at `timeout`; None if it cannot be read."""
    from playwright.async_api import Error as PlaywrightError

    tab.response, tab.served, tab.requests = response, False, 0
    page = tab.page
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        try:
            await page.goto(response.url, wait_until="load", timeout=timeout * 1000)
            settled = await wait_settled(tab, quiet_ms, deadline)
            if settled is None:  # no settle script in the page: no request for 500 ms
                left = max(0.1, deadline - time.monotonic())
                await page.wait_for_load_state("networkidle", timeout=left * 1000)
            timed_out = settled is False
        except PlaywrightError as exc:
            if "Timeout" not in type(exc).__name__ and "timeout" not in str(exc).lower():
                raise
            timed_out = True
        dom = await snapshot(tab, response.url)
        if dom is None:
            return None
        return RenderedPage(
            url=response.url,
            dom=dom.encode("utf-8", "surrogatepass"),
            fetched_at=datetime.now(UTC),
            reason=reason,
            timed_out=timed_out,
            requests=tab.requests,
        )
    finally:
        tab.response = None  # late requests of this page are refused from now on


async def snapshot(tab: Tab, url: str) -> str | None:
    """The page's DOM; a page whose script never yields is stopped first (its DOM as it is)."""
    try:
        return str(await asyncio.wait_for(tab.page.content(), GRACE_S))
    except TimeoutError:
        pass
    try:  # Runtime.terminateExecution interrupts a busy main thread (an endless loop)
        await asyncio.wait_for(tab.cdp.send("Runtime.terminateExecution"), GRACE_S)
        return str(await asyncio.wait_for(tab.page.content(), GRACE_S))
    except Exception as exc:
        logger.warning("%s: the page never let its DOM be read (%s); not rendered", url, exc)
        return None


def crashed(exc: Exception, alive: bool) -> bool:
    """Whether a render failed because Chromium (or the page's renderer process) went away."""
    message = str(exc).lower()
    return not alive or "crash" in message or "has been closed" in message


async def wake_loop() -> None:
    """Wake the event loop every 0.1 s while a page renders.

    Python runs a signal handler only when the main thread runs bytecode. A SIGTERM the kernel
    delivers to another thread (Playwright's child watcher) while the loop sleeps on the browser
    was handled only when the page finished, seconds later; the crawl must stop promptly.
    """
    while True:
        await asyncio.sleep(0.1)
