"""The shared precision and recall runs give what `trafilatura.bare_extraction` gives for each mode.

`pipelines.trafilatura_runs` repeats trafilatura's own sequence to do the raw-tree work once for
both modes; this holds it to the real thing on every extract fixture, on a short page (where the
recall run falls back to trafilatura's baseline), on a forum thread (which goes through
`bare_extraction` itself) and on pages where readability returns more text than the page holds
(video frames, raw text), which the precision run's skip of readability has to see. The one
deliberate difference, the recall run's jusText candidate on a short text that covers little of the
page, has its own test.
"""

from __future__ import annotations

import random
from configparser import ConfigParser
from copy import copy
from pathlib import Path
from unittest.mock import patch

import lxml.etree
import pytest
from trafilatura import bare_extraction
from trafilatura.core import _prepare_tree
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.utils import load_html
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from seedcrawl.pipelines import trafilatura_runs
from seedcrawl.pipelines.extract import ExtractOptions, _trafilatura_config
from seedcrawl.pipelines.trafilatura_runs import _extractor, run_modes

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
URL = "https://news.example/a/story"
MODES = [(True, False), (False, True)]
SHORT = "<html><body><div><p>Only a line of text here.</p></div><footer>Footer words</footer></body></html>"
FORUM = (
    '<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script></head>'
    "<body><article><p>The first post of the thread, long enough to be kept as text by the extractor.</p>"
    '<div class="comments"><p>A reply in the comment section of the thread, also long enough.</p></div>'
    "</article></body></html>"
)
# an article beside its videos: readability writes VIDEO into each frame it keeps, and so returns more
# text than the page holds (enough here to win over trafilatura's own text)
VIDEOS = (
    "<html><body><div class='story'>"
    + "<p>The band played its new songs to a full hall on Friday, and the crowd sang along to each.</p>" * 3
    + '<iframe src="https://www.youtube.com/embed/abc"></iframe>' * 60
    + "</div></body></html>"
)
# raw text comes back from readability's round trip through XML longer than it was (`&` as `&amp;`)
RAW_TEXT = (
    "<html><body><div class='story'>"
    + "<p>The band played its new songs to a full hall on Friday, and the crowd sang along to each.</p>" * 3
    + "<xmp>"
    + "& " * 100
    + "</xmp></div></body></html>"
)
PAGES = {path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.html"))} | {
    "short": SHORT,
    "forum": FORUM,
    "videos": VIDEOS,
    "raw_text": RAW_TEXT,
}


def expected(html: str, precision: bool, recall: bool, config: ConfigParser) -> tuple[str, bytes] | None:
    result = bare_extraction(
        load_html(html),
        url=URL,
        favor_precision=precision,
        favor_recall=recall,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        with_metadata=False,
        config=config,
    )
    if result is None or isinstance(result, dict):
        return None
    return result.text, lxml.etree.tostring(result.body)


