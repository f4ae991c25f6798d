"""`--browser auto` renders for the DOM: the browser loads no images or fonts, the crawl fetches them.

A shell page names an image and a web font on a CDN host; its script fills the page from a JSON
endpoint and adds a second image. The crawl (defaults: requisites on, `--browser auto`) renders
the shell; every image and the font must be archived, each requested once, by the HTTP crawl (its
Accept header, not the browser's `image/...` or font one), the added image included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedcrawl.archive.reader import iter_folder
from tests.support.browser import require_chromium
from tests.support.cli import crawl
from tests.support.testweb import Site, SiteServer, page

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
# A 1x1 PNG: the browser would decode it, were it loaded.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
STORY = [
    "The harbour ferry returns to its winter timetable on Monday, with the last crossing at nine "
    "in the evening instead of midnight, after the operator counted fewer than ten late passengers.",
    "Season ticket holders keep their discount, and the island's school bus will wait at the pier "
    "for the first morning crossing as it did last winter, the council said on Thursday.",
]
SHELL = """<!doctype html><html><head><title>Ferry</title>
<style>@font-face {{ font-family: Harbour; src: url('{cdn}/harbour.woff2'); }}
h1 {{ font-family: Harbour, serif; }}</style></head><body>
<h1>Ferry timetable</h1><img src="{cdn}/logo.png" alt="logo"><div id="app">Loading...</div>
<script>
fetch('/api/story.json').then(function (r) {{ return r.json(); }}).then(function (s) {{
  var app = document.getElementById('app'); app.textContent = '';
  s.paragraphs.forEach(function (t) {{ var p = document.createElement('p'); p.textContent = t; app.appendChild(p); }});
  var img = document.createElement('img'); img.src = '{cdn}/added.png'; app.appendChild(img);
}});
</script></body></html>"""
CDN_FILES = {"/logo.png": "image/png", "/added.png": "image/png", "/harbour.woff2": "font/woff2"}


def test_auto_archives_what_the_script_added_and_the_browser_loads_no_images(tmp_path: Path) -> None:
    require_chromium()
    # Bodies apart: the same body twice is archived as a revisit of the first.
    cdn = Site("cdn", {path: page(PNG + path.encode(), kind) for path, kind in CDN_FILES.items()})
    out = tmp_path / "out"
    with SiteServer(cdn, "127.0.0.186") as cdn_server:
        site = Site("site")
        with SiteServer(site, "127.0.0.187") as server:
            home, cdn_base = server.base_url + "/", cdn_server.base_url
            site.add("/", page(SHELL.format(cdn=cdn_base).encode(), HTML))
            site.add("/api/story.json", page(json.dumps({"paragraphs": STORY}).encode(), "application/json"))
            crawl(out, [home], "-s", "SEEDCRAWL_DISCOVERY_FALLBACKS=False")
        requested = cdn_server.log.entries()

    summary = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())
    assert [item["url"] for item in summary["rendered"]["list"]] == [home]
    records = list(iter_folder(out / "warc"))
    dom = next(r for r in records if r.type == "resource" and r.target_uri == f"urn:dom:{home}")
    assert STORY[0] in dom.raw_payload.decode() and "/added.png" in dom.raw_payload.decode()
    archived = {r.target_uri for r in records if r.type == "response"}
    for path in CDN_FILES:
        assert cdn_base + path in archived, sorted(archived)
        # Requested once, by the HTTP crawl: a browser asks for an image or a font with its own
        # Accept header (image/avif,image/webp,... or */*), fetched on its behalf as it was.
        mine = [entry for entry in requested if entry.path == path]
        assert len(mine) == 1, (path, [e.headers for e in mine])
        assert "text/html" in mine[0].headers.get("Accept", ""), (path, mine[0].headers)


# Text a script adds only once the page's image has loaded (a gallery that waits for its images).
AFTER_IMAGE = """<!doctype html><html><head><title>Ferry</title></head><body>
<h1>Ferry timetable</h1><div id="app">Loading...</div><img id="hero" src="{cdn}/logo.png" alt="">
<script>
document.getElementById('hero').addEventListener('load', function () {{
  fetch('/api/story.json').then(function (r) {{ return r.json(); }}).then(function (s) {{
    document.getElementById('app').textContent = s.paragraphs.join(' ');
  }});
}});
</script></body></html>"""


def test_a_page_whose_script_waits_for_an_image_renders_with_nothing_skipped(tmp_path: Path) -> None:
    """With images skipped an image never fires `load` (README: `auto` renders for the DOM); the
    setting that loads everything is the remedy the README names, so it must render the text."""
    require_chromium()
    cdn = Site("cdn", {"/logo.png": page(PNG, "image/png")})
    out = tmp_path / "out"
    with SiteServer(cdn, "127.0.0.190") as cdn_server:
        site = Site("site")
        with SiteServer(site, "127.0.0.191") as server:
            home = server.base_url + "/"
            site.add("/", page(AFTER_IMAGE.format(cdn=cdn_server.base_url).encode(), HTML))
            site.add("/api/story.json", page(json.dumps({"paragraphs": STORY}).encode(), "application/json"))
            crawl(
                out, [home], "-s", "SEEDCRAWL_DISCOVERY_FALLBACKS=False", "-s", "SEEDCRAWL_BROWSER_AUTO_SKIP="
            )

    records = list(iter_folder(out / "warc"))
    dom = next(r for r in records if r.type == "resource" and r.target_uri == f"urn:dom:{home}")
    assert STORY[0] in dom.raw_payload.decode()
