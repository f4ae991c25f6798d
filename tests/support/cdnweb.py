"""A news site whose articles need their requisites, on a second (CDN) host, and one script-filled article.

Site (127.0.0.71): a front page linking to the articles, each article using a stylesheet, a
script, images and a web font from the CDN host (127.0.0.72); the stylesheet pulls the font and a
background image. One article ("live") is a shell, `<div id="app">Loading...</div>`, whose script
loads the article's text from a JSON endpoint of the site.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import prefect

from tests.support.testweb import Response, ServerGroup, Site, SiteServer, page

SITE_HOST = "127.0.0.71"
CDN_HOST = "127.0.0.72"
HEADLINE_COLOR = "rgb(12, 34, 56)"  # what the stylesheet makes every h1
FONT_FAMILY = "SeedSerif"
ARTICLES = ("harbour", "orchard", "railway")
LIVE = "live"
LIVE_TEXT = [
    "The night ferry across the northern sound will run again from the first of May, the harbour "
    "board said on Tuesday, after a winter in which storms cancelled more than forty crossings.",
    "Skippers had asked for a second boat on the route since the old pier was rebuilt, and the "
    "board agreed to lease one for the summer while the island council looks for money to buy it.",
    "Residents welcomed the news but warned that the timetable still leaves the late shift at the "
    "fish plant without a way home, and asked the board to add a sailing after midnight.",
]
_BODIES = {
    "harbour": [
        "Council members met on Monday to discuss the plan to rebuild the harbour wall, which has "
        "divided the town for the better part of a decade and drawn hundreds of letters.",
        "Fishermen say the old wall no longer protects their boats in a north-easterly gale, and two "
        "trawlers sank at their moorings during the storms of last February.",
        "A final vote is expected next month, after a public hearing at which residents may speak "
        "for three minutes each about the cost, the design and the years of building work.",
    ],
    "orchard": [
        "The community orchard on the hill above the school will be doubled in size, the parish "
        "trust announced, after a local farmer gave it the field next to the old chapel.",
        "Volunteers planted the first forty apple and pear trees eleven years ago; the harvest now "
        "supplies the school kitchen and a cider press that runs every October.",
        "The trust is asking for help with planting days in March and for old local varieties, "
        "which it grafts in its own small nursery behind the village hall.",
    ],
    "railway": [
        "Passengers on the branch line face six weeks of replacement buses this summer while the "
        "viaduct over the river is strengthened, the rail operator confirmed on Thursday.",
        "Engineers found cracks in two of the piers during a routine inspection in the spring and "
        "imposed a speed limit that has made most trains on the line run late since April.",
        "Businesses in the valley fear the closure will keep visitors away during the busiest weeks "
        "of the year and have asked for the work to be moved to the autumn.",
    ],
}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG of one colour (valid: browsers decode it and give it a natural size)."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def font_bytes() -> bytes:
    # A real TrueType font from a pinned dependency (Prefect's UI), so no system font is needed.
    return (Path(prefect.__file__).parent / "server/ui-v2/fonts/Geist-VariableFont_wght.ttf").read_bytes()


def _html(title: str, body: str, cdn: str) -> bytes:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<link rel='stylesheet' href='{cdn}/static/site.css'>"
        f"<script src='{cdn}/static/site.js'></script></head><body>{body}</body></html>"
    ).encode()


def _article(name: str, cdn: str) -> bytes:
    paragraphs = "".join(f"<p>{text}</p>" for text in _BODIES[name])
    return _html(
        f"The {name} plan",
        f"<article><h1>News of the {name}</h1>"
        f"<img id='photo' src='{cdn}/img/{name}.png' alt='photo' width='120'>"
        f"<picture><source srcset='{cdn}/img/{name}-wide.png 2x'><img id='wide' src='{cdn}/img/{name}.png' alt=''>"
        f"</picture>{paragraphs}</article>",
        cdn,
    )


def _live(cdn: str) -> bytes:
    return _html(
        "Night ferry returns",
        f"<h1>Night ferry returns</h1><div id='app'>Loading...</div><script src='{cdn}/static/live.js'></script>",
        cdn,
    )


_SCRIPT = b"document.documentElement.dataset.scriptRan = 'yes';\n"
_LIVE_SCRIPT = b"""
fetch('/api/live.json').then(function (r) { return r.json(); }).then(function (story) {
  var app = document.getElementById('app');
  app.textContent = '';
  story.paragraphs.forEach(function (text) {
    var p = document.createElement('p'); p.textContent = text; app.appendChild(p);
  });
  document.documentElement.dataset.liveLoaded = 'yes';
});
"""


def _css() -> bytes:
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('/fonts/seed.ttf') format('truetype'); }}\n"
        f"h1 {{ color: {HEADLINE_COLOR}; font-family: '{FONT_FAMILY}', serif; }}\n"
        "body { background: url('/img/paper.png') repeat; }\n"
    ).encode()


class CdnWeb(ServerGroup):
    def __init__(self) -> None:
        self.site = Site("news")
        self.cdn = Site("cdn")
        super().__init__([SiteServer(self.site, SITE_HOST), SiteServer(self.cdn, CDN_HOST)])

    def __enter__(self) -> CdnWeb:
        for server in self.servers:
            server.bind()
        cdn = self.servers[1].base_url
        html = "text/html; charset=utf-8"
        links = "".join(f"<li><a href='/news/{name}.html'>{name}</a></li>" for name in (*ARTICLES, LIVE))
        self.site.add("/", page(_html("News", f"<h1>News</h1><ul>{links}</ul>", cdn), html))
        for name in ARTICLES:
            self.site.add(f"/news/{name}.html", page(_article(name, cdn), html))
            self.cdn.add(f"/img/{name}.png", page(png(64, 48, (200, 40, 40)), "image/png"))
            self.cdn.add(f"/img/{name}-wide.png", page(png(128, 96, (40, 40, 200)), "image/png"))
        self.site.add(f"/news/{LIVE}.html", page(_live(cdn), html))
        story = json.dumps({"paragraphs": LIVE_TEXT}).encode()
        self.site.add("/api/live.json", page(story, "application/json"))
        self.cdn.add("/static/site.css", Response(200, _css(), [("Content-Type", "text/css")], gzip=True))
        self.cdn.add("/static/site.js", page(_SCRIPT, "application/javascript"))
        self.cdn.add("/static/live.js", page(_LIVE_SCRIPT, "application/javascript"))
        self.cdn.add("/fonts/seed.ttf", page(font_bytes(), "font/ttf"))
        self.cdn.add("/img/paper.png", page(png(8, 8, (250, 248, 240)), "image/png"))
        super().__enter__()
        return self

    def article_urls(self) -> list[str]:
        base = self.servers[0].base_url.rstrip("/")
        return [f"{base}/news/{name}.html" for name in (*ARTICLES, LIVE)]
