"""Fault table, text rows: lying and bogus charsets, 100,000 nested divs, NUL bytes, a PNG as HTML.

Every body must be archived byte for byte as sent; the corpus must hold the right text as valid
UTF-8, and nothing for the image.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.running import Crawl, Run, assert_archive_whole, corpus, crawl, process
from tests.faults.texts import GERMAN_BRIDGE, RUSSIAN_LIBRARY, RUSSIAN_PORT, SPANISH_MARKET
from tests.faults.webs import FaultWeb, article, home, html_page, png, story
from tests.support.testweb import Response

pytestmark = pytest.mark.slow

DEPTH = 100_000

# path -> (Content-Type header, body bytes, the paragraphs the corpus must hold)
Page = tuple[str, bytes, tuple[str, ...]]


def text_page(
    text: tuple[str, tuple[str, ...]], encoding: str, *, meta: str = ""
) -> tuple[bytes, tuple[str, ...]]:
    title, paragraphs = text
    head = f'<meta charset="{meta}">' if meta else ""
    return html_page(title, paragraphs, head=head).encode(encoding), paragraphs


def pages() -> dict[str, Page]:
    cp1251, ru = text_page(RUSSIAN_PORT, "cp1251", meta="utf-8")
    bom, de = text_page(GERMAN_BRIDGE, "utf-8")
    bogus_utf8, es = text_page(SPANISH_MARKET, "utf-8")
    bogus_cp1251, ru2 = text_page(RUSSIAN_LIBRARY, "cp1251")
    title, paragraphs = story(8)
    # a stray NUL in every paragraph: dropped from the text, not taken for a binary file
    salted = html_page(title, tuple(p.replace(" ", "\0 ", 1) for p in paragraphs)).encode()
    deep_title, deep_paragraphs = story(9)
    deep = html_page(deep_title, deep_paragraphs).replace("<article>", "<div>" * DEPTH + "<article>")
    deep = deep.replace("</article>", "</article>" + "</div>" * DEPTH)
    return {
        "/cp1251-labelled-utf8": ("text/html; charset=utf-8", cp1251, ru),
        "/bom-against-header": ("text/html; charset=windows-1252", codecs.BOM_UTF8 + bom, de),
        "/bogus-charset-utf8": ("text/html; charset=x-no-such-thing", bogus_utf8, es),
        "/bogus-charset-cp1251": ("text/html; charset=utf-42", bogus_cp1251, ru2),
        "/nul-bytes": ("text/html; charset=utf-8", salted, paragraphs),
        "/nested-divs": ("text/html; charset=utf-8", deep.encode(), ()),
        "/png-as-html": ("text/html", png(), ()),
    }


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl
    processing: Run
    pages: dict[str, Page]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.149") as web:
        site = web.add_site("text", "127.0.0.141")
        served = pages()
        for path, (content_type, body, _) in served.items():
            site.add(path, Response(body=body, headers=[("Content-Type", content_type)]))
        site.add("/after", article(11))
        site.add("/", home([*served, "/after", web.url("sentinel")]))
        out = tmp_path_factory.mktemp("text") / "out"
        result = crawl(out, [web.url("text")])
        yield Crawled(web, result, process(out), served)


def test_archive_is_whole_and_byte_exact(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []
    for path, (_, body, _) in crawled.pages.items():
        [record] = crawled.crawl.responses(crawled.web.url("text", path))
        assert record.truncated is None and record.raw_payload == body, path


@pytest.mark.parametrize(
    "path",
    [
        "/cp1251-labelled-utf8",
        "/bom-against-header",
        "/bogus-charset-utf8",
        "/bogus-charset-cp1251",
        "/nul-bytes",
    ],
)
def test_corpus_text_is_the_right_utf8(crawled: Crawled, path: str) -> None:
    articles, _ = corpus(crawled.crawl.out)  # strict UTF-8, no NUL, no U+FFFD
    text = articles[crawled.web.url("text", path)]["text"]
    for paragraph in crawled.pages[path][2]:
        assert paragraph in text


def test_png_served_as_html_makes_no_corpus_record(crawled: Crawled) -> None:
    url = crawled.web.url("text", "/png-as-html")
    articles, rejects = corpus(crawled.crawl.out)
    assert url not in articles
    assert [r["reason"] for r in rejects[url]] == ["binary"]


def test_deeply_nested_markup_is_handled_in_bounded_time(crawled: Crawled) -> None:
    url = crawled.web.url("text", "/nested-divs")
    articles, rejects = corpus(crawled.crawl.out)
    # Parsers stop at a nesting limit (huge_tree stays off on untrusted input): the page may
    # lose its article, but must not crash a step (reason "error") or hang.
    assert url in articles or [r["reason"] for r in rejects[url]] != ["error"]
    assert crawled.crawl.run.seconds < 30 and crawled.processing.seconds < 60
    assert crawled.web.url("text", "/after") in articles
