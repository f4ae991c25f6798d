"""Extract step: markup (`Document.html`) becomes article text and metadata.

trafilatura 2.3.1 does the extraction, with a configuration built here rather than read from its
global settings, comments off, and its process-wide deduplication cache never touched, so a
document's result never depends on the documents before it. Its fast cascade runs first; the
full cascade (readability and jusText comparisons) only when the fast result is short, which is
both cheaper and, measured on the article-extraction benchmark, no less accurate.

The text is then cut into blocks (paragraphs, headings, list items), cleared of site chrome by
`pipelines.chrome`, checked to be one article by `pipelines.article`, and joined with blank
lines. Rejections: `http_status`, `empty`, `too_large`, `parse_error`, `empty_text`, `not_article`.
"""

from __future__ import annotations

from configparser import ConfigParser
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.utils import load_html

from pipelines.article import ArticleRules, listing_reason, not_article_reason, page_signals
from pipelines.chrome import ChromeOptions, PageFacts, clean
from pipelines.document import Document
from pipelines.errors import Rejected
from pipelines.metadata import page_metadata
from pipelines.text_blocks import blocks_from_body, page_links

_PARSE_ERRORS = (etree.LxmlError, ValueError, RecursionError)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How the extract step runs trafilatura and judges its result."""

    max_html_chars: int = 5 * 1024 * 1024  # larger markup is rejected as too_large before parsing
    favor_precision: bool = True  # trafilatura's precision mode: less boilerplate, rarely less text
    include_tables: bool = True
    fast_first: bool = True  # run the full cascade only when the fast one yields little
    full_below_chars: int = 500  # "little": fast text shorter than this (a paragraph or two)
    min_extracted_size: int = 250  # trafilatura's own threshold for trying its fallbacks
    chrome: ChromeOptions = field(default_factory=ChromeOptions)
    article: ArticleRules = field(default_factory=ArticleRules)
    require_article: bool = True  # False keeps non-article pages (for benchmarks and debugging)

    def __post_init__(self) -> None:
        if self.max_html_chars <= 0 or self.full_below_chars < 0 or self.min_extracted_size < 0:
            raise ValueError("sizes must be positive")


def extract(doc: Document, options: ExtractOptions) -> Document:
    """Fill text and metadata fields from `doc.html`, or raise `Rejected`; empties `doc.html`."""
    if doc.status != 200:
        raise Rejected("http_status", str(doc.status))
    html = doc.html
    if not html or html.isspace():
        raise Rejected("empty")
    if len(html) > options.max_html_chars:
        raise Rejected("too_large", f"{len(html)} characters > {options.max_html_chars}")
    if "\x00" in html:
        html = html.replace("\x00", "")
    try:
        tree = load_html(html)
    except _PARSE_ERRORS as err:
        raise Rejected("parse_error", type(err).__name__) from err
    if tree is None:
        raise Rejected("parse_error", "no document tree")

    result = _trafilatura(tree, doc.url, options)
    signals = page_signals(tree, doc.url)
    if result is None or not result.text:
        # nothing extracted from a page that says it is a listing: report what it is
        reason = listing_reason(signals) if options.require_article else None
        raise Rejected("not_article", reason) if reason else Rejected("empty_text")
    meta = page_metadata(tree, doc.url, doc.fetched_at)
    facts = PageFacts(meta.title, meta.author, meta.sitename, meta.headings)
    cleaned = clean(blocks_from_body(result.body, page_links(tree, doc.url)), facts, options.chrome)
    if not cleaned.blocks:
        # text that was all chrome and link lists came from a listing, not from an empty article
        raise Rejected(
            "not_article" if options.require_article else "empty_text", "only site chrome and links"
        )
    if options.require_article:
        reason = not_article_reason(cleaned.blocks, signals, options.article)
        if reason:
            raise Rejected("not_article", reason)

    doc.text = "\n\n".join(block.text for block in cleaned.blocks)
    doc.title = meta.title
    doc.author = meta.author
    doc.published = meta.published
    doc.sitename = meta.sitename
    doc.language = meta.language
    doc.canonical_url = meta.canonical_url
    doc.html = ""
    return doc


def _trafilatura(tree: HtmlElement, url: str, options: ExtractOptions) -> TrafilaturaDocument | None:
    """The fast cascade, then the full one (readability/jusText comparison) when the text is short."""
    first = _run(tree, url, options, fast=options.fast_first)
    if not options.fast_first or (first is not None and len(first.text or "") >= options.full_below_chars):
        return first
    full = _run(tree, url, options, fast=False)
    if full is None or (first is not None and len(full.text or "") <= len(first.text or "")):
        return first
    return full


def _run(tree: HtmlElement, url: str, options: ExtractOptions, fast: bool) -> TrafilaturaDocument | None:
    try:
        result = bare_extraction(
            tree,  # parsed from str by trafilatura's own loader: bytes never reach it
            url=url,
            fast=fast,
            favor_precision=options.favor_precision,
            include_comments=False,
            include_tables=options.include_tables,
            deduplicate=False,
            with_metadata=False,  # pipelines.metadata reads it, without the parts we do not keep
            config=_trafilatura_config(options),
        )
    except _PARSE_ERRORS as err:
        raise Rejected("parse_error", type(err).__name__) from err
    return result if isinstance(result, TrafilaturaDocument) else None


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
