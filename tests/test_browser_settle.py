"""When a rendered page is read: once it has settled, neither before its scripts are done nor never.

A `--browser always` crawl of two pages. One fetches its text a moment after load (a timer, then
two chained requests): its DOM must hold the text. The other changes its DOM every 50 ms forever
and makes no request: it must still be read as settled, not cut at the timeout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedcrawl.archive.reader import WarcRecord, iter_folder
from tests.support.browser import require_chromium
from tests.support.cli import crawl
from tests.support.testweb import Site, SiteServer, page

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
LATER = b"""<!doctype html><html><head><title>Later</title></head><body><h1>Later</h1>
<div id="app">Loading...</div>
<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    fetch('/api/which.json').then(function (r) { return r.json(); }).then(function (w) {
      return fetch(w.next);
    }).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById('app').textContent = s.text;
    });
  }, 300);
});
</script></body></html>"""
TICKER = b"""<!doctype html><html><head><title>Ticker</title></head><body><h1>Ticker</h1>
<p id="clock">0</p><p>The markets closed higher on a quiet day.</p>
<script>
var n = 0;
setInterval(function () { document.getElementById('clock').textContent = String(++n); }, 50);
</script></body></html>"""
TEXT = "The ferry timetable for the winter, loaded in two steps."


def _dom(out: Path, url: str) -> WarcRecord:
    return next(
        r for r in iter_folder(out / "warc") if r.type == "resource" and r.target_uri == f"urn:dom:{url}"
    )


def test_a_page_is_read_once_its_scripts_are_done_and_a_busy_one_still_settles(tmp_path: Path) -> None:
    require_chromium()
    home = b"<h1>Home</h1><a href='/later.html'>later</a> <a href='/ticker.html'>ticker</a><p>home page</p>"
    site = Site("site", {"/": page(home, HTML)})
    site.add("/later.html", page(LATER, HTML))
    site.add("/ticker.html", page(TICKER, HTML))
    site.add("/api/which.json", page(json.dumps({"next": "/api/text.json"}).encode(), "application/json"))
    site.add("/api/text.json", page(json.dumps({"text": TEXT}).encode(), "application/json"))
    with SiteServer(site, "127.0.0.91") as server:
        base = server.base_url
        out = tmp_path / "out"
        crawl(
            out,
            [base + "/"],
            "--browser",
            "always",
            "-s",
            "SEEDCRAWL_BROWSER_TIMEOUT=15",
            "-s",
            "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
        )
    later = _dom(out, base + "/later.html")
    assert TEXT in later.raw_payload.decode() and later.truncated is None
    ticker = _dom(out, base + "/ticker.html")
    assert ticker.truncated is None, "a page whose DOM keeps changing was cut at the timeout"
    assert "The markets closed higher" in ticker.raw_payload.decode()
