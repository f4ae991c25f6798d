"""Metadata a corpus user relies on: headline without the site name, author names from JSON-LD,
no link labels as authors, the paywall flag, and short news briefs kept as articles."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from seedcrawl.pipelines.article import ArticleRules, PageSignals, not_article_reason
from seedcrawl.pipelines.chrome import Block
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract
from tests.support.docs import page_doc

URL = "https://news.example/2026/11/harbour-reopens"
BODY = (
    "The harbour reopened to ferries on Monday after a week of storm repairs, the port authority said. "
    "Engineers replaced two damaged moorings and checked the breakwater before the first crossing. "
    "Timetables return to normal on Wednesday, when the freight berths open again as well."
)


def page(
    title: str,
    body: str = BODY,
    json_ld: Mapping[str, object] | None = None,
    extra: str = "",
    og: bool = True,
) -> str:
    script = f'<script type="application/ld+json">{json.dumps(json_ld)}</script>' if json_ld else ""
    if og:
        script += '<meta property="og:type" content="article">'
    paragraphs = "".join(f"<p>{sentence}.</p>" for sentence in body.split(". ") if sentence)
    return (
        f"<html lang='en'><head><title>{title}</title>{script}</head><body><article>"
        f"<h1>Harbour reopens after storm repairs</h1>{paragraphs}{extra}</article></body></html>"
    )


def run(html: str) -> Document:
    return extract(page_doc(html, URL), ExtractOptions())


def test_title_is_the_printed_headline_without_the_site_name() -> None:
    assert run(page("Harbour reopens after storm repairs | Example News")).title == (
        "Harbour reopens after storm repairs"
    )


def test_title_loses_a_site_suffix_when_there_is_no_headline_element() -> None:
    html = page("Ferry timetables return to normal - Example News").replace(
        "<h1>Harbour reopens after storm repairs</h1>", ""
    )
    assert run(html).title == "Ferry timetables return to normal"


def test_title_skips_a_site_logo_printed_as_the_first_headline() -> None:
    # themes print the site's name as an <h1> in the header, before the article's own
    html = page("Harbour reopens after storm repairs | Example News").replace(
        "<body>", '<body><header><h1><a href="/">Example News</a></h1></header>'
    )
    html = html.replace(
        "</head>",
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:title" content="Harbour reopens after storm repairs | Example News"></head>',
    )
    assert run(html).title == "Harbour reopens after storm repairs"


def test_printed_headline_confirmed_by_the_title_element_when_og_title_differs() -> None:
    # og:title is a social-media rewrite; the <title> and the <h1> agree on what the reader sees
    html = page("Harbour reopens after storm repairs").replace(
        "</head>", '<meta property="og:title" content="Ferries back: what changes for commuters"></head>'
    )
    assert run(html).title == "Harbour reopens after storm repairs"


def test_printed_headline_loses_a_trailing_site_name() -> None:
    html = page("Harbour reopens after storm repairs – Example News").replace(
        "<h1>Harbour reopens after storm repairs</h1>",
        "<h1>Harbour reopens after storm repairs – Example News</h1>",
    )
    html = html.replace("</head>", '<meta property="og:site_name" content="Example News"></head>')
    assert run(html).title == "Harbour reopens after storm repairs"


def test_a_line_break_in_the_printed_headline_separates_its_words() -> None:
    # a display headline set on lines of its own; lxml's text_content() would print "repairsreopen"
    html = page("Harbour repairs reopen the ferry route | Example News").replace(
        "<h1>Harbour reopens after storm repairs</h1>",
        "<h1>Harbour repairs<br>reopen the <em>ferry</em> route</h1>",
    )
    assert run(html).title == "Harbour repairs reopen the ferry route"


@pytest.mark.parametrize(
    "marked", ['<h1 class="entry-title">', '<h1 class="p-name">', '<h1 itemprop="headline">', "<h1>"]
)
def test_a_headline_marked_as_the_entry_title_wins_over_a_rewritten_title(marked: str) -> None:
    # the <title>, og:title and JSON-LD headline are a search-engine rewrite sharing few of its words
    rewrite = "Ferry timetables: the complete 2026 guide"
    html = page(rewrite, json_ld={"@type": "NewsArticle", "headline": rewrite}).replace("<h1>", marked)
    expected = "Harbour reopens after storm repairs" if marked != "<h1>" else rewrite
    assert run(html).title == expected


def test_authors_come_from_json_ld_one_name_each() -> None:
    json_ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Harbour reopens after storm repairs",
        "author": [{"@type": "Person", "name": "Ana Silva"}, {"@type": "Person", "name": "Tom Berg"}],
        "datePublished": "2026-11-16T08:00:00Z",
    }
    doc = run(page("Harbour reopens", json_ld=json_ld))
    assert doc.authors == ("Ana Silva", "Tom Berg")
    assert doc.author == "Ana Silva, Tom Berg"
    assert doc.published == "2026-11-16"
    assert doc.paywalled is False


def test_the_declared_publication_date_wins_over_the_modified_time() -> None:
    # the date search takes the page's "modified" time when it finds no other date in the
    # markup; the corpus wants the publication date the page declares
    json_ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "datePublished": "2026-11-16T08:00:00Z",
    }
    html = page("Harbour reopens", json_ld=json_ld).replace(
        "<article>", '<article><meta property="article:modified_time" content="2026-11-20T09:00:00Z">'
    )
    assert run(html).published == "2026-11-16"
    assert (
        run(
            page("Harbour reopens").replace(
                "<article>", '<article><meta property="article:modified_time" content="2026-11-20T09:00:00Z">'
            )
        ).published
        == "2026-11-20"
    )


def test_the_date_search_reads_the_page_as_served_not_as_the_runs_pruned_it() -> None:
    # the only date is in the comment section, which the runs prune before extracting: the text
    # leaves it out, the date search (no declared date) still finds it
    html = page("Harbour reopens").replace(
        "</article>",
        '</article><div id="comments"><p>Reader note: <span class="comment-date">2019-03-04</span>'
        " thanks for this story</p></div>",
    )
    doc = extract(page_doc(html, "https://news.example/harbour-reopens"), ExtractOptions())
    assert "Reader note" not in doc.text
    assert doc.published == "2019-03-04"


def test_a_link_label_is_never_the_author() -> None:
    html = page("Harbour reopens").replace(
        "<article>", '<article><div class="author"><a href="/author/x">View more posts</a></div>'
    )
    doc = run(html)
    assert doc.author is None and doc.authors == ()


def test_declared_not_free_is_paywalled() -> None:
    json_ld = {"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": False}
    assert run(page("Harbour reopens", json_ld=json_ld)).paywalled is True


def test_text_stopping_at_a_subscription_wall_is_paywalled() -> None:
    wall = "<p>Subscribe to continue reading this article.</p>"
    doc = run(page("Harbour reopens", extra=wall))
    assert doc.paywalled is True
    assert "Engineers replaced two damaged moorings" in doc.text


@pytest.mark.parametrize("markup", ["json-ld", "og"])
def test_a_declared_news_brief_of_20_words_is_an_article(markup: str) -> None:
    brief = (
        "Police closed the coastal road near the harbour on Tuesday evening after a landslide. "
        "Drivers should use the inland route until further notice."
    )
    assert 20 <= len(brief.split()) < 40
    json_ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Coastal road closed"}
    html = page("Coastal road closed", brief, json_ld if markup == "json-ld" else None, og=markup == "og")
    assert run(html).text.startswith("Police closed the coastal road")


def test_an_undeclared_short_page_is_still_not_an_article() -> None:
    html = (
        "<html><body><div><p>Opening hours: Monday to Friday, nine to five. Call us.</p></div></body></html>"
    )
    with pytest.raises(Rejected) as caught:
        run(html)
    assert caught.value.reason in {"not_article", "empty_text"}


def test_an_undeclared_listicle_is_an_article_but_a_bare_list_is_not() -> None:
    signals = PageSignals(og_type=None, schema_types=frozenset(), site_root=False)
    items = [
        Block(
            f"Tool number {n} syncs your notes across devices, works offline on long flights, "
            "and costs nothing for a single user, which is why teams pick it first.",
            "item",
        )
        for n in range(1, 10)
    ]
    intro = Block("Nine alternatives to the note app, tried for a month each.", "p")
    # the intro is about 4% of the text: a listicle ("9 alternatives to X") is nearly all list items
    assert not_article_reason([intro, *items], signals, ArticleRules()) is None
    reason = not_article_reason(items, signals, ArticleRules())
    assert reason is not None and reason.startswith("list items")
