from __future__ import annotations

import doctest
import gzip
import importlib
import random
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seedcrawl.crawler.discover.discovery import (
    DiscoveredLink,
    DiscoveryError,
    DiscoveryLimits,
    DocumentKind,
    DocumentTooLarge,
    LinkTarget,
    MalformedDocument,
    UnsafeDocument,
    autodiscover,
    bounded_gunzip,
    fallback_links,
    parse_document,
    sitemaps_from_robots,
)

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
BASE = "https://news.example/"
KERRY = "https://news.example/world/2015/05/12/kerry-meets-lavrov-in-sochi"
PUTIN = "https://news.example/world/2015/05/13/putin-kerry-syria"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def urls(links: list[DiscoveredLink]) -> list[str]:
    return [link.url for link in links]


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A valid gzipped sitemap that inflates to `inflated_bytes`, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = b'<?xml version="1.0"?><urlset><url><loc>https://news.example/a</loc></url><!--'
    parts = [packer.compress(head)]
    block = b" " * (1 << 20)
    for _ in range(inflated_bytes >> 20):
        parts.append(packer.compress(block))
    parts.append(packer.compress(b"--></urlset>"))
    parts.append(packer.flush())
    return b"".join(parts)


class TestFeeds:
    def test_rss_items(self) -> None:
        result = parse_document(fixture("rss.xml"), "https://news.example/world/rss.xml")
        assert result.kind is DocumentKind.RSS
        assert urls(result.links) == [
            KERRY,
            PUTIN,  # from a permalink guid
            "https://news.example/world/2015/05/14/nuland-in-moscow",  # FeedBurner's origLink wins
            "https://news.example/world/2015/05/15/relative",  # resolved against the feed URL
        ]
        first, second, third, _ = result.links
        assert first.title == "Kerry meets Lavrov in Sochi"
        assert first.published == datetime(2015, 5, 12, 14, 5, tzinfo=UTC)
        assert second.title == "Putin & Kerry: <b>talks</b> on Syria"
        assert second.published == datetime(2015, 5, 13, 5, 0, tzinfo=UTC)  # dc:date, converted to UTC
        assert third.published is None  # "not a date"
        assert {link.source_kind for link in result.links} == {DocumentKind.RSS}
        assert {link.leads_to for link in result.links} == {LinkTarget.PAGE}

    def test_atom_entries(self) -> None:
        result = parse_document(fixture("atom.xml"), "https://news.example/atom.xml")
        assert result.kind is DocumentKind.ATOM
        assert urls(result.links) == [
            "https://news.example/2015/12/15/kerry-moscow",  # the text/html alternate, not the PDF
            "https://news.example/2015/12/17/putin-press-conference",
        ]
        # <published> wins over <updated>; a bare date means its midnight UTC.
        published = [link.published for link in result.links]
        assert published == [datetime(2015, 12, 15, 15, 30, tzinfo=UTC), datetime(2015, 12, 17, tzinfo=UTC)]
        assert result.links[0].title == "Kerry <i>in</i> Moscow"

    def test_feed_served_as_html_with_markup_inside_is_still_a_feed(self) -> None:
        body = fixture("rss.xml").replace(b"<description>Latest", b"<description><![CDATA[<html><p>x</p>]]>")
        result = parse_document(body, BASE + "world/rss", content_type="text/html; charset=utf-8")
        assert result.kind is DocumentKind.RSS and urls(result.links)[0] == KERRY

    def test_xhtml_page_is_read_for_autodiscovery(self) -> None:
        body = (
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
            b'<link rel="alternate" type="application/atom+xml" href="/atom.xml"/></head><body/></html>'
        )
        result = parse_document(body, BASE + "page")
        assert (result.kind, urls(result.links)) == (DocumentKind.HTML, ["https://news.example/atom.xml"])

    def test_utf16_feed_with_bom(self) -> None:
        body = fixture("rss.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        assert urls(parse_document(body, "https://news.example/world/rss.xml").links)[:1] == [KERRY]


class TestSitemaps:
    def test_urlset(self) -> None:
        result = parse_document(fixture("sitemap.xml"), BASE + "sitemap.xml")
        assert result.kind is DocumentKind.SITEMAP
        assert urls(result.links) == [KERRY, PUTIN, "https://news.example/sport/football-results"]
        assert result.links[1].modified == datetime(2015, 5, 13, 9, 30, tzinfo=UTC)
        assert result.links[2].modified is None  # "garbage"
        assert all(link.leads_to is LinkTarget.PAGE and link.published is None for link in result.links)

    def test_sitemap_index_leads_to_sitemaps(self) -> None:
        result = parse_document(fixture("sitemap_index.xml"), BASE + "sitemap_index.xml")
        assert result.kind is DocumentKind.SITEMAP_INDEX
        assert urls(result.links) == [
            "https://news.example/sitemaps/2015-05.xml.gz",
            "https://news.example/sitemaps/news.xml",
            "https://news.example/sitemaps/relative.xml",
        ]
        assert {link.leads_to for link in result.links} == {LinkTarget.SITEMAP}
        assert result.links[0].modified == datetime(2015, 5, 31, 23, tzinfo=UTC)

    def test_google_news_sitemap(self) -> None:
        result = parse_document(fixture("news_sitemap.xml"), BASE + "news-sitemap.xml")
        assert result.kind is DocumentKind.NEWS_SITEMAP
        kerry, putin, about = result.links
        assert (kerry.url, kerry.title) == (KERRY, "Kerry meets Lavrov in Sochi")
        assert kerry.published == datetime(2015, 5, 12, 11, 5, tzinfo=UTC)
        assert putin.title == "Putin and Kerry discuss Syria"
        assert putin.published == datetime(2015, 5, 13, tzinfo=UTC)
        assert kerry.source_kind is DocumentKind.NEWS_SITEMAP
        # An entry without <news:news> in a news sitemap is an ordinary sitemap entry.
        assert (about.url, about.source_kind, about.title) == (BASE + "about", DocumentKind.SITEMAP, None)

    def test_gzipped_sitemap_is_recognised_by_its_bytes(self) -> None:
        body = gzip.compress(fixture("sitemap.xml"))
        for url in (BASE + "sitemap.xml.gz", BASE + "sitemap.xml"):
            assert urls(parse_document(body, url).links)[:2] == [KERRY, PUTIN]

    def test_text_sitemap(self) -> None:
        body = f"{KERRY}\n\n  {PUTIN}  \nnot a url\nftp://news.example/x\n".encode()
        result = parse_document(body, BASE + "sitemap.txt")
        assert (result.kind, urls(result.links)) == (DocumentKind.TEXT_SITEMAP, [KERRY, PUTIN])

    def test_links_are_capped(self) -> None:
        entries = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(100))
        body = f"<urlset>{entries}</urlset>".encode()
        result = parse_document(body, BASE + "sitemap.xml", limits=DiscoveryLimits(max_links=10))
        assert len(result.links) == 10 and result.truncated
        assert not parse_document(body, BASE + "sitemap.xml").truncated


