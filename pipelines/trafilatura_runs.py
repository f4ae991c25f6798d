"""trafilatura's precision and recall runs on one page, sharing the work they would both repeat.

`trafilatura.bare_extraction` starts every run the same way whatever its mode: it copies the
tree, checks for a forum thread and prunes the raw copy with two large XPath sets (unwanted
sections, then comment sections and lists when comments are off). With two runs a page, that
was a tenth of trafilatura's time. Here it is done once, and each mode then runs the rest of
trafilatura's sequence (`trafilatura_sequence` after its prunes, and `bare_extraction` after
the sequence) on the shared tree, which those stages only read (they copy before they change).

This follows trafilatura 2.3.1 (pinned) step by step, for what the extract step asks of it:
comments off, no metadata, no language filter, no deduplication, no `prune_xpath`, Python
output. The stages it calls are trafilatura's own (some of them private): a trafilatura upgrade
has to re-check this module against `trafilatura.core` (tests/test_trafilatura_runs.py compares
it with `bare_extraction`). A forum thread page, where the two modes prune differently, goes
through `bare_extraction` as before.

Two stages are cheaper. The precision run's comparison with readability (`_compare_extraction`,
trafilatura's `compare_extraction`) first prunes a copy of the whole raw tree with
`OVERALL_DISCARD_XPATH`, whose regexes lxml runs as a Python call per element, and both runs'
`extract_content` prunes each candidate body with it: here they are answered from the page's
distinct attribute values (`pipelines.xpath_hits`, `pipelines.trafilatura_content`), removing the
same elements.

The precision run also skips readability where it cannot change the result. In precision mode
readability only replaces a text that is empty, that it more than doubles, or whose body has no
paragraph text or more tables than paragraphs; jusText only follows a short or unclean text.
Readability reads the raw tree pruned with `OVERALL_DISCARD_XPATH`, and its text is drawn from that
tree's text outside scripts and styles, in document order: it cannot be longer than that text with
its whitespace runs collapsed, plus the `VIDEO` it writes into each video frame. (Its summary is
serialized as XML and parsed again as HTML, which lengthens the raw text of `xmp`, `noembed`,
`noframes` and `plaintext`, `&` coming back as `&amp;`: on a page with one, readability always runs.)
A clean text of paragraphs that holds at least half of that bound returns unchanged without
readability: measured first against the whole page's text, which spares the copy of the raw tree
and its prune as well (257 of the dev sets' 391 article pages), then against the pruned copy's
(89 more: pages whose navigation and footers outweigh the article). The same output.

One step is added to the recall run: trafilatura's step-4 jusText candidate, which it only tries
in its balanced mode. When the recall text is short and covers little of the page, the body is
usually buried in divs trafilatura's rules do not reach; jusText classifies paragraphs by their
own text and link density and finds it. The candidate replaces the recall text under the same
conditions and by the same ratio as in trafilatura's balanced mode (`_recall_rescue`).
"""

from __future__ import annotations

import sys
from configparser import ConfigParser
from copy import copy

from lxml.etree import XPath, _Element, strip_tags, tostring
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.core import (
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
)
from trafilatura.external import (
    JUSTEXT_OVERRIDE_RATIO,
    SANITIZED_XPATH,
    _prefer_readability,
    sanitize_tree,
    try_readability,
)
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.settings import Extractor
from trafilatura.utils import trim
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

from seedcrawl.pipelines.trafilatura_content import (
    OVERALL_DISCARD,
    PrecisionPrunedRecall,
    baseline,
    extract_content,
    html2txt,
    justext_rescue,
    prune_nodes,
)
from seedcrawl.pipelines.xpath_guard import guarded

Mode = tuple[bool, bool]  # (favor_precision, favor_recall)
# the same prunes, cheaper to evaluate (pipelines.xpath_guard)
_RAW_TREE_PRUNE = guarded(RAW_TREE_PRUNE_XPATH)
_REMOVE_COMMENTS_AND_LISTS = guarded(REMOVE_COMMENTS_AND_LISTS_XPATH)
_REMOVE_COMMENTS = guarded(REMOVE_COMMENTS_XPATH)  # the precision run's, on the cleaned tree
# the text readability can return: it drops scripts, styles and fenced frames (plain strings: no
# element reference kept for each text node, which costs more than the rest of the test; the
# descendant axis: `pipelines.xpath_guard.descendant_steps`)
_PAGE_TEXT = XPath(
    "/descendant::text()[not(parent::script or parent::style or parent::fencedframe)]", smart_strings=False
)
# raw text, which readability's round trip through XML lengthens (see the module's docstring)
_RAW_TEXT = ("xmp", "noembed", "noframes", "plaintext")
_VIDEO_TEXT = len(" VIDEO")  # what readability writes into a video frame: a word at most