@pytest.mark.parametrize("in_place", [False, True], ids=["copy", "in-place"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_mode_matches_bare_extraction(name: str, in_place: bool) -> None:
    config = _trafilatura_config(ExtractOptions())
    tree = load_html(PAGES[name])
    before = lxml.etree.tostring(tree)
    results = run_modes(tree, URL, MODES, True, config, in_place)
    got = [None if r is None else (r.text, lxml.etree.tostring(r.body)) for r in results]
    assert got == [expected(PAGES[name], p, r, config) for p, r in MODES]
    if not in_place:
        assert lxml.etree.tostring(tree) == before  # the caller's tree is left as it was


def test_precision_prune_changes_the_recall_run_alone() -> None:
    config = _trafilatura_config(ExtractOptions())
    for html in PAGES.values():
        plain = run_modes(load_html(html), URL, MODES, True, config)
        pruned = run_modes(load_html(html), URL, MODES, True, config, precision_prune=True)
        assert (pruned[0] and pruned[0].text) == (plain[0] and plain[0].text)
    teaser = _article("").replace(
        "<p>Paragraph 3",
        "<div class='teaser-box'><p>Teaser: our other harbour story, read it now</p></div><p>Paragraph 3",
    )
    (recall,) = run_modes(load_html(teaser), URL, [(False, True)], True, config)
    (pruned_recall,) = run_modes(load_html(teaser), URL, [(False, True)], True, config, precision_prune=True)
    assert recall is not None and pruned_recall is not None
    assert "Teaser:" in recall.text and "Teaser:" not in pruned_recall.text
    assert recall.text.replace("Teaser: our other harbour story, read it now", "").split() == (
        pruned_recall.text.split()
    )


def test_recall_run_takes_the_justext_candidate_on_a_short_text_covering_little_of_the_page() -> None:
    html = (Path(__file__).parent / "fixtures" / "extract_recall" / "widget_body.html").read_text(
        encoding="utf-8"
    )
    config = _trafilatura_config(ExtractOptions())
    precision, recall = run_modes(load_html(html), URL, MODES, True, config)
    assert precision is not None and recall is not None
    assert (precision.text, lxml.etree.tostring(precision.body)) == expected(html, True, False, config)
    bare_recall = expected(html, False, True, config)
    assert bare_recall is not None and "Pothos" not in bare_recall[0]  # the body trafilatura misses
    assert "Pothos" in recall.text and len(recall.text) > 2 * len(bare_recall[0])


def _article(extra: str) -> str:
    paragraphs = "".join(
        f"<p>Paragraph {n} of the report tells how the council voted on the new bridge, who spoke for it, "
        f"who spoke against it and what the next step will be for the town and its budget.</p>"
        for n in range(6)
    )
    return f"<html><body><article><h1>Council votes on bridge</h1>{paragraphs}</article>{extra}</body></html>"


# the same article, alone on its page, beside a block of other text four times its length, and beside
# the same block in a sidebar, which readability never reads in precision mode (trafilatura prunes it)
OTHER = "<p>Another story of the week, and its summary line. </p>" * 60
ALONE = _article("")
CROWDED = _article(f"<div class='week'>{OTHER}</div>")
SIDEBAR = _article(f"<div class='sidebar'>{OTHER}</div>")


@pytest.mark.parametrize(
    ("html", "readability_runs"),
    [(ALONE, 0), (CROWDED, 1), (SIDEBAR, 0)],
    ids=["alone", "crowded", "sidebar"],
)
def test_the_precision_run_skips_readability_only_where_it_cannot_change_the_text(
    html: str, readability_runs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readability returns part of the page's text: when the precision text holds half of it (and is
    clean paragraphs), readability cannot win and is not run; otherwise it runs, as in trafilatura."""
    import seedcrawl.pipelines.trafilatura_runs as runs

    calls: list[object] = []
    real = runs.try_readability
    monkeypatch.setattr(runs, "try_readability", lambda tree: calls.append(tree) or real(tree))
    config = _trafilatura_config(ExtractOptions())
    (precision,) = run_modes(load_html(html), URL, [(True, False)], True, config)
    assert precision is not None
    assert (precision.text, lxml.etree.tostring(precision.body)) == expected(html, True, False, config)
    assert len(calls) == readability_runs


# pruned elements inside paragraphs, nested, and glued to the words around them, their tails kept
GLUED = (
    "<html><body><div class='story'>"
    + "<p>Alpha<span class='share-bar'>shared<b>bold</b> words</span>beta gamma delta.</p>" * 8
    + "<p>Tail<div class='menu'> menu <div class='nav'>nested</div> </div>words follow the menu here.</p>" * 8
    + "</div></body></html>"
)
BOUND_PAGES = PAGES | {"alone": ALONE, "crowded": CROWDED, "sidebar": SIDEBAR, "glued": GLUED}


@pytest.mark.parametrize("name", sorted(BOUND_PAGES))
def test_the_bound_on_readability_text_holds_its_text(name: str) -> None:
    """`_readability_bound` is never below the length of the text readability returns in precision
    mode (on the raw tree pruned as trafilatura prunes it), with VIDEO frames, raw text and pruned
    sections inside paragraphs; the bound on the whole page holds it too."""
    tree = load_html(BOUND_PAGES[name])
    pruned = trafilatura_runs.prune_nodes(copy(tree), trafilatura_runs.OVERALL_DISCARD)
    bound = trafilatura_runs._readability_bound(pruned)  # before readability changes the tree
    assert _readability_length(pruned) <= bound <= trafilatura_runs._readability_bound(tree)


def _readability_length(tree: lxml.etree._Element) -> int:
    text = lxml.etree.tostring(trafilatura_runs.try_readability(tree), method="text", encoding="utf-8")
    return len(trafilatura_runs.trim(text.decode("utf-8")))


def _random_page(rng: random.Random) -> str:
    """Nested blocks and inline elements, some of them of a class trafilatura prunes, their text glued
    to their neighbours' or spaced, sometimes holding a video frame."""
    classes = ["story", "body", "share-bar", "menu", "sidebar", "note", "footer-links", "lead"]
    words = ["vote", "bridge", "x", "council", ",", "town's", "budget."]

    def text() -> str:
        glue = rng.choice(["", " ", "  "])
        return glue + " ".join(rng.choice(words) for _ in range(rng.randint(0, 12))) + rng.choice(["", " "])

    def node(depth: int) -> str:
        if depth > 3 or rng.random() < 0.3:
            return text()
        tag = rng.choice(["div", "p", "span", "section", "b"])
        attrs = f" class='{rng.choice(classes)}'" if rng.random() < 0.6 else ""
        inner = "".join(node(depth + 1) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.1:
            inner += '<iframe src="https://www.youtube.com/embed/v"></iframe>'
        return f"<{tag}{attrs}>{inner}</{tag}>{text()}"

    return "<html><body>" + "".join(node(0) for _ in range(rng.randint(1, 5))) + "</body></html>"


def test_the_bound_on_readability_text_holds_on_random_pages() -> None:
    rng = random.Random(11)
    for _ in range(300):
        html = _random_page(rng)
        tree = load_html(html)
        pruned = trafilatura_runs.prune_nodes(copy(tree), trafilatura_runs.OVERALL_DISCARD)
        bound = trafilatura_runs._readability_bound(pruned)
        assert _readability_length(pruned) <= bound, html


@pytest.mark.parametrize("name", ["home_page.html", "not_found.html", "section_undeclared.html", "short"])
def test_the_justext_rescue_reads_trafilatura_cleaned_tree_before_its_tags_are_converted(name: str) -> None:
    """The precision run cleans the raw tree again for the rescue instead of keeping a copy on every
    run: what the rescue reads is still `_prepare_tree`'s backup, as trafilatura hands it over."""
    config = _trafilatura_config(ExtractOptions())
    handed: list[bytes] = []
    rescue = trafilatura_runs.justext_rescue

    def spy(tree: lxml.etree._Element, options: object) -> object:
        handed.append(lxml.etree.tostring(tree))
        return rescue(tree, options)

    with patch.object(trafilatura_runs, "justext_rescue", spy):
        run_modes(load_html(PAGES[name]), URL, [(True, False)], True, config)
    raw = prune_unwanted_nodes(copy(load_html(PAGES[name])), RAW_TREE_PRUNE_XPATH)
    raw = prune_unwanted_nodes(raw, REMOVE_COMMENTS_AND_LISTS_XPATH)
    _, backup = _prepare_tree(raw, _extractor(URL, True, False, True, config), URL)
    assert handed == [lxml.etree.tostring(backup)]
