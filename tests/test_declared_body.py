"""The body a page declares in its JSON-LD, taken when the markup shows trafilatura far less of it.

The hand-written pages below print a short introduction in their markup (the rest of the story
sits in a slideshow template trafilatura does not read as text) and declare the whole story in
`NewsArticle.articleBody`, as plain text or as HTML.
"""

from __future__ import annotations

import dataclasses
import json

from seedcrawl.pipelines.declared_body import declared_blocks
from seedcrawl.pipelines.extract import ExtractOptions, extract
from tests.support.docs import page_doc

URL = "https://news.example/2026/11/online-design-services"
INTRO = (
    "Online interior design services now cost a fraction of a designer's fee, and several of them "
    "deliver a full room plan within a week of the first questionnaire."
)
STORY = [
    INTRO,
    "We tried six of the services with the same small living room, the same budget and the same "
    "photographs, and asked each for a layout, a shopping list and a colour scheme.",
    "The cheapest plan arrived in three days and was the most practical, though its shopping list "
    "leaned heavily on a single furniture retailer that pays the service for referrals.",
    "The most expensive service assigned a designer who called twice, redrew the layout after the "
    "first draft and found second-hand pieces that brought the total under budget.",
    "Every service asked for measurements, and the two that offered a video call caught mistakes "
    "in ours that the others built their plans on without noticing.",
]


SHOWN = "</p><p>".join(STORY[:2])  # long enough that trafilatura does not look for another text


def page(article_body: str, markup: str = SHOWN) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Online design services",
        "articleBody": article_body,
    }
    return f"""<html><head><title>Online design services</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<header><a href="/">Home</a> <a href="/design/">Design</a></header>
<article><h1>Online design services</h1><p>{markup}</p>
<div class="slideshow" data-slides="6"><div class="slide-count">1 / 6</div></div></article>
<footer>Copyright 2026 Example News</footer></body></html>"""


def run(html: str, options: ExtractOptions | None = None) -> str:
    return extract(page_doc(html, URL), options or ExtractOptions()).text


def test_a_declared_body_much_longer_than_the_text_found_replaces_it() -> None:
    text = run(page(" ".join(STORY)))
    assert STORY[-1] in text
    assert text.startswith(INTRO)


def test_a_declared_body_in_html_keeps_its_paragraphs() -> None:
    html_body = "".join(f"<p>{p}</p>" for p in STORY)
    assert run(page(html_body)).split("\n\n") == STORY
    escaped = html_body.replace("<", "&lt;").replace(">", "&gt;")
    assert run(page(escaped)).split("\n\n") == STORY


def test_a_declared_teaser_does_not_replace_a_longer_text() -> None:
    markup = "</p><p>".join(STORY)
    assert run(page(INTRO, markup)).split("\n\n") == STORY


def test_the_declared_body_can_be_turned_off() -> None:
    options = dataclasses.replace(ExtractOptions(), declared_body_ratio=0)
    assert run(page(" ".join(STORY)), options).split("\n\n") == STORY[:2]


def test_line_breaks_in_a_plain_declared_body_are_paragraphs() -> None:
    assert [b.text for b in declared_blocks("One paragraph.\n\n  Another  one.\nA third.")] == [
        "One paragraph.",
        "Another one.",
        "A third.",
    ]
