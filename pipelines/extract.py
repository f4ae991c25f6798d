"""Extract step: markup (`Document.html`) becomes article text and metadata.

trafilatura 2.3.1 does the extraction, with a configuration built here rather than read from its
global settings, comments off, and its process-wide deduplication cache never touched, so a
document's result never depends on the documents before it.

Two runs vote (`pipelines.vote`): trafilatura's precision mode (less boilerplate) and its recall
mode (more of the body; when its text is short and covers little of the page, trafilatura's
jusText candidate takes its place, see `pipelines.trafilatura_runs`). Each text is cut into blocks
(paragraphs, headings, list items) and cleared of site chrome by `pipelines.chrome`; the precision
text wins unless it holds less than `min_precision_share` of the recall text's words, which is how
precision mode fails on templates it does not know (it returns nothing, an introduction, or a
teaser box). A precision text that wins then takes back, with `fill_gaps`, the recall blocks that
lie between two of its own blocks (boxes and lists precision mode drops mid-article), unless such
a run holds headline links, teasers or a strong chrome match; with `extend_ends`, also the recall
paragraphs, list items and headings right before its first block (an introduction or key-points
box, but not a dek restating the page's meta description) and the list items right after its last
(a closing list; paragraphs there are notes, appeals and disclaimers); the merged text is cleaned
again.
Measured on aeb-dev and wcxb-dev together (`bench/extraction.py`, which also cross-validates the
choices across sites): precision mode alone loses 0.02 word F1 to bare trafilatura on wcxb
articles, recall mode alone 0.006 shingle F1 on aeb-dev; the vote loses neither, and the jusText
candidate and gap filling add 0.007 on wcxb articles and 0.0007 on aeb-dev, the end extension
0.0005 and 0.0002 more, the declared body 0.002 on wcxb (one gallery page). The fast cascade (no
readability/jusText fallback) is not used: it cost 0.04 word F1 on wcxb articles.

When the page's JSON-LD declares an `articleBody` with more than `declared_body_ratio` times the
words of that text, the declared body replaces it (`pipelines.declared_body`: templates that hide
most of the story from trafilatura; a shorter declared body is a teaser and is never taken).

Two profiles (`PROFILES`, `seedcrawl process --extraction`). `fast`, the default, is one run: the
recall mode with its candidate bodies pruned as precision mode prunes them (`precision_prune`;
`pipelines.trafilatura_content.PrecisionPrunedRecall`), with the chrome rules, article test and
metadata above, and htmldate's date search without dateparser and without its scan of the whole
page (`pipelines.page_date`). The pruning is what keeps that one run near the vote on news pages
(standfirsts, related-link lists and promotional links, which the recall mode alone keeps: 0.977
against 0.981 on aeb-dev). `accurate` is the vote above with htmldate's full date search: 0.983
on aeb-dev, for 1.5 times the CPU (`bench/results/extraction.md`). `ExtractOptions()` is
`accurate`: each mechanism on.

The kept text is checked to be one article by `pipelines.article` and joined with blank lines,
and its language is detected (`pipelines.language`). Rejections: `language` (not one of
`ExtractOptions.languages`), `http_status`, `empty`, `too_large`, `parse_error`, `empty_text`, `not_article`.
"""

from __future__ import annotations

from configparser import ConfigParser
from dataclasses import dataclass, field, replace
from functools import cache

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.utils import load_html

from seedcrawl.contract.records import RejectReason
from seedcrawl.pipelines.article import ArticleRules, listing_reason, not_article_reason, page_signals
from seedcrawl.pipelines.chrome import Block, ChromeOptions, Cleaned, LineMemo, PageFacts, clean
from seedcrawl.pipelines.chrome_patterns import PAYWALL
from seedcrawl.pipelines.declared_body import declared_blocks
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected, out_of_memory
from seedcrawl.pipelines.language import detect_language
from seedcrawl.pipelines.metadata import dated, page_heading, searches_date
from seedcrawl.pipelines.page_date import DATE_SEARCHES, DateSearch
from seedcrawl.pipelines.text_blocks import blocks_from_body, page_links
from seedcrawl.pipelines.trafilatura_runs import run_modes
from seedcrawl.pipelines.vote import body_block, body_run, extend_ends, fill_gaps, restates, vote
from seedcrawl.pipelines.words import word_count

