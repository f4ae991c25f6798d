"""`--browser auto` decides per page whether it needs a browser: shells yes, articles no."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from seedcrawl.crawler.chromium.render_decision import render_reason

ARTICLE_TEXT = " ".join(["The council voted on Monday to rebuild the old harbour wall."] * 20)


def _page(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    ("body", "head", "reason"),
    [
        ("<div id='root'></div><script src='/app.js'></script>", "", "empty-mount:#root"),
        ("<div id='app'>Loading...</div>", "", "empty-mount:#app"),
        ("<div id='__next'></div>", "", "empty-mount:#__next"),
        (
            "<noscript>You need to enable JavaScript to run this app.</noscript><main></main>",
            "",
            "noscript-asks-for-javascript",
        ),
        ("<div ng-app='news'><p>{{story.title}}</p></div>", "", "client-side-markup:ng-app"),
        (
            "<h1>Story</h1><div class='body'></div>",
            "<script>fetch('/api/story/1').then(r => r.json())</script>",
            "script-fetches-data",
        ),
        ("<h1>Story</h1>", "<script>" + "var x = 1;" * 3000 + "</script>", "little-text-much-script"),
    ],
)
def test_script_filled_shells_need_the_browser(body: str, head: str, reason: str) -> None:
    assert render_reason(_page(body, head)) == reason


@pytest.mark.parametrize(
    "html",
    [
        _page(f"<article><h1>Harbour</h1><p>{ARTICLE_TEXT}</p></article>"),
        # A full article with an app mount for comments and analytics scripts is read as it is.
        _page(
            f"<div id='app'></div><article><p>{ARTICLE_TEXT}</p></article>",
            "<script>fetch('/track')</script>",
        ),
        _page("<h1>Short note</h1><p>The office is closed on Friday.</p>"),  # short, but nothing missing
        b"",
        b"not html at all",
    ],
)
def test_pages_with_their_text_are_read_over_http(html: bytes) -> None:
    assert render_reason(html) is None


def test_whitespace_does_not_count_as_text() -> None:
    # Pretty-printed shells can hold thousands of blank characters before the little text they
    # have: those must not make the page look like an article.
    padding = "\n" + " " * 12_000 + "\n"
    assert render_reason(_page(f"{padding}<div id='app'>{padding}Loading...</div>")) == "empty-mount:#app"


def test_text_after_much_whitespace_still_counts() -> None:
    padding = "\n" + " " * 12_000 + "\n"
    assert render_reason(_page(f"<div id='app'>{padding}<p>{ARTICLE_TEXT}</p></div>")) is None


SHELLS = [
    _page("<div id='app'>Loading...</div>"),
    _page("<h1>Story</h1><div class='body'></div>", "<script>fetch('/api/story/1')</script>"),
    # Under ENOUGH_TEXT visible, well over it inside scripts, styles and comments.
    _page(
        "<!-- " + ARTICLE_TEXT + " --><style>p{}" + ARTICLE_TEXT + "</style><div id='root'></div>"
        "<noscript>" + ARTICLE_TEXT + "</noscript><script>var s = '" + ARTICLE_TEXT + "';</script>"
    ),
]
ARTICLES = [
    _page(f"<article><h1>Harbour</h1><p>{ARTICLE_TEXT}</p></article>"),
    # The text is in the tails of elements that are not text (a comment, a script, a line break).
    _page(
        "<div id='app'><!-- c -->" + "<br>".join(ARTICLE_TEXT.split(". ")) + "<script>x()</script>tail</div>"
    ),
    _page("\n" + " " * 5_000 + f"<p>{ARTICLE_TEXT}</p>"),
]


@pytest.mark.parametrize("html", SHELLS + ARTICLES)
def test_the_crawls_own_parse_gives_the_same_decision(html: bytes) -> None:
    parsed = HtmlResponse("http://news.test/story.html", body=html).selector.root
    assert render_reason(html, parsed) == render_reason(html)
    assert (render_reason(html) is None) == (html in ARTICLES)
