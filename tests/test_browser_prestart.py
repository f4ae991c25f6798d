"""`--browser auto` starts Chromium in the background on the first page with a script
(SEEDCRAWL_BROWSER_PRESTART), before any page needs it.

A crawl that finds no page needing the browser ends it with the crawl, and so does SIGTERM while
the browser started ahead waits for a page; on a web without scripts, or with the setting off,
no Chromium is started at all. A page that needs the browser while its tabs open renders on the
first tab open, not once all are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scrapy import Request as ScrapyRequest
from scrapy.http import HtmlResponse
from scrapy.http import Response as ScrapyResponse

from seedcrawl.crawler.chromium.browser import Renderer
from seedcrawl.crawler.chromium.browser_process import chromium_pids
from seedcrawl.crawler.chromium.browser_requests import Tab
from tests.support.browser import process_alive, require_chromium
from tests.support.cli import crawl
from tests.support.testweb import Request, Response, Site, SiteServer, page
from tests.support.treeweb import start_crawl, wait_for

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
ARTICLE = (
    "<h1>Harbour</h1><p>The harbour board approved the new ferry timetable on Tuesday, adding an "
    "evening crossing in summer and a second boat on market days, after two years of complaints.</p>"
)
# A page's ordinary script (no shell: the text is in the HTML), as news sites' pages all carry.
SCRIPT = "<script>document.documentElement.dataset.js = 'on';</script>"


def _held(release: threading.Event) -> Callable[[Request], Response]:
    """A page answered only once the test has seen what it waits for (or after 60 s)."""

    def answer(request: Request) -> Response:
        release.wait(60)
        return page(ARTICLE.encode(), HTML)

    return answer


def _site(release: threading.Event, script: str = SCRIPT) -> Site:
    home = f"<h1>News</h1><a href='/a.html'>a</a> <a href='/held.html'>held</a>{script}"
    return Site(
        "site",
        {
            "/": page(home.encode(), HTML),
            "/a.html": page(ARTICLE.encode(), HTML),
            "/held.html": _held(release),
        },
    )


@contextlib.contextmanager
def _held_crawl(out: Path, server: SiteServer, release: threading.Event) -> Iterator[subprocess.Popen[str]]:
    """`--browser auto` crawling `server` in the background; its held page let go, and the crawl
    killed if it still runs, however the test ends."""
    proc = start_crawl(out, [server.base_url + "/"], "--browser", "auto")
    try:
        yield proc
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _started_ahead(out: Path) -> bool:
    logs = list((out / "logs").glob("crawl-*.log"))
    return bool(logs) and "Chromium started ahead" in logs[0].read_text()


def _summary(out: Path) -> dict[str, object]:
    return dict(json.loads(next((out / "logs").glob("crawl-*.json")).read_text())["rendered"])


def test_chromium_started_ahead_ends_with_a_crawl_that_never_needed_it(tmp_path: Path) -> None:
    require_chromium()
    release = threading.Event()
    with SiteServer(_site(release), "127.0.0.96") as server:
        out = tmp_path / "out"
        with _held_crawl(out, server, release) as proc:
            # No page needs the browser, and one page is held back: Chromium runs all the same.
            wait_for(lambda: _started_ahead(out), 60, "Chromium started ahead")
            browser = chromium_pids(proc.pid)
            release.set()
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    wait_for(lambda: not any(process_alive(pid) for pid in browser), 10, "Chromium to end")
    rendered = _summary(out)
    assert rendered["pages"] == 0 and rendered["browser_launches"] == 1


def test_sigterm_closes_the_browser_started_ahead(tmp_path: Path) -> None:
    require_chromium()
    release = threading.Event()
    with SiteServer(_site(release), "127.0.0.97") as server:
        out = tmp_path / "out"
        with _held_crawl(out, server, release) as proc:
            wait_for(lambda: bool(chromium_pids(proc.pid)), 60, "Chromium started ahead")
            browser = chromium_pids(proc.pid)
            proc.send_signal(signal.SIGTERM)
            release.set()
            assert proc.wait(timeout=60) == 130, proc.stderr.read() if proc.stderr else ""
    wait_for(lambda: not any(process_alive(pid) for pid in browser), 10, "Chromium to end")


@pytest.mark.parametrize(
    ("script", "settings"),
    [("", ()), (SCRIPT, ("-s", "SEEDCRAWL_BROWSER_PRESTART=False"))],
    ids=["pages-without-scripts", "prestart-off"],
)
def test_no_browser_is_started_ahead_without_scripts_or_with_the_setting_off(
    tmp_path: Path, script: str, settings: tuple[str, ...]
) -> None:
    require_chromium()
    release = threading.Event()
    release.set()
    with SiteServer(_site(release, script), "127.0.0.98") as server:
        out = tmp_path / "out"
        crawl(out, [server.base_url + "/"], "--browser", "auto", *settings)
    rendered = _summary(out)
    assert rendered["pages"] == 0 and rendered["browser_launches"] == 0


async def _no_fetch(request: ScrapyRequest) -> ScrapyResponse:
    raise AssertionError(f"the page asked for nothing, yet {request.url} was fetched")


async def _render_while_tabs_open(executable: str) -> tuple[bool, int]:
    """A page rendered by a browser started ahead with 3 tabs, of which only the first opens until
    the page is rendered: whether it was rendered, and how many tabs the browser then had."""
    renderer = Renderer(executable, _no_fetch, user_agent="seedcrawl-test", pages_at_once=3)
    new_tab, opened, held = renderer._new_tab, 0, asyncio.Event()

    async def first_at_once(context: object) -> Tab:
        nonlocal opened
        opened += 1
        if opened > 1:
            await held.wait()  # the other tabs open only once the page is rendered
        return await new_tab(context)

    renderer._new_tab = first_at_once  # type: ignore[method-assign]
    body = f"<html><body>{ARTICLE}</body></html>".encode()
    try:
        renderer.prestart()
        # Bounded only so that a renderer waiting for every tab fails the test instead of hanging it.
        rendered = await asyncio.wait_for(
            renderer.render(HtmlResponse("http://127.0.0.95/a.html", body=body), "test"), 30
        )
        held.set()
        if renderer._prestart is not None:
            await renderer._prestart
        return rendered is not None and b"harbour board" in rendered.dom, opened
    finally:
        held.set()
        await renderer.close()


def test_a_page_renders_on_the_first_tab_open_while_the_others_open(tmp_path: Path) -> None:
    rendered, tabs = asyncio.run(_render_while_tabs_open(require_chromium()))
    assert rendered
    assert tabs == 3  # the page took a tab opened ahead, not one of its own


async def _tabs_for_five_pages(executable: str) -> tuple[int, int, list[bool]]:
    """Tabs opened by a browser started ahead for 5 pages at once, then while 5 pages render at once
    (each waits 1 s for its JSON call, so all five are in the browser together)."""

    async def slow_json(request: ScrapyRequest) -> ScrapyResponse:
        await asyncio.sleep(1.0)
        body = json.dumps({"text": "The harbour board met on Tuesday."}).encode()
        return ScrapyResponse(
            request.url, status=200, headers={"Content-Type": "application/json"}, body=body, request=request
        )

    renderer = Renderer(executable, slow_json, user_agent="seedcrawl-test", pages_at_once=5)
    new_tab, opened = renderer._new_tab, 0

    async def counted(context: object) -> Tab:
        nonlocal opened
        opened += 1
        return await new_tab(context)

    renderer._new_tab = counted  # type: ignore[method-assign]
    body = (
        b"<html><body><div id='app'>Loading...</div><script>fetch('/story.json').then(r => r.json())"
        b".then(s => { document.getElementById('app').textContent = s.text; });</script></body></html>"
    )
    try:
        renderer.prestart()
        assert renderer._prestart is not None
        await renderer._prestart
        ahead = opened
        pages = await asyncio.wait_for(
            asyncio.gather(
                *(
                    renderer.render(HtmlResponse(f"http://127.0.0.95/{n}.html", body=body), "test")
                    for n in range(5)
                )
            ),
            60,
        )
        return ahead, opened, [p is not None and b"harbour board" in p.dom for p in pages]
    finally:
        await renderer.close()


def test_a_browser_started_ahead_opens_three_tabs_and_more_only_for_pages_that_wait() -> None:
    # A crawl that renders nothing pays for three renderer processes, not for every page at once.
    ahead, opened, rendered = asyncio.run(_tabs_for_five_pages(require_chromium()))
    assert ahead == 3
    assert rendered == [True] * 5
    assert opened == 5  # five pages at once: two tabs more, and no more than that
