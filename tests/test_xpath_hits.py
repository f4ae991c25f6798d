"""`PageRegexXPath` selects what trafilatura's own expressions select, and a prune through it
leaves the tree trafilatura's prune leaves."""

from __future__ import annotations

from copy import copy
from pathlib import Path

import pytest
from lxml.etree import XPath, tostring
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.utils import load_html
from trafilatura.xml import delete_element
from trafilatura.xpaths import (
    AUTHOR_XPATHS,
    OVERALL_DISCARD_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
)

from seedcrawl.pipelines.xpath_guard import REGEXP_NS
from seedcrawl.pipelines.xpath_hits import PageRegexXPath

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
EXPRESSIONS = {
    "overall discard": OVERALL_DISCARD_XPATH,
    "raw prune": RAW_TREE_PRUNE_XPATH,
    "comments and lists": REMOVE_COMMENTS_AND_LISTS_XPATH,
    "author": AUTHOR_XPATHS,
}
# classes, ids and styles that match the regexes, nearly match them, or hold their text elsewhere
NAMES = [
    "cookie-banner", "Cookie", "social-links", "share-this", "Share", "sharing", "nav", "subnav",
    "navbar", "main-nav", "sidebar", "side-bar", "related", "elated-posts", "footer", "Footer",
    "byline", "post-meta", "metadata", "ad-slot", "head ad here", "bad-ad", "hidden", "is-hidden",
    "hide-print", "message", "messages", "author", "writer", "tags", "tag-list", "widget", "",
]  # fmt: skip
TAGS = ["div", "span", "p", "section", "a", "aside", "li", "ul", "h3"]


def _constructed() -> str:
    parts = []
    for i, name in enumerate(NAMES):
        tag, other = TAGS[i % len(TAGS)], TAGS[(i + 4) % len(TAGS)]
        parts.append(f'<{tag} class="{name}">{name} text</{tag}>')
        parts.append(f'<{other} id="{name}" style="{name}">by Ann Lee</{other}>')
        # both id and class: `re:test(@id|@class, ...)` reads the one declared first
        parts.append(f'<div id="{name}" class="main">one</div><div class="main" id="{name}">two</div>')
    return f"<html><body><article><p>Body.</p>{''.join(parts)}</article></body></html>"


PAGES = {path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.html"))}
PAGES["constructed"] = _constructed()


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("kind", sorted(EXPRESSIONS))
def test_selects_the_same_elements_in_the_same_order(name: str, kind: str) -> None:
    tree = load_html(PAGES[name])
    expressions = EXPRESSIONS[kind]
    # lxml elements compare by identity, and lxml hands out the same proxy for an element while
    # one is alive: `expected` keeps them alive, so == checks the very same elements, in order
    expected = [expression(tree) for expression in expressions]
    assert list(PageRegexXPath(expressions).select(tree)) == expected


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_prune_through_it_leaves_what_trafilaturas_prune_leaves(name: str) -> None:
    tree = load_html(PAGES[name])
    expected = tostring(prune_unwanted_nodes(copy(tree), OVERALL_DISCARD_XPATH))
    pruned = copy(tree)
    # lazily: the second expression runs on the tree the first one's deletions left
    for selected in PageRegexXPath(OVERALL_DISCARD_XPATH).select(pruned):
        for element in selected:
            delete_element(element)
    assert tostring(pruned) == expected


def test_the_constructed_page_exercises_the_rewritten_tests() -> None:
    hits = PageRegexXPath(OVERALL_DISCARD_XPATH)
    assert not any("re:test" in path for path in hits.paths)  # every regex is answered per page
    tree = load_html(PAGES["constructed"])
    first, second = (list(found) for found in hits.select(tree))
    assert len(first) > 10 and len(second) > 3
    # the union reads the attribute declared first: only the element whose id comes first is taken
    union = XPath(".//div[re:test(@id|@class, 'cookie')]", namespaces={"re": REGEXP_NS})
    found = [e.text for e in next(PageRegexXPath([union]).select(tree))]
    assert found == ["cookie-banner text", "one"] == [e.text for e in union(tree)]


def test_a_regex_that_matches_empty_text_is_left_to_lxml() -> None:
    expression = XPath(".//p[re:test(@class, 'x*')]", namespaces={"re": REGEXP_NS})
    hits = PageRegexXPath([expression])
    assert hits.paths == ["descendant::p[re:test(@class, 'x*')]"]  # only the axis rewritten
    tree = load_html("<html><body><p>a</p><p class='y'>b</p></body></html>")
    assert [e.text for e in next(hits.select(tree))] == ["a", "b"]  # an absent class matches too


def test_a_case_insensitive_regex_is_answered_from_the_page_values() -> None:
    expression = XPath(".//div[re:test(@class, 'cookie[-_]?banner', 'i')]", namespaces={"re": REGEXP_NS})
    hits = PageRegexXPath([expression])
    assert "re:test" not in hits.paths[0]
    tree = load_html(
        "<html><body><div class='Cookie-Banner'>a</div><div class='COOKIEBANNER'>b</div>"
        "<div class='cookie_banner x'>c</div><div class='cookies'>d</div><div>e</div></body></html>"
    )
    assert [e.text for e in hits(tree)] == ["a", "b", "c"] == [e.text for e in expression(tree)]
    with pytest.raises(TypeError):
        PageRegexXPath([expression, expression])(tree)
