"""One reader of a page's declared canonical URL (crawler/discover/canonical.py), used by the crawl (which
then decides whether to trust it) and by extraction (which records it as `canonical_url`).

Before, the crawl took any `<link rel="... canonical ...">` anywhere while extraction took only an
exact `rel='canonical'` in <head> (or og:url): the same page could name two canonical URLs.
"""

from __future__ import annotations

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from seedcrawl.crawler.discover.canonical import declared_canonical
from seedcrawl.crawler.discover.urls import trusted_canonical
from seedcrawl.pipelines.metadata import page_metadata

PAGE = "https://news.example/world/talks?utm_source=feed"


def page(head: str = "", body: str = "<p>text</p>") -> str:
    return f"<html><head><title>t</title>{head}</head><body>{body}</body></html>"


def crawl_reads(html: str, url: str = PAGE) -> str | None:
    """What the spider reads (crawler/spiders/news.py: from the Scrapy response's tree)."""
    response = HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8")
    return declared_canonical(response.selector.root, response.url)


def corpus_reads(html: str, url: str = PAGE) -> str | None:
    """What extraction records as the article's canonical_url (pipelines/metadata.py)."""
    return page_metadata(lxml.html.fromstring(html), url, "2026-01-02T00:00:00Z").canonical_url


CASES = [
    # (markup, declared canonical URL)
    (page('<link rel="canonical" href="/world/talks">'), "https://news.example/world/talks"),
    (page('<link rel="Canonical" href=" https://news.example/a ">'), "https://news.example/a"),
    (page('<link rel="alternate canonical" href="/b">'), "https://news.example/b"),
    # a broken page whose link ended up in the body still declares it
    (page(body='<p>x</p><link rel="canonical" href="/c">'), "https://news.example/c"),
    # the first non-blank one wins
    (
        page(
            '<link rel="canonical" href=""><link rel="canonical" href="/d"><link rel="canonical" href="/e">'
        ),
        "https://news.example/d",
    ),
    # og:url only when no canonical link
    (page('<meta property="og:url" content="https://news.example/f">'), "https://news.example/f"),
    (page('<meta property="og:url" content="/g"><link rel="canonical" href="/h">'), "https://news.example/h"),
    (page('<link rel="canonical" href="javascript:void(0)">'), None),
    (page('<link rel="canonical" href="data:text/html,x">'), None),
    (page('<link rel="canonical" href="http://[::1/x">'), None),
    (page('<link rel="stylesheet" href="/s.css">'), None),
    (page(), None),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_the_crawl_and_the_corpus_read_the_same_canonical_url(html: str, expected: str | None) -> None:
    assert crawl_reads(html) == expected
    assert corpus_reads(html) == expected


def test_the_crawl_trusts_a_declared_canonical_only_on_its_own_site() -> None:
    own = page('<link rel="canonical" href="/world/talks">')
    syndicated = page('<link rel="canonical" href="https://wire.example/original">')
    assert trusted_canonical(PAGE, crawl_reads(own)) == "https://news.example/world/talks"
    assert trusted_canonical(PAGE, crawl_reads(syndicated)) is None
    # the corpus keeps what the page declared: a syndicated copy names its original
    assert corpus_reads(syndicated) == "https://wire.example/original"