class TestHostileXml:
    @pytest.mark.parametrize("packed", [False, True])
    def test_billion_laughs_is_refused(self, packed: bool) -> None:
        body = fixture("billion_laughs.xml")
        with pytest.raises(UnsafeDocument):
            parse_document(gzip.compress(body) if packed else body, BASE + "sitemap.xml")

    def test_external_entities_read_nothing(self, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-7f3a9\n")
        body = fixture("xxe_sitemap.xml.in").replace(b"@SECRET_URI@", secret.as_uri().encode())
        with pytest.raises(UnsafeDocument) as refused:
            parse_document(body, BASE + "sitemap.xml")
        assert "TOP-SECRET" not in str(refused.value)

    def test_external_dtd_is_not_loaded(self, tmp_path: Path) -> None:
        secret = tmp_path / "secret.dtd"
        secret.write_text('<!ENTITY leak "TOP-SECRET-7f3a9">')
        body = (
            f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{secret.as_uri()}">'
            "<urlset><url><loc>https://news.example/&leak;</loc></url>"
            "<url><loc>https://news.example/ok</loc></url></urlset>"
        ).encode()
        result = parse_document(body, BASE + "sitemap.xml")
        assert "TOP-SECRET" not in repr(result)
        assert "https://news.example/ok" in urls(result.links)

    def test_gzip_bomb_stops_at_the_limit_with_bounded_memory(self) -> None:
        bomb = gzip_bomb(256 << 20)
        assert len(bomb) < 1 << 20
        limits = DiscoveryLimits(max_bytes=4 << 20)
        tracemalloc.start()
        try:
            with pytest.raises(DocumentTooLarge):
                parse_document(bomb, BASE + "sitemap.xml.gz", limits=limits)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 3 * limits.max_bytes

    def test_gzip_bomb_under_default_limit(self) -> None:
        with pytest.raises(DocumentTooLarge):
            parse_document(gzip_bomb(64 << 20), BASE + "sitemap.xml.gz")

    def test_gzip_within_the_limit_still_parses(self) -> None:
        assert urls(parse_document(gzip_bomb(2 << 20), BASE + "s.xml.gz").links) == ["https://news.example/a"]

    def test_plain_body_over_the_limit_is_refused(self) -> None:
        with pytest.raises(DocumentTooLarge):
            parse_document(
                b"<urlset>" + b" " * 2048 + b"</urlset>", BASE, limits=DiscoveryLimits(max_bytes=1024)
            )

    def test_multi_member_and_truncated_gzip(self) -> None:
        assert bounded_gunzip(gzip.compress(b"ab") + gzip.compress(b"cd"), 10) == b"abcd"
        assert bounded_gunzip(gzip.compress(b"x" * 5000, mtime=0)[:-8], 10_000) == b"x" * 5000
        with pytest.raises(MalformedDocument):
            bounded_gunzip(b"\x1f\x8bnot gzip at all", 100)

    def test_truncated_xml_is_recovered(self) -> None:
        result = parse_document(fixture("truncated_sitemap.xml"), BASE + "sitemap.xml")
        assert result.recovered
        assert urls(result.links)[:2] == ["https://news.example/a", "https://news.example/b"]

    @pytest.mark.parametrize("body", [b"<", b"<<<>>>", b"<?xml version='1.0'?>", b"<!-- only a comment -->"])
    def test_unreadable_xml_is_a_clear_error(self, body: bytes) -> None:
        with pytest.raises(MalformedDocument):
            parse_document(body, BASE + "sitemap.xml")

    @pytest.mark.parametrize(
        "body",
        [b"", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), b"just text", b"\0\0\0\0", b"<svg></svg>"],
    )
    def test_other_bodies_are_unknown_and_empty(self, body: bytes) -> None:
        result = parse_document(body, BASE + "x")
        assert (result.kind, result.links) == (DocumentKind.UNKNOWN, [])

    def test_deep_nesting_does_not_crash(self) -> None:
        body = b"<urlset><url><loc>https://news.example/a</loc></url>" + b"<x>" * 100_000 + b"</urlset>"
        try:
            result = parse_document(body, BASE + "sitemap.xml")
        except MalformedDocument:
            return
        assert urls(result.links) == ["https://news.example/a"]

    def test_junk_stuffed_record_is_survived(self) -> None:
        body = b"<urlset><url><loc>https://news.example/a</loc>" + b"<x/>" * 300_000 + b"</url></urlset>"
        assert urls(parse_document(body, BASE + "sitemap.xml").links) == ["https://news.example/a"]

    def test_mutated_documents_raise_only_discovery_errors(self) -> None:
        rng = random.Random(20150512)
        sources = [fixture(name) for name in ("rss.xml", "atom.xml", "news_sitemap.xml", "sitemap_index.xml")]
        for _ in range(300):
            data = bytearray(rng.choice(sources))
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                result = parse_document(bytes(data), BASE + "feed")
            except DiscoveryError:
                continue
            assert all(link.url.startswith(("http://", "https://")) for link in result.links)


