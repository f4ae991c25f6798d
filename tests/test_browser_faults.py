"""The browser's faults: Chromium killed in the middle of a crawl, a page whose script never yields.

A `--browser always` crawl of a local site whose pages fill themselves from a slow JSON endpoint.
Chromium is killed (SIGKILL) while a page is rendering: the crawl starts it again, renders the page
it lost and every page after it, and its WARC files pass the strict check.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_file
from seedcrawl.archive.reader import WarcRecord, iter_folder
from seedcrawl.crawler.chromium.browser_process import chromium_pids
from tests.support.browser import require_chromium
from tests.support.cli import crawl
from tests.support.testweb import Request, Response, Site, SiteServer, page
from tests.support.treeweb import start_crawl, wait_for

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
PAGES = 6
SHELL = """<!doctype html><html><head><title>Story {k}</title></head><body><h1>Story {k}</h1>
<div id="app">Loading...</div>
<script>
fetch('/api/{k}.json').then(function (r) {{ return r.json(); }}).then(function (s) {{
  document.getElementById('app').textContent = s.text;
}});
</script></body></html>"""


def _slow_json(k: int) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        time.sleep(0.4)  # long enough for the test to kill Chromium while the page waits for it
        return page(
            json.dumps({"text": f"The text of story {k}, loaded by its script."}).encode(), "application/json"
        )

    return answer


def _site() -> Site:
    links = " ".join(f"<a href='/p/{k}.html'>story {k}</a>" for k in range(PAGES))
    site = Site("site", {"/": page(f"<h1>Stories</h1>{links}".encode(), HTML)})
    for k in range(PAGES):
        site.add(f"/p/{k}.html", page(SHELL.format(k=k).encode(), HTML))
        site.add(f"/api/{k}.json", _slow_json(k))
    return site


def _doms(out: Path) -> dict[str, WarcRecord]:
    return {
        (r.target_uri or "").removeprefix("urn:dom:"): r
        for r in iter_folder(out / "warc")
        if r.type == "resource" and (r.target_uri or "").startswith("urn:dom:")
    }


def _browser_process(crawl_pid: int) -> int | None:
    """Chromium's browser process: the one Chromium process whose parent is not Chromium."""
    pids = chromium_pids(crawl_pid)
    for pid in pids:
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent not in pids:
            return pid
    return None


def test_chromium_killed_mid_crawl_is_restarted_and_every_page_rendered(tmp_path: Path) -> None:
    require_chromium()
    with SiteServer(_site(), "127.0.0.86") as server:
        base = server.base_url
        out = tmp_path / "out"
        proc = start_crawl(
            out,
            [server.base_url + "/"],
            "--browser",
            "always",
            "-s",
            "SEEDCRAWL_BROWSER_PAGES=1",
            "-s",
            "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
        )
        try:
            # Kill it while the second story waits for its JSON: pages are left to render after it.
            wait_for(lambda: any(e.path == "/api/1.json" for e in server.log.entries()), 120, "a render")
            browser = _browser_process(proc.pid)
            assert browser is not None, "no Chromium process under the crawl"
            os.kill(browser, signal.SIGKILL)
            assert proc.wait(timeout=180) == 0, proc.stderr.read() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    doms = _doms(out)
    for k in range(PAGES):
        dom = doms[f"{base}/p/{k}.html"].raw_payload.decode()
        assert f"The text of story {k}" in dom, k
    summary = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())
    assert summary["rendered"]["pages"] == PAGES + 1 and summary["rendered"]["failed"] == 0
    for path in sorted(out.glob("warc/*.warc.gz")):
        assert check_file(path).ok, check_file(path)
    log = next((out / "logs").glob("crawl-*.log")).read_text()
    assert "Chromium crashed while rendering" in log or "Chromium has gone" in log


BUSY = b"""<!doctype html><html><head><title>Busy</title></head><body><h1>Busy page</h1>
<p id="before">Written before the loop.</p>
<script>document.body.dataset.stage = 'looping'; while (true) {}</script>
<p>Never parsed.</p></body></html>"""


def test_a_page_whose_script_never_yields_is_cut_and_archived_as_far_as_it_got(tmp_path: Path) -> None:
    require_chromium()
    site = Site("site", {"/": page(b"<h1>Home</h1><a href='/busy.html'>busy</a><p>home page</p>", HTML)})
    site.add("/busy.html", page(BUSY, HTML))
    with SiteServer(site, "127.0.0.87") as server:
        base = server.base_url
        out = tmp_path / "out"
        crawl(
            out,
            [server.base_url + "/"],
            "--browser",
            "always",
            "-s",
            "SEEDCRAWL_BROWSER_TIMEOUT=3",
            "-s",
            "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
        )
    dom = _doms(out)[base + "/busy.html"]
    assert dom.truncated == "time"
    text = dom.raw_payload.decode()
    assert "Written before the loop." in text and 'data-stage="looping"' in text
    for path in sorted(out.glob("warc/*.warc.gz")):
        assert check_file(path).ok, check_file(path)