def run_modes(
    tree: HtmlElement,
    url: str,
    modes: list[Mode],
    include_tables: bool,
    config: ConfigParser,
    in_place: bool = False,
    precision_prune: bool = False,
) -> list[TrafilaturaDocument | None]:
    """What `bare_extraction(tree, url=url, favor_precision=p, favor_recall=r, include_comments=False,
    include_tables=include_tables, deduplicate=False, with_metadata=False, config=config)` returns
    for each (p, r) in `modes`, in order; the tree is not modified unless `in_place` (the caller is
    done with it: its prunes then save a copy of the whole page). `precision_prune`: the recall
    run is a `PrecisionPrunedRecall`, which bare_extraction has no option for (a forum thread page,
    which goes through bare_extraction, is not pruned so)."""
    extractors = [
        _extractor(url, precision, recall, include_tables, config, recall and precision_prune)
        for precision, recall in modes
    ]
    if _forum_thread_page(tree):
        return [_bare(tree, url, options) for options in extractors]
    try:
        raw = tree if in_place else copy(tree)
        raw = prune_unwanted_nodes(raw, _RAW_TREE_PRUNE)
        raw = prune_unwanted_nodes(raw, _REMOVE_COMMENTS_AND_LISTS)
    except (TypeError, ValueError):  # bare_extraction's own "discard" for any stage
        return [None for _ in extractors]
    return [_finish(raw, options) for options in extractors]


def _extractor(
    url: str, precision: bool, recall: bool, include_tables: bool, config: ConfigParser, pruned: bool = False
) -> Extractor:
    return (PrecisionPrunedRecall if pruned else Extractor)(
        config=config,
        output_format="python",
        fast=False,
        precision=precision,
        recall=recall,
        comments=False,
        formatting=False,
        links=False,
        images=False,
        tables=include_tables,
        dedup=False,
        lang=None,
        url=url,
        with_metadata=False,
        only_with_metadata=False,
        author_blacklist=None,
        url_blacklist=None,
        date_params=None,
    )


def _bare(tree: HtmlElement, url: str, options: Extractor) -> TrafilaturaDocument | None:
    result = bare_extraction(tree, url=url, options=options)
    return result if isinstance(result, TrafilaturaDocument) else None


def _finish(raw: HtmlElement, options: Extractor) -> TrafilaturaDocument | None:
    """The rest of `trafilatura_sequence` and `bare_extraction` for one mode, on the pruned raw tree."""
    try:
        postbody, temp_text = _sequence(raw, options)
        if options.max_tree_size and len(postbody) > options.max_tree_size:
            strip_tags(postbody, "hi")
            if len(postbody) > options.max_tree_size:
                return None
        if (
            len(temp_text) < options.min_output_size and options.min_output_comm_size > 0
        ):  # no comments: length 0
            return None
    except (TypeError, ValueError):
        return None
    document = TrafilaturaDocument()
    document.text = xmltotxt(postbody, options.formatting)
    document.raw_text = document.text
    document.body = postbody
    return document


def _sequence(tree: HtmlElement, options: Extractor) -> tuple[_Element, str]:
    """`trafilatura_sequence` after its raw-tree prunes, comments off, in precision or recall mode
    (the forum salvage only runs on forums), with the jusText candidate of its balanced-mode
    recall escalation in recall mode."""
    cleaned_tree = convert_tags(tree_cleaning(copy(tree), options), options, options.url)
    if options.focus == "precision":
        cleaned_tree = prune_unwanted_nodes(cleaned_tree, _REMOVE_COMMENTS)
    postbody, temp_text = _extract_and_compare(cleaned_tree, tree, options)
    if len(temp_text) < options.min_extracted_size and options.focus != "precision":
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text
    if options.focus == "recall":
        postbody, temp_text = _recall_rescue(tree, postbody, temp_text, options)
    return postbody, temp_text


