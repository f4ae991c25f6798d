"""Title and meta tags that a page puts (or its parser moves) into the body are still the page's,
as a browser reads them; an SVG tooltip and a microdata item's meta tags are not."""

from __future__ import annotations

from lxml.html import fromstring

from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.extract import ExtractOptions, extract
from seedcrawl.pipelines.head_elements import document_title, meta_view
from tests.support.docs import page_doc

URL = "https://news.example/2026/11/ferry-timetables"
PARAGRAPHS = "".join(
    f"<p>{sentence}.</p>"
    for sentence in (
        "Ferry timetables return to normal on Wednesday after a week of storm repairs, the port authority said",
        "Engineers replaced two damaged moorings and checked the breakwater before the first crossing",
        "The freight berths open again on the same day, and the night crossing resumes next week",
        "Passengers who booked during the closure can move their tickets to any sailing this month at no cost",
        "The authority thanked island residents for their patience and said a full report would follow in spring",
    )
)


def run(head: str, body_start: str) -> Document:
    html = (
        f"<html lang='en'><head>{head}</head><body>{body_start}<article>{PARAGRAPHS}</article></body></html>"
    )
    return extract(page_doc(html, URL), ExtractOptions())


def test_streamed_title_and_author_after_the_body_tag_are_read() -> None:
    # how a streaming framework (Next.js) writes them: after <body>
    doc = run(
        '<meta charset="utf-8">',
        "<title>Ferry timetables return to normal | Example News</title>"
        '<meta name="author" content="Jane Doe"><meta property="og:site_name" content="Example News">',
    )
    assert (doc.title, doc.author) == ("Ferry timetables return to normal", "Jane Doe")


def test_head_elements_the_parser_moved_into_the_body_are_read() -> None:
    # a stray <div> ends libxml2's <head>: what follows it lands in the body
    head = (
        '<meta charset="utf-8"><div hidden></div><title>Ferry timetables return to normal - Example News</title>'
        '<meta property="og:title" content="Ferry timetables return to normal">'
        '<meta name="author" content="Jane Doe">'
    )
    tree = fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    assert tree.find(".//head/title") is None, "the parser no longer moves these: the test needs another page"
    doc = run(head, "")
    assert (doc.title, doc.author) == ("Ferry timetables return to normal", "Jane Doe")


def test_an_svg_tooltip_is_not_the_page_title() -> None:
    tree = fromstring(
        "<html><head></head><body><svg><title>Close menu</title></svg>"
        "<title>Ferry timetables return to normal</title><p>x</p></body></html>"
    )
    assert document_title(tree) == "Ferry timetables return to normal"


def test_a_microdata_item_in_the_body_does_not_describe_the_page() -> None:
    doc = run(
        '<meta name="author" content="Jane Doe">',
        '<meta property="og:title" content="Ferry timetables return to normal">'
        '<div itemscope itemtype="https://schema.org/Organization">'
        '<meta itemprop="author" content="Example Media Group"></div>',
    )
    assert doc.author == "Jane Doe"


def test_a_page_with_its_metadata_in_the_head_is_read_as_it_is() -> None:
    tree = fromstring(
        '<html><head><meta name="author" content="Jane Doe"></head><body>'
        '<div itemscope><meta itemprop="datePublished" content="2026-11-02"></div></body></html>'
    )
    assert meta_view(tree) is tree
