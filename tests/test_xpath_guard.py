"""Guarded XPath expressions select exactly what trafilatura's own select, and the author read
with them is trafilatura's `extract_author`."""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura.xpaths
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.utils import load_html
from trafilatura.xpaths import (
    AUTHOR_DISCARD_XPATHS,
    AUTHOR_XPATHS,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

from seedcrawl.pipelines.xpath_guard import REGEXP_NS, descendant_steps, guarded, required_texts

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
# classes and ids that match the regexes, nearly match them (case, a missing letter), or match a
# guard's plain text but not the regex around it
NAMES = [
    "author", "Author", "author-name", "authorname", "AuthorName", "authorName", "autor", "AUTHOR",
    "byline", "Byline", "post-byline", "yline", "screenname", "writer", "channel-name", "posted-by",
    "comments", "Comments", "comment-list", "commentlist", "comments-list", "commentary", "comment-7",
    "comol", "ProductReviews", "sidebar", "is-hidden", "quote", "print", "category", "meta-date",
    "article-share", "article-support", "article-s", "infinite-scroll", "infinitescroll",
    "mvp-post-add-box", "mvp-post-add-wrap", "mvp-post-add", "post-comments", "article-comments",
]  # fmt: skip
TAGS = ["a", "div", "span", "p", "section", "aside", "ul", "ol", "h3", "h4", "strong", "details"]
EXPRESSIONS = {
    "author": AUTHOR_XPATHS,
    "author discard": AUTHOR_DISCARD_XPATHS,
    "raw prune": RAW_TREE_PRUNE_XPATH,
    "comments and lists": REMOVE_COMMENTS_AND_LISTS_XPATH,
    "comments": REMOVE_COMMENTS_XPATH,
}


def _constructed() -> str:
    parts = []
    for i, name in enumerate(NAMES):
        tag = TAGS[i % len(TAGS)]
        parts.append(f'<{tag} class="x {name}">{name} by Jane Roe</{tag}>')
        parts.append(
            f'<{TAGS[(i + 3) % len(TAGS)]} id="{name}"><h1>Head</h1>Ann Lee</{TAGS[(i + 3) % len(TAGS)]}>'
        )
    return f"<html><body><article>{''.join(parts)}</article></body></html>"


PAGES = {path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.html"))}
PAGES["constructed"] = _constructed()


def _selected(expressions: list[XPath], tree: HtmlElement) -> list[list[HtmlElement]]:
    return [expression(tree) for expression in expressions]


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("kind", sorted(EXPRESSIONS))
def test_guarded_selects_the_same_elements(name: str, kind: str) -> None:
    tree = load_html(PAGES[name])
    assert _selected(guarded(EXPRESSIONS[kind]), tree) == _selected(EXPRESSIONS[kind], tree)


def test_the_constructed_page_exercises_the_guards() -> None:
    tree = load_html(PAGES["constructed"])
    for expressions in EXPRESSIONS.values():
        assert any(expression(tree) for expression in expressions)
    # a guard is there, or the comparison above would prove nothing
    assert "contains(@class, 'uthor')" in guarded(AUTHOR_XPATHS)[2].path
    assert "contains(@class, 'infinite')" in guarded(RAW_TREE_PRUNE_XPATH)[0].path


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        ("author-?name|AuthorName", ("author", "AuthorName")),
        ("[Aa]uthor|writer", ("uthor", "writer")),
        ("^comments|comment-?list", ("comments", "comment")),
        ("(?i)author", ()),  # case-blind: contains() is not
        ("x*|author", ()),  # matches the empty text of an absent attribute
        ("author|[ab]", ()),  # an alternative without plain text
        ("it's", ()),  # a quote would end the XPath string
    ],
)
def test_required_texts(pattern: str, texts: tuple[str, ...]) -> None:
    assert required_texts(pattern) == texts


@pytest.mark.parametrize(
    ("path", "rewritten"),
    [
        (".//x", "descendant::x"),
        ("//time|//figure", "/descendant::time|/descendant::figure"),
        (
            ".//*[not(.//h1) or @href='http://a.example//b']",
            "descendant::*[not(descendant::h1) or @href='http://a.example//b']",
        ),
        ("..//x", "..//x"),  # the parent's descendants: another path
        ("a//b", "a//b"),
        (".//p[1]", ".//p[1]"),  # positions: the first p of each parent, not the first p
        ("(.//a)[last()]", "(.//a)[last()]"),
        (".//p[count(b)]", ".//p[count(b)]"),
    ],
)
def test_descendant_steps(path: str, rewritten: str) -> None:
    assert descendant_steps(path) == rewritten


NESTED = (
    "<html><body><div class='a'><p>one<div class='a'><p>two</p>tail</div></p><p>three</p></div>"
    "<section><div><p>four</p></div></section></body></html>"
)


@pytest.mark.parametrize("path", [".//p", ".//div[@class='a']", "//p|//div", ".//div[.//p]", ".//p[1]"])
def test_descendant_steps_select_the_same_nodes_in_the_same_order(path: str) -> None:
    tree = load_html(NESTED)
    for context in (tree, tree.find(".//div")):
        assert XPath(descendant_steps(path))(context) == XPath(path)(context)
    if path == ".//p[1]":  # why a positional path is left as written
        assert XPath("descendant::p[1]")(tree) != XPath(path)(tree)


TRAFILATURA_XPATHS = [
    expression
    for value in vars(trafilatura.xpaths).values()
    if isinstance(value, list)
    for expression in value
    if isinstance(expression, XPath)
]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_trafilatura_expression_on_the_descendant_axis_selects_the_same(name: str) -> None:
    tree = load_html(PAGES[name])
    assert len(TRAFILATURA_XPATHS) >= 40
    for expression in TRAFILATURA_XPATHS:
        rewritten = XPath(descendant_steps(expression.path), namespaces={"re": REGEXP_NS})
        assert rewritten(tree) == expression(tree), expression.path