class TestPointersToDocuments:
    def test_robots_sitemap_lines(self) -> None:
        links = sitemaps_from_robots(fixture("robots.txt"), BASE + "robots.txt")
        assert urls(links) == [
            "https://news.example/sitemap_index.xml",
            "https://news.example/news-sitemap.xml",
            "https://news.example/relative-sitemap.xml",
        ]
        kinds = {(link.source_kind, link.leads_to) for link in links}
        assert kinds == {(DocumentKind.ROBOTS, LinkTarget.SITEMAP)}
        assert parse_document(fixture("robots.txt"), BASE + "robots.txt").links == links

    def test_html_autodiscovery(self) -> None:
        page = "https://news.example/world/kerry"
        links = autodiscover(fixture("page.html"), page)
        assert [(link.url, link.leads_to, link.title) for link in links] == [
            ("https://news.example/world/rss.xml", LinkTarget.FEED, "World RSS"),  # via <base>, once
            ("https://news.example/world/atom.xml", LinkTarget.FEED, "World Atom"),
            ("https://news.example/sitemap.xml", LinkTarget.SITEMAP, None),
            ("https://news.example/late.xml", LinkTarget.FEED, None),  # misplaced in <body>, still announced
        ]
        assert parse_document(fixture("page.html"), page).kind is DocumentKind.HTML

    def test_autodiscovery_on_broken_or_empty_html(self) -> None:
        assert autodiscover(b"", BASE) == []
        broken = b'<html><head><link rel="alternate" type="application/atom+xml" href="/a.xml"><div<<<'
        assert urls(autodiscover(broken, BASE)) == ["https://news.example/a.xml"]

    def test_fallbacks(self) -> None:
        links = fallback_links("https://news.example/world/2015/story?x=1")
        paths = ["sitemap.xml", "sitemap_index.xml", "feed", "rss.xml", "atom.xml", "feed.xml"]
        assert urls(links) == [BASE + path for path in paths]
        assert {link.source_kind for link in links} == {DocumentKind.FALLBACK}
        assert links[0].leads_to is LinkTarget.SITEMAP and links[2].leads_to is LinkTarget.FEED
        assert fallback_links("ftp://news.example/") == []


@pytest.mark.parametrize(
    "module",
    [
        "seedcrawl.crawler.discover.feeds",
        "seedcrawl.crawler.discover.sitemaps",
        "seedcrawl.crawler.discover.discovery",
    ],
)
def test_docstring_examples_hold(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0