_PARSE_ERRORS = (etree.LxmlError, ValueError, RecursionError)
_WALL_WORDS = 40  # a wall is a line or two, not a paragraph that mentions subscribers
# What precision mode drops before its text starts is an introduction or a key-points box; after its
# end, notes, appeals and disclaimers in paragraphs, but a list ("what we found") is the article's.
_LEAD_TAGS = ("p", "item", "head")
_TAIL_TAGS = ("item",)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How the extract step runs trafilatura and judges its result."""

    max_html_chars: int = 5 * 1024 * 1024  # larger markup is rejected as too_large before parsing
    include_tables: bool = True
    precision: bool = True  # run trafilatura's precision mode
    recall: bool = True  # run its recall mode; with both, the vote below picks one text
    # the recall run prunes its candidate bodies as precision mode does (teaser and "link" boxes,
    # stricter link density; `pipelines.trafilatura_content.PrecisionPrunedRecall`)
    precision_prune: bool = False
    min_precision_share: float = 0.7  # precision text kept when it has this share of the recall words
    fill_gaps: bool = True  # a kept precision text takes back the recall blocks between its own
    extend_ends: bool = True  # and the recall paragraphs right before and after its ends
    # the page's JSON-LD articleBody replaces the text when it has more than this many times its
    # words (0: never); a declared body is often a teaser, so only a much longer one is trusted
    declared_body_ratio: float = 2.0
    min_extracted_size: int = 250  # trafilatura's own threshold for trying its fallbacks
    chrome: ChromeOptions = field(default_factory=ChromeOptions)
    article: ArticleRules = field(default_factory=ArticleRules)
    require_article: bool = True  # False keeps non-article pages (for benchmarks and debugging)
    languages: frozenset[str] = frozenset()  # ISO 639-1 codes to keep (detected language); empty keeps all
    # how deep htmldate searches for the date when the JSON-LD declares none (`pipelines.page_date`):
    # "markup", "text" (its text too, without dateparser or the scan of the whole page) or "full"
    date_search: DateSearch = "full"

    def __post_init__(self) -> None:
        if self.max_html_chars <= 0 or self.min_extracted_size < 0:
            raise ValueError("sizes must be positive")
        if not (self.precision or self.recall):
            raise ValueError("at least one of precision and recall mode must run")
        if self.date_search not in DATE_SEARCHES:
            raise ValueError(
                f"date_search must be one of {', '.join(DATE_SEARCHES)}, not {self.date_search!r}"
            )


# `seedcrawl process --extraction NAME` (and `run`'s): the first is the default. `fast` is one
# trafilatura run and a date search without dateparser; `accurate` is every mechanism above, for
# 1.5 times its CPU (bench/results/extraction.md).
PROFILES: dict[str, ExtractOptions] = {
    "fast": ExtractOptions(precision=False, precision_prune=True, date_search="text"),
    "accurate": ExtractOptions(),
}


def default_options() -> ExtractOptions:
    """The default profile's options (the first of `PROFILES`), as the commands use them."""
    return next(iter(PROFILES.values()))


def profile_options(name: str, languages: frozenset[str] = frozenset()) -> ExtractOptions:
    """The options of the named profile (`PROFILES`), keeping only `languages` (empty: all)."""
    try:
        return replace(PROFILES[name], languages=languages)
    except KeyError:
        raise ValueError(f"extraction profile must be one of {', '.join(PROFILES)}, not {name!r}") from None


@cache  # once per options: every document records it
def profile_name(options: ExtractOptions) -> str:
    """The profile `options` are (whatever their languages), or "custom"."""
    general = replace(options, languages=frozenset())
    return next((name for name, profile in PROFILES.items() if profile == general), "custom")


def extract(doc: Document, options: ExtractOptions) -> Document:
    """Fill text and metadata fields from `doc.html`, or raise `Rejected`; empties `doc.html`.

    Raises MemoryError when an allocation fails, libxml2's included (see `out_of_memory`).
    """
    try:
        return _extract(doc, options)
    except etree.LxmlError as err:
        if out_of_memory(err):
            raise MemoryError(f"libxml2: {err}") from err
        raise