def _extract_and_compare(
    cleaned_tree: HtmlElement, tree: HtmlElement, options: Extractor
) -> tuple[_Element, str]:
    """trafilatura's `_extract_and_compare` (its `fast` is off here), through `_compare_extraction`."""
    postbody, temp_text = extract_content(cleaned_tree, options)
    return _compare_extraction(tree, postbody, temp_text, options)


def _compare_extraction(
    tree: HtmlElement, body: _Element, text: str, options: Extractor
) -> tuple[_Element, str]:
    """`trafilatura.external.compare_extraction` step for step, on a copy of the raw `tree` taken
    only past the recall bypass (trafilatura copies it first), its precision-mode prune done by
    `OVERALL_DISCARD` (the same elements removed, in about half the time)."""
    len_text = len(text)
    if options.focus == "recall" and len_text > options.min_extracted_size * 10:
        return body, text
    # in precision mode, readability cannot change a clean text of paragraphs that holds half of
    # the text it reads: first bounded by the whole page's, then by the pruned copy's it is given
    decides = options.focus == "precision" and _text_decides(body, text, options)
    if decides and _readability_bound(tree) <= 2 * len_text:
        return body, text
    raw_tree = copy(tree)
    if options.focus == "precision":
        raw_tree = prune_nodes(raw_tree, OVERALL_DISCARD)
        if decides and _readability_bound(raw_tree) <= 2 * len_text:
            return body, text
    algo_body = try_readability(raw_tree)
    algo_text = trim(tostring(algo_body, method="text", encoding="utf-8").decode("utf-8"))
    len_algo = len(algo_text)
    use_readability = _prefer_readability(body, algo_body, algo_text, len_text, len_algo, options)
    if use_readability:
        body, text, len_text = algo_body, algo_text, len_algo
    unclean = bool(body.xpath(SANITIZED_XPATH))
    if unclean or len_text < options.min_extracted_size:
        # trafilatura's cleaned tree as it was before `convert_tags`: cleaning the raw tree again
        # gives it, here where it is needed (about one run in twenty), instead of a copy on every run
        body2, text2 = justext_rescue(tree_cleaning(copy(tree), options), options)
        len_text2 = len(text2)
        if unclean:
            accept = len_text <= JUSTEXT_OVERRIDE_RATIO * len_text2 and (
                len_text2 > len_text or not options.images or body.find(".//graphic") is None
            )
        else:
            accept = len_text < len_text2
        if text2 and accept:
            body, text, len_text = body2, text2, len_text2
            use_readability = False
    if use_readability:
        body, text = sanitize_tree(body, options)
    return body, text


def _text_decides(body: _Element, text: str, options: Extractor) -> bool:
    """Whether, in precision mode, only a readability text more than twice as long as `text` can
    replace it, and jusText cannot (the conditions of `_prefer_readability` and of the jusText
    rescue): the text is long enough, clean, and made of paragraphs."""
    if len(text) < options.min_extracted_size or body.xpath(SANITIZED_XPATH):
        return False
    return bool(body.xpath(".//p//text()")) and len(body.findall(".//table")) <= len(body.findall(".//p"))


def _readability_bound(tree: HtmlElement) -> int:
    """At least the length of the text readability returns on `tree` (trimmed, as
    `_compare_extraction` measures it)."""
    frames = 0
    for element in tree.iter("iframe", *_RAW_TEXT):
        if element.tag != "iframe":
            return sys.maxsize
        frames += 1
    return _collapsed_length(_PAGE_TEXT(tree)) + _VIDEO_TEXT * frames


def _collapsed_length(texts: list[str]) -> int:
    return len(" ".join("".join(texts).split()))


def _recall_rescue(
    tree: HtmlElement, postbody: _Element, temp_text: str, options: Extractor
) -> tuple[_Element, str]:
    """The jusText candidate in place of a short recall text that covers little of the page,
    when it is `ESCALATION_JUSTEXT_RATIO` times longer (trafilatura's step 4, balanced mode; the
    rule-based retry of that step is the recall run itself)."""
    length = len(temp_text)
    if not 0 < length < ESCALATION_MAX_LENGTH or length >= ESCALATION_PAGE_SHARE * len(html2txt(tree)):
        return postbody, temp_text
    j_body, j_text = justext_rescue(copy(tree), options)
    if len(j_text) > ESCALATION_JUSTEXT_RATIO * length:
        return j_body, j_text
    return postbody, temp_text
