"""A page at a site's root: a home page listing articles, or a site whose root is its one article.

The two hand-written pages below share their chrome and differ only in the main element: one
`<article>` with a headline and a long body, or several article cards linking elsewhere. Neither
declares an article type (og:type `website`, no JSON-LD), as small personal sites often do not.
"""

from __future__ import annotations

import pytest

from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract
from tests.support.docs import page_doc

ROOT = "https://blog.example/"
SENTENCES = [
    "I started building furniture in a rented garage with a borrowed saw and very little idea of what I was doing.",
    "The first table wobbled on every floor it met, so the second one taught me how to cut legs square.",
    "Since then the garage has filled with clamps, offcuts and a workbench that took one whole winter to finish.",
    "This journal keeps the projects in order, with the mistakes beside them, so that beginners can skip a few.",
    "Each entry says which tools the job needed, what the wood cost, and how long it took from plan to finish.",
]


def page(main: str) -> str:
    return f"""<html><head><title>Jan's workshop journal</title>
<meta property="og:type" content="website"></head><body>
<header><a href="/">Jan's workshop journal</a><nav><a href="/tools/">Tools</a> <a href="/projects/">Projects</a></nav></header>
<main>{main}</main>
<aside><h3>Newest posts</h3><ul><li><a href="/2019/shed/">Shed, part six</a></li>
<li><a href="/2019/bench/">A bench for the porch</a></li></ul></aside>
<footer>Content copyright 2019 Jan</footer></body></html>"""


def long_article() -> str:
    body = "".join(f"<p>{' '.join(SENTENCES[i:] + SENTENCES[:i])}</p>" for i in range(3))
    return f'<article class="page"><header><h2 itemprop="headline">About this journal</h2></header>{body}</article>'


def cards(count: int) -> str:
    return "".join(
        f'<article class="post"><h2><a href="/2019/post-{i}/">Post {i}</a></h2><p>{SENTENCES[i % 5]}</p>'
        f'<a href="/2019/post-{i}/">Read more</a></article>'
        for i in range(count)
    )


def test_one_long_article_at_the_site_root_is_kept() -> None:
    doc = extract(page_doc(page(long_article()), ROOT), ExtractOptions())
    assert SENTENCES[0] in doc.text
    assert "Newest posts" not in doc.text


@pytest.mark.parametrize(
    "main",
    [
        cards(5),  # a blog's home page: cards of posts, each in its own <article>
        long_article() + cards(2),  # one post shown in full above the cards is still a list
        "".join(f"<div><h2>Post</h2><p>{s * 3}</p></div>" for s in SENTENCES),  # no article element at all
    ],
)
def test_a_home_page_is_still_rejected(main: str) -> None:
    with pytest.raises(Rejected) as caught:
        extract(page_doc(page(main), ROOT), ExtractOptions())
    assert caught.value.reason == "not_article"
    assert caught.value.detail == "site home page"


def test_a_short_article_element_at_the_root_is_not_enough() -> None:
    short = f"<article><h2>Welcome</h2><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></article>"
    with pytest.raises(Rejected) as caught:
        extract(page_doc(page(short), ROOT), ExtractOptions())
    assert caught.value.detail == "site home page"