def _extract(doc: Document, options: ExtractOptions) -> Document:
    if doc.status != 200:
        raise Rejected(RejectReason.HTTP_STATUS, str(doc.status))
    html = doc.html
    if not html or html.isspace():
        raise Rejected(RejectReason.EMPTY)
    if len(html) > options.max_html_chars:
        raise Rejected(RejectReason.TOO_LARGE, f"{len(html)} characters > {options.max_html_chars}")
    if "\x00" in html:
        html = html.replace("\x00", "")
    try:
        tree = load_html(html)
    except _PARSE_ERRORS as err:
        raise _parse_error(err) from err
    if tree is None:
        raise Rejected(RejectReason.PARSE_ERROR, "no document tree")

    signals = page_signals(tree, doc.url)
    reason = listing_reason(signals) if options.require_article else None
    if reason:
        # what the page declares (or its URL names) decides whatever its text: skip the runs
        raise Rejected(RejectReason.NOT_ARTICLE, reason)
    heading = page_heading(tree, doc.url)
    # A page that declares its date has its metadata read now, and the runs may then prune its tree
    # in place, saving a copy of the whole page; otherwise the date search reads the tree whole
    # after the runs, and only on a page that is kept.
    searches = searches_date(heading, doc.fetched_at)
    meta = None if searches else dated(heading, tree, doc.url, doc.fetched_at, options.date_search)
    facts = PageFacts(heading.meta.title, heading.meta.author, heading.meta.sitename, heading.meta.headings)
    links = page_links(tree, doc.url)
    memo = LineMemo()  # the two runs' texts share most lines: each is cut and judged once
    texts: list[tuple[list[Block], Cleaned]] = []
    for result in _trafilatura(tree, doc.url, options, in_place=meta is not None):
        if result is not None and result.text:
            blocks = blocks_from_body(result.body, links, memo)
            same = bool(texts) and texts[-1][0] == blocks
            texts.append((blocks, texts[-1][1] if same else clean(blocks, facts, options.chrome, memo)))
    if not texts:
        raise Rejected(RejectReason.EMPTY_TEXT)
    chosen = vote([c for _, c in texts], options.min_precision_share)
    raw, cleaned = texts[chosen]
    if options.fill_gaps and chosen == 0 and len(texts) > 1:
        merged = fill_gaps(raw, texts[-1][0], lambda run, after: body_run(run, after, options.chrome, memo))
        if options.extend_ends:
            merged = extend_ends(
                merged,
                texts[-1][0],
                lambda b: (
                    body_block(b, options.chrome, memo, _LEAD_TAGS) and not restates(b, heading.description)
                ),
                lambda b: body_block(b, options.chrome, memo, _TAIL_TAGS),
            )
        if len(merged) > len(raw):
            raw, cleaned = merged, clean(merged, facts, options.chrome, memo)
    if options.declared_body_ratio and heading.body and cleaned.blocks:
        declared = declared_blocks(heading.body)
        found = sum(word_count(b.text) for b in cleaned.blocks)
        if sum(word_count(b.text) for b in declared) > options.declared_body_ratio * found:
            raw, cleaned = declared, clean(declared, facts, options.chrome, memo)
    if not cleaned.blocks:
        # text that was all chrome and link lists came from a listing, not from an empty article
        raise Rejected(
            RejectReason.NOT_ARTICLE if options.require_article else RejectReason.EMPTY_TEXT,
            "only site chrome and links",
        )
    if options.require_article:
        reason = not_article_reason(cleaned.blocks, signals, options.article)
        if reason:
            raise Rejected(RejectReason.NOT_ARTICLE, reason)

    doc.text = "\n\n".join(block.text for block in cleaned.blocks)
    doc.language_detected = detect_language(doc.text)
    if options.languages and doc.language_detected not in options.languages:
        raise Rejected(
            RejectReason.LANGUAGE,
            f"{doc.language_detected or 'unknown'} not in {','.join(sorted(options.languages))}",
        )
    if meta is None:
        meta = dated(heading, tree, doc.url, doc.fetched_at, options.date_search)
    doc.title = meta.title
    doc.author = meta.author
    doc.authors = meta.authors
    doc.paywalled = meta.free is False or stops_at_wall(raw, cleaned)
    doc.extraction = profile_name(options)
    doc.published = meta.published
    doc.sitename = meta.sitename
    doc.language = meta.language
    doc.canonical_url = meta.canonical_url
    doc.html = ""
    return doc


def _trafilatura(
    tree: HtmlElement, url: str, options: ExtractOptions, in_place: bool
) -> list[TrafilaturaDocument | None]:
    """The precision run, then the recall run (whichever of them the options ask for); `in_place`:
    they may prune `tree`."""
    modes = [(True, False)] if options.precision else []
    if options.recall:
        modes.append((False, True))
    try:
        # the tree parsed from str by trafilatura's own loader: bytes never reach it
        return run_modes(
            tree,
            url,
            modes,
            options.include_tables,
            _trafilatura_config(options),
            in_place,
            precision_prune=options.precision_prune,
        )
    except _PARSE_ERRORS as err:
        raise _parse_error(err) from err


def stops_at_wall(raw: list[Block], cleaned: Cleaned) -> bool:
    """Whether a subscription-wall line follows the last block kept (the text is a teaser)."""
    if not cleaned.blocks:
        return False
    last = max(i for i, block in enumerate(raw) if block in cleaned.blocks[-1:])
    return any(len(b.text.split()) <= _WALL_WORDS and PAYWALL.search(b.text) for b in raw[last:])


def _parse_error(err: Exception) -> Exception:
    if out_of_memory(err):  # the worker's budget, not the page's markup
        return MemoryError(f"libxml2: {err}")
    return Rejected(RejectReason.PARSE_ERROR, type(err).__name__)


@cache  # built once per options: trafilatura only reads it
def _trafilatura_config(options: ExtractOptions) -> ConfigParser:
    """A complete configuration, so nothing comes from trafilatura's settings file or globals."""
    config = ConfigParser()
    config.read_dict(
        {
            "DEFAULT": {
                "MIN_EXTRACTED_SIZE": str(options.min_extracted_size),
                "MIN_OUTPUT_SIZE": "1",
                "MIN_OUTPUT_COMM_SIZE": "1",
                "MIN_DUPLCHECK_SIZE": "100",
                "MAX_REPETITIONS": "2",
                "MAX_FILE_SIZE": str(options.max_html_chars),
                "MIN_FILE_SIZE": "10",
                "MAX_TREE_SIZE": "",
                "EXTENSIVE_DATE_SEARCH": "on",
            }
        }
    )
    return config
