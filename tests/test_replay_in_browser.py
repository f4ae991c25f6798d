"""Acceptance: an archived site replays completely in pywb, in a real browser, with the site gone.

The site's articles use a stylesheet, a script, a web font and images on a second (CDN) host, and
one article's text is loaded by a script from a JSON endpoint. The crawl runs with default options
(requisites on, `--browser auto`), the site is stopped, and every article is opened through pywb in
headless Chromium: every request the replayed page makes must be answered by pywb from the
archive (none fails, none goes anywhere else), the stylesheet applies, the script runs, the images
have a size, the font loads, and the script-loaded text shows. The corpus has that article's text.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from seedcrawl.crawler.chromium.browser import CHROMIUM_ARGS
from tests.support.browser import require_chromium
from tests.support.cdnweb import FONT_FAMILY, HEADLINE_COLOR, LIVE, LIVE_TEXT, CdnWeb
from tests.support.cli import crawl, run_seedcrawl
from tests.support.pywb import COLL, PywbFactory

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    require_chromium()
    out = tmp_path_factory.mktemp("replay") / "out"
    with CdnWeb() as web:
        crawl(out, [web.seeds[0] + "/"])
        articles = web.article_urls()
    return out, articles  # the site is stopped: replay can only come from the archive


async def _open_replayed(base: str, url: str, replay: str, executable: str) -> dict[str, Any]:
    """Open `replay` (pywb's framed view of `url`); the archived page's state in its frame."""
    from playwright.async_api import async_playwright

    requests: list[str] = []
    failed: list[str] = []
    bad_status: list[str] = []
    escaped: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = await browser.new_context(service_workers="block")

        async def guard(route: Any) -> None:
            if route.request.url.startswith(base):
                await route.continue_()
            else:  # anything not served by pywb would come from the live web: recorded, never sent
                escaped.append(route.request.url)
                await route.abort("blockedbyclient")

        await context.route("**/*", guard)
        page = await context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        page.on("response", lambda r: bad_status.append(f"{r.url}: {r.status}") if r.status >= 400 else None)
        await page.goto(replay, wait_until="load", timeout=60_000)
        await page.wait_for_load_state("networkidle", timeout=30_000)
        # pywb shows the capture in an iframe (its banner is the top page), in mp_ mode.
        frame = next(f for f in page.frames if f.url.endswith(f"mp_/{url}"))
        state = await frame.evaluate(
            """async (family) => {
                await document.fonts.ready;
                const h1 = document.querySelector('h1');
                return {
                    color: h1 && getComputedStyle(h1).color,
                    font: h1 && getComputedStyle(h1).fontFamily,
                    fontLoaded: document.fonts.check('16px "' + family + '"')
                        && [...document.fonts].some(f => f.family.replace(/"/g, '') === family && f.status === 'loaded'),
                    scriptRan: document.documentElement.dataset.scriptRan || null,
                    images: [...document.images].map(i => [i.currentSrc, i.naturalWidth, i.naturalHeight]),
                    text: document.body ? document.body.innerText : document.documentElement.outerHTML.slice(0, 500),
                };
            }""",
            FONT_FAMILY,
        )
        await browser.close()
    return {**state, "requests": requests, "failed": failed, "bad_status": bad_status, "escaped": escaped}


def test_every_article_replays_completely_from_the_archive(
    archived: tuple[Path, list[str]], pywb_factory: PywbFactory
) -> None:
    out, articles = archived
    executable = require_chromium()
    server = pywb_factory(sorted((out / "warc").glob("*.warc.gz")))
    base = f"http://127.0.0.1:{server.port}/"
    for url in articles:
        capture = next(e for e in server.cdx(url) if e.get("status") == "200")
        replay = f"{base}{COLL}/{capture['timestamp']}/{url}"
        got = asyncio.run(_open_replayed(base, url, replay, executable))
        where = f"{url}: {json.dumps(got, indent=1)[:3000]}"
        assert got["escaped"] == [], where
        assert got["failed"] == [] and got["bad_status"] == [], where
        assert len(got["requests"]) >= 5, where  # the page, stylesheet, script, font, images at least
        assert got["color"] == HEADLINE_COLOR, where
        assert got["fontLoaded"], where
        assert got["scriptRan"] == "yes", where
        assert all(w > 0 and h > 0 for _, w, h in got["images"]), where
        assert any("/img/paper.png" in request for request in got["requests"]), where  # from the CSS
        if not url.endswith(f"/{LIVE}.html"):
            assert len(got["images"]) == 2, where  # <img> and <picture>, from the CDN host
        else:
            assert all(text in got["text"] for text in LIVE_TEXT), where
            assert "Loading..." not in got["text"], where


def test_the_script_loaded_article_is_in_the_corpus(archived: tuple[Path, list[str]]) -> None:
    out, articles = archived
    result = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert result.returncode == 0, result.stderr[-2000:]
    corpus = {
        record["url"]: record
        for record in map(json.loads, (out / "corpus/articles.jsonl").read_text().splitlines())
    }
    live = next(url for url in articles if url.endswith(f"/{LIVE}.html"))
    assert all(text in corpus[live]["text"] for text in LIVE_TEXT)
    assert set(articles) <= set(corpus)  # every article, none lost to the shell or a duplicate
    summary = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())
    assert summary["rendered"]["list"] == [{"url": live, "reason": "empty-mount:#app", "timed_out": False}]


def test_the_wacz_page_list_says_which_pages_were_rendered(archived: tuple[Path, list[str]]) -> None:
    out, articles = archived
    if not (out / "corpus/articles.jsonl").exists():
        assert run_seedcrawl(["process", str(out), "--workers", "1"]).returncode == 0
    result = run_seedcrawl(["package", str(out)])
    assert result.returncode == 0, result.stderr[-2000:]
    (wacz,) = (out / "package").glob("*.wacz")
    with zipfile.ZipFile(wacz) as package:
        lines = package.read("pages/pages.jsonl").decode().splitlines()
    pages = {page["url"]: page for page in map(json.loads, lines[1:])}
    assert set(pages) == set(articles)  # pages, never requisites
    live = next(url for url in articles if url.endswith(f"/{LIVE}.html"))
    assert pages[live]["rendered"] == "empty-mount:#app"
    assert all("rendered" not in pages[url] for url in articles if url != live)
