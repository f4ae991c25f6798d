"""A generated web for crawl benchmarks: N sites on loopback, each a tree of article-sized pages.

Page k of a site links to pages 2k+1 and 2k+2 (breadth-first reachable from the home page), so
every crawler sees the same pages whatever its order. Bodies are real article text (the bundled
aeb-dev filler), 8-12 KB of HTML each, some served gzip-encoded, some chunked. With `large_page`,
that page of every site also carries `large_bytes` of incompressible data in a script (bench/faults.py
kills crawls while such a record is being written).
"""

from __future__ import annotations

import base64
import json
import random
from importlib import resources

from tests.support.testweb import ServerGroup, Site, SiteServer, page

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PARAGRAPHS = 36  # 8-12 KB of HTML a page, a typical news article body


def _paragraphs() -> list[str]:
    data = json.loads(resources.files("seedcrawl.testweb.data").joinpath("filler.json").read_text("utf-8"))
    bodies = data["articles"] if isinstance(data, dict) else data
    texts = [item["body"] if isinstance(item, dict) else item for item in bodies]
    return [
        p for text in texts for p in (text if isinstance(text, list) else text.split("\n")) if len(p) > 80
    ]


def build_site(
    name: str,
    pages: int,
    paragraphs: list[str],
    offset: int,
    large_page: int | None = None,
    large_bytes: int = 0,
) -> Site:
    site = Site(name)
    site.add("/robots.txt", page(ROBOTS, "text/plain"))
    for k in range(pages):
        links = "".join(
            f'<li><a href="/p/{c}.html">Story {c}</a></li>' for c in (2 * k + 1, 2 * k + 2) if c < pages
        )
        body = "".join(
            f"<p>{paragraphs[(offset + k * 7 + i) % len(paragraphs)]}</p>" for i in range(PARAGRAPHS)
        )
        if k == large_page:
            # In a script, so that the archive gets a large record but the corpus a normal article.
            blob = base64.b64encode(random.Random(offset).randbytes(large_bytes * 3 // 4)).decode()
            body += f'<script type="application/json">"{blob}"</script>'
        html = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{name} story {k}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/private/x'>x</a></nav><article><h1>{name} story {k}</h1>"
            f"{body}</article><ul>{links}</ul></body></html>"
        ).encode()
        response = page(html, "text/html; charset=utf-8", gzip=k % 3 == 0, chunked=k % 3 == 1)
        site.add("/" if k == 0 else f"/p/{k}.html", response)
    return site


class CrawlWeb(ServerGroup):
    """`sites` servers on 127.0.0.{first}..., each with `pages` pages, `latency` seconds per response."""

    def __init__(
        self,
        sites: int,
        pages: int,
        latency: float,
        first: int = 60,
        large_page: int | None = None,
        large_bytes: int = 0,
    ) -> None:
        paragraphs = _paragraphs()
        self.per_site = pages
        self.large_page = large_page
        self.latency = latency
        super().__init__(
            [
                SiteServer(
                    build_site(f"site{i}", pages, paragraphs, i * 13, large_page, large_bytes),
                    host=f"127.0.0.{first + i}",
                    latency=latency,
                )
                for i in range(sites)
            ]
        )
        self.pages = sites * pages

    def page_urls(self) -> set[str]:
        return {
            s.base_url + ("/" if k == 0 else f"/p/{k}.html")
            for s in self.servers
            for k in range(self.per_site)
        }

    def large_urls(self) -> set[str]:
        return {s.base_url + f"/p/{self.large_page}.html" for s in self.servers} if self.large_page else set()

    def requests(self) -> int:
        return sum(len(server.log) for server in self.servers)

    def clear(self) -> None:
        for server in self.servers:
            server.log.clear()
