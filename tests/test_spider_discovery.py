"""What the spider finds and what it fetches once: feeds, sitemaps, fallbacks, duplicates, traps.

Each test serves small sites on loopback and runs `seedcrawl crawl` in a child process; what
was fetched is read from the servers' request log.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import crawl
from tests.support.testweb import Request, RequestLog, Site, SiteServer, page

pytestmark = pytest.mark.slow

HTML = "text/html; charset=utf-8"
XML = "application/xml"


def html(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def article(title: str, canonical: str | None = None, links: str = "") -> bytes:
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return html(f"<h1>{title}</h1><p>{title} was reported today.</p>{links}", head)


def urlset(*urls: str, news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    entries = "".join(
        f"<url><loc>{u}</loc>"
        + ("<news:news><news:title>A story</news:title></news:news>" if news else "")
        + "</url>"
        for u in urls
    )
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{entries}</urlset>'.encode()


@pytest.fixture
def serve() -> Iterator[Callable[[Site, str], SiteServer]]:
    """Start sites on given loopback addresses (ephemeral ports), sharing one request log."""
    log = RequestLog()
    servers: list[SiteServer] = []

    def start(site: Site, host: str) -> SiteServer:
        server = SiteServer(site, host, 0, log=log).bind()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def run(servers: list[SiteServer], out: Path, *args: str) -> dict[str, Any]:
    for server in servers:
        server.start()
    crawl(out, [s.base_url + "/" for s in servers], "--run-id", "t", *args)
    return dict(json.loads((out / "logs" / "crawl-t.json").read_text()))


def requested(server: SiteServer) -> Counter[str]:
    return Counter(entry.path for entry in server.log.entries(server.site.name))


def test_feeds_and_sitemaps_find_articles_no_page_links_to(
    serve: Callable[[Site, str], SiteServer], tmp_path: Path
) -> None:
    sentinel = serve(Site("sentinel"), "127.0.0.2")
    news = serve(Site("news"), "127.0.0.61")
    bare = serve(Site("bare"), "127.0.0.62")
    n, b, s = news.bind().base_url, bare.bind().base_url, sentinel.bind().base_url
    add = news.site.add
    add(
        "/robots.txt",
        page(f"User-agent: *\nAllow: /\nSitemap: {n}/sitemap_index.xml\n".encode(), "text/plain"),
    )
    add(
        "/",
        page(
            html(
                '<a href="/about/">About</a>',
                '<link rel="alternate" type="application/atom+xml" href="/news.atom">',
            ),
            HTML,
        ),
    )
    add("/about/", page(html("<p>About us</p>"), HTML))
    index = "".join(
        f"<sitemap><loc>{n}{p}</loc></sitemap>" for p in ("/sitemaps/a.xml.gz", "/sitemaps/news.xml")
    )
    add(
        "/sitemap_index.xml",
        page(
            f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>'.encode(),
            XML,
        ),
    )
    add(
        "/sitemaps/a.xml.gz",
        page(gzip.compress(urlset(n + "/2015/05/12/kerry-only-in-gzipped-sitemap")), "application/x-gzip"),
    )
    add("/sitemaps/news.xml", page(urlset(n + "/2015/05/13/lavrov-only-in-news-sitemap", news=True), XML))
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
        f'<entry><title>Putin</title><link href="{n}/2015/05/14/putin-only-in-feed?utm_source=rss"/></entry>'
        f'<entry><title>Elsewhere</title><link href="{s}/syndicated/story"/></entry></feed>'
    )
    add("/news.atom", page(atom.encode(), "application/atom+xml"))
    for path in (
        "/2015/05/12/kerry-only-in-gzipped-sitemap",
        "/2015/05/13/lavrov-only-in-news-sitemap",
        "/2015/05/14/putin-only-in-feed",
    ):
        add(path, page(article(path), HTML))
    # A site announcing nothing: its feed is found at a well-known path; the other paths answer 404.
    bare.site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    bare.site.add("/", page(html('<a href="/about/">About</a>'), HTML))
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><item><link>{b}/story/only-in-fallback-feed</link></item></channel></rss>'
    bare.site.add("/feed", page(rss.encode(), "application/rss+xml"))
    bare.site.add("/story/only-in-fallback-feed", page(article("fallback"), HTML))

    summary = run([news, bare], tmp_path / "out", "--max-pages", "50")

    fetched = requested(news)
    for path in (
        "/2015/05/12/kerry-only-in-gzipped-sitemap",
        "/2015/05/13/lavrov-only-in-news-sitemap",
        "/2015/05/14/putin-only-in-feed",
    ):
        assert fetched[path] == 1
    assert requested(bare)["/story/only-in-fallback-feed"] == 1
    assert not any(p in fetched for p in ("/feed", "/sitemap.xml"))  # the news site announced both
    assert not sentinel.log.entries("sentinel")
    # discovery documents are fetched like pages, so they are archived and counted
    assert {"/sitemap_index.xml", "/sitemaps/a.xml.gz", "/sitemaps/news.xml", "/news.atom"} <= set(fetched)
    # guessed locations that do not exist are expected, not errors
    assert summary["by_status"]["404"] >= 4
    assert set(summary["errors"]) <= {"out_of_scope"}


def test_each_page_is_fetched_once_whatever_its_spelling(
    serve: Callable[[Site, str], SiteServer], tmp_path: Path
) -> None:
    server = serve(Site("dupes"), "127.0.0.63")
    base, add = server.bind().base_url, server.site.add
    add("/robots.txt", page(b"User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n", "text/plain"))
    add("/sitemap.xml", page(urlset(f"{base}/article/1?utm_source=sitemap"), XML))
    links = "".join(
        f'<a href="{href}">x</a>'
        for href in (
            "/article/1",
            "/article/1?utm_source=twitter&utm_medium=social",
            "/article/1#comments",
            "/article/2?fbclid=abc",
            f"{base}/article/2",
            "/search?b=2&a=1",
            "/search?a=1&b=2#top",
            "/more/",
        )
    )
    add("/", page(html(links, '<link rel="alternate" type="application/rss+xml" href="/rss">'), HTML))
    add(
        "/rss",
        page(
            f'<?xml version="1.0"?><rss version="2.0"><channel><item><link>{base}/article/2?utm_campaign=rss</link></item></channel></rss>'.encode(),
            "application/rss+xml",
        ),
    )
    add("/article/1", page(article("one", f"{base}/article/1"), HTML))
    add("/article/2", page(article("two", "/article/2"), HTML))
    add("/search", page(html("<p>results</p>"), HTML))
    add("/more/", page(html('<a href="/print/1">print one</a> <a href="/print/3">print three</a>'), HTML))
    # Print versions declare the article as canonical: one is a copy of a page already fetched, so
    # its links are not followed again; the other stands for an article nobody fetched yet.
    add("/print/1", page(article("one", "/article/1", '<a href="/only-from-print/">x</a>'), HTML))
    add("/print/3", page(article("three", f"{base}/article/3", '<a href="/deep/">deeper</a>'), HTML))
    add("/deep/", page(html('<a href="/article/3?utm_source=deep">three</a>'), HTML))
    add("/article/3", page(article("three"), HTML))
    add("/only-from-print/", page(html("<p>x</p>"), HTML))

    run([server], tmp_path / "out", "--depth", "5")

    paths = Counter(entry.path.split("?")[0] for entry in server.log.entries())
    assert paths["/article/1"] == paths["/article/2"] == paths["/search"] == paths["/print/1"] == 1
    assert [e.path for e in server.log.entries() if e.path.startswith("/search")] == ["/search?a=1&b=2"]
    assert paths["/print/3"] == paths["/deep/"] == 1
    assert paths["/article/3"] == 0  # /print/3 stood for it
    assert paths["/only-from-print/"] == 0  # links of a second copy are not followed


def _calendar(request: Request) -> bytes:
    month = request.query.get("month", ["2026-01"])[0]
    year, mon = (int(part) for part in month.split("-"))
    following = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    return html(f'<p>Events in {month}</p><a href="/events/?month={following}">Next month</a>')


def test_calendar_pagination_and_session_traps_stay_bounded(
    serve: Callable[[Site, str], SiteServer], tmp_path: Path
) -> None:
    server = serve(Site("traps"), "127.0.0.64")
    add = server.site.add
    this_month = f"{datetime.now(UTC):%Y-%m}"
    add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    add(
        "/",
        page(
            html(
                f'<a href="/events/?month={this_month}">Events</a> <a href="/archive/?page=1">Archive</a>'
                ' <a href="/visit;jsessionid=A1B2C3D4E5F6">Visit</a>'
            ),
            HTML,
        ),
    )
    add("/events/", lambda request: page(_calendar(request), HTML))

    def archive(request: Request) -> bytes:
        number = int(request.query.get("page", ["1"])[0])
        return html(f'<p>Archive page {number}</p><a href="/archive/?page={number + 1}">Older</a>')

    add("/archive/", lambda request: page(archive(request), HTML))
    counter = iter(range(10**6))
    add(
        "/visit",
        lambda request: page(html(f'<a href="/visit;jsessionid=S{next(counter):015d}">again</a>'), HTML),
    )

    run(
        [server],
        tmp_path / "out",
        "--depth",
        "100000",
        "--max-pages",
        "100000",
        "-s",
        "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
    )

    paths = [entry.path for entry in server.log.entries()]
    months = [p for p in paths if p.startswith("/events/")]
    assert 10 <= len(months) <= 14  # the next twelve months or so are real events; then a trap
    archive_pages = [p for p in paths if p.startswith("/archive/")]
    assert len(archive_pages) == 50  # deeper archive pages are reached through sitemaps
    assert [p for p in paths if p.startswith("/visit")] == ["/visit"]  # session ids stripped
    assert len(paths) < 70
