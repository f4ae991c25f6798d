"""`pipelines.trafilatura_content.extract_content` (and `html2txt`, `baseline`, `justext_rescue`)
give what trafilatura's own give, and leave trafilatura's modules as they were.

The pages hold the blocks the section prunes exist for (share rows, related lists, a newsletter
box, a precision-mode "bottom" block, a cookie notice inside the body), nested and side by side,
so that a prune selecting other elements, or in another order, would change the text.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

import lxml.etree
import pytest
from lxml.html import HtmlElement
from trafilatura import baseline as trafilatura_baseline
from trafilatura import external, main_extractor
from trafilatura.baseline import html2txt as trafilatura_html2txt
from trafilatura.core import _prepare_tree
from trafilatura.settings import Extractor
from trafilatura.utils import load_html
from trafilatura.xpaths import OVERALL_DISCARD_XPATH

from seedcrawl.pipelines.extract import ExtractOptions, _trafilatura_config
from seedcrawl.pipelines.trafilatura_content import (
    PrecisionPrunedRecall,
    baseline,
    extract_content,
    html2txt,
    justext_rescue,
)
from seedcrawl.pipelines.trafilatura_runs import _extractor

URL = "https://news.example/a/story"
PARAGRAPH = "The harbour reopened to ferries on Monday after a week of storm repairs, officials said. "
CHROME = (
    '<div class="share-buttons"><p>Share this story on every network you can think of today</p></div>'
    '<div id="related-posts"><p>Related: ferries, storms and other harbour news from the week</p></div>'
    '<section class="newsletter-signup"><p>Sign up to our newsletter for the morning briefing</p></section>'
    '<div class="article-bottom"><p>Bottom box text that precision mode prunes from the body</p></div>'
    '<div id="cookie-notice"><span class="cookie-text">We use cookies to improve the site</span></div>'
)
ARTICLE = (
    "<html><body><nav><a href='/'>Home</a></nav><article>"
    f"<p>{PARAGRAPH * 3}</p>{CHROME}<div class='content'><p>{PARAGRAPH * 2}</p>"
    f"<div class='widget'><div class='meta'><p>Nested chrome inside chrome, pruned once</p></div></div>"
    f"<p>{PARAGRAPH}</p></div></article></body></html>"
)
# the prune would remove nearly all the text: trafilatura's guard keeps the body whole
ALL_CHROME = f"<html><body><article><div class='sidebar'><p>{PARAGRAPH * 4}</p></div></article></body></html>"
# the candidate body is too short: the wild-text recovery prunes the whole page again
SHORT_BODY = (
    f"<html><body><article><p>Short.</p></article><div><p>{PARAGRAPH * 3}</p>{CHROME}</div></body></html>"
)


ExtractContent = Callable[[HtmlElement, Extractor], tuple[lxml.etree._Element, str]]


def _run(
    function: ExtractContent, html: str, precision: bool, recall: bool, pruned: bool = False
) -> tuple[str, bytes]:
    options = _extractor(URL, precision, recall, True, _trafilatura_config(ExtractOptions()), pruned)
    cleaned, _ = _prepare_tree(load_html(html), options, URL)
    body, text = function(deepcopy(cleaned), options)
    return text, lxml.etree.tostring(body)


@pytest.mark.parametrize("html", [ARTICLE, ALL_CHROME, SHORT_BODY], ids=["article", "all-chrome", "short"])
@pytest.mark.parametrize("precision,recall", [(True, False), (False, True), (False, False)])
def test_extract_content_matches_trafilatura(html: str, precision: bool, recall: bool) -> None:
    assert _run(extract_content, html, precision, recall) == _run(
        main_extractor.extract_content, html, precision, recall
    )


def test_the_prunes_remove_the_chrome_and_keep_the_body() -> None:
    text, _ = _run(extract_content, ARTICLE, True, False)
    assert text.count("storm repairs") == 6
    for phrase in ("Share this story", "Related:", "newsletter", "Bottom box", "cookies", "Nested chrome"):
        assert phrase not in text


# boxes precision mode discards by name, amid the body: a teaser and a page-header inside the article
BOXED = ARTICLE.replace(
    "<div class='content'>",
    "<div class='story-teaser'><p>Teaser: read our other harbour story now</p></div>"
    "<header><p>Header words inside the article body</p></header><div class='content'>",
)


def test_a_precision_pruned_recall_run_drops_what_precision_mode_discards_by_name() -> None:
    recall, _ = _run(extract_content, BOXED, False, True)
    pruned, _ = _run(extract_content, BOXED, False, True, pruned=True)
    boxes = ("Bottom box", "Teaser:", "Header words")
    assert all(box in recall for box in boxes)  # what the recall run alone keeps
    assert not any(box in pruned for box in boxes)
    assert pruned.count("storm repairs") == recall.count("storm repairs") == 6


def test_a_precision_pruned_recall_run_is_a_recall_run_pruned_in_precision_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = _extractor(URL, False, True, True, _trafilatura_config(ExtractOptions()), True)
    assert isinstance(options, PrecisionPrunedRecall) and options.focus == "recall"
    assert options.prune_options.focus == "precision" and options.prune_options.tables == options.tables
    # trafilatura's own recall run, its sections pruned with precision-mode options, gives the same
    original = main_extractor.prune_unwanted_sections
    seen: list[str] = []

    def precision_prune(tree, potential_tags, opts, keep_teasers=False):  # type: ignore[no-untyped-def]
        seen.append(opts.focus)
        return original(tree, potential_tags, options.prune_options, keep_teasers)

    monkeypatch.setattr(main_extractor, "prune_unwanted_sections", precision_prune)
    plain = _extractor(URL, False, True, True, _trafilatura_config(ExtractOptions()))
    cleaned, _ = _prepare_tree(load_html(BOXED), plain, URL)
    body, text = main_extractor.extract_content(deepcopy(cleaned), plain)
    monkeypatch.undo()
    assert seen and set(seen) == {"recall"}
    assert _run(extract_content, BOXED, False, True, pruned=True) == (text, lxml.etree.tostring(body))


def test_trafilatura_keeps_its_own_prunes() -> None:
    assert main_extractor.OVERALL_DISCARD_XPATH is OVERALL_DISCARD_XPATH
    assert main_extractor.prune_unwanted_sections.__globals__ is vars(main_extractor)
    assert (
        main_extractor._extract.__globals__["prune_unwanted_sections"]
        is main_extractor.prune_unwanted_sections
    )


# what baseline's cleaning removes, in any case: cookie banners by class or id, footers, asides
COOKIES = (
    f"<html><body><article><p>{PARAGRAPH * 3}</p><div class='Cookie-Banner'><p>We use cookies on this"
    " site, accept them</p></div><div id='CONSENT_manager'><p>Manage your consent choices here</p></div>"
    f"<div class='cookies'><p>{PARAGRAPH}</p></div><aside><p>An aside</p></aside><p>{PARAGRAPH}</p>"
    "</article><footer>Footer words</footer></body></html>"
)


@pytest.mark.parametrize(
    "html", [ARTICLE, ALL_CHROME, SHORT_BODY, COOKIES], ids=["article", "all-chrome", "short", "cookies"]
)
def test_baseline_html2txt_and_justext_rescue_match_trafilatura(html: str) -> None:
    """They clean with baseline's cookie-banner regex answered from the page's values."""
    options = _extractor(URL, True, False, True, _trafilatura_config(ExtractOptions()))
    assert html2txt(load_html(html)) == trafilatura_html2txt(load_html(html))
    ours, theirs = baseline(load_html(html)), trafilatura_baseline(load_html(html))
    assert (lxml.etree.tostring(ours[0]), ours[1:]) == (lxml.etree.tostring(theirs[0]), theirs[1:])
    body, text = justext_rescue(load_html(html), options)
    expected_body, expected_text = external.justext_rescue(load_html(html), options)
    assert text == expected_text
    assert lxml.etree.tostring(body) == lxml.etree.tostring(expected_body)


def test_baseline_cleaning_removes_cookie_banners_whatever_their_case() -> None:
    text = html2txt(load_html(COOKIES))
    assert "storm repairs" in text
    for phrase in ("We use cookies", "consent choices", "An aside", "Footer words"):
        assert phrase not in text
