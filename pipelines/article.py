"""Is a page one article, or a home, section, tag, listing or error page?

The verdict combines what the page declares about itself (og:type, the schema.org @type of its
JSON-LD) with what its extracted text looks like: how many words and sentences it has, and how
much of it is short link text (headline lists) or list items. A declared article needs less text
to pass; a page that declares itself a collection or a product, or is a site's home page, and does
not declare an article, is not one whatever its text. Nor is a page whose URL path names a taxonomy
archive, `/tag/<term>`, `/category/<term>` or a shop's `/collections/<term>` (the conventions of
WordPress, WooCommerce, Ghost, Hugo, Drupal and Shopify), unless its JSON-LD declares an article.
og:type `article` alone saves neither such a page nor one whose JSON-LD declares a collection,
because some themes print it on every page, their tag and category archives included; it does save
a product page (review sites describe the product they review at the top level).

A page at a site's root that holds one `<article>` element with a headline and a long body (a
personal site or blog whose root is its one article) is not taken for a home page by its URL: home
pages list several articles, or none in such an element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml.html import HtmlElement

from seedcrawl.pipelines.chrome import Block
from seedcrawl.pipelines.words import word_count

ARTICLE_TYPES = frozenset(
    t.lower()
    for t in (
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting", "LiveBlogPosting",
        "Report", "ScholarlyArticle", "TechArticle", "SatiricalArticle", "SocialMediaPosting", "Review",
    )
)  # fmt: skip
# page types, not entities: WebSite (a search box) and ItemList (a carousel) also sit on article pages
LISTING_TYPES = frozenset(t.lower() for t in ("CollectionPage", "SearchResultsPage", "ProfilePage"))
# an entity, but as a top-level (or @graph) entity it is what the page is about: a shop's product or
# category page (a review's product is nested under its itemReviewed, and is not read here)
PRODUCT_TYPES = frozenset(t.lower() for t in ("Product", "ProductGroup", "ProductModel", "IndividualProduct"))
# a path segment that names the taxonomy the next segment is a term of; "collection" (singular) and
# "topics" are left out, since magazines file articles under them (/collection/moseley-coffee)
ARCHIVE_SEGMENTS = frozenset(
    {"tag", "tags", "category", "categories", "collections", "product-category", "product-tag"}
)  # the last two: WooCommerce's
_TYPE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_ROOT_ARTICLE_WORDS = 200  # a body in <p> elements, not a teaser card's lines
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?:\s|$)|[。！？]")


@dataclass(frozen=True, slots=True)
class ArticleRules:
    """Thresholds of the article test."""

    # words in prose blocks (not short, not link text); short news items exist, so these are low
    min_words: int = 20  # when the page declares itself an article: a news brief is 20-40 words
    min_words_undeclared: int = 60
    min_sentences: int = 2
    max_link_share: float = 0.5  # share of text that is whole-link blocks (headline lists)
    # share of text in list items, for pages not declaring an article: listicles ("9 alternatives
    # to X") are 95-98% list items, so only a page that is nothing but a list is rejected by it
    # (on wcxb-dev, 0.8 rejected two such articles for three more listings rejected)
    max_item_share: float = 0.99
    max_teaser_share: float = 0.5  # share of text in card teasers, for pages not declaring an article
    short_words: int = 10


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What a page says about its own type."""

    og_type: str | None
    schema_types: frozenset[str]  # lower-cased JSON-LD @type values
    site_root: bool  # the URL path is "/" (a home page) and the page is not one long <article>
    archive_path: bool = False  # the URL path names a tag, category or collection archive

    @property
    def declared_article(self) -> bool:
        return self.og_type == "article" or self.json_ld_article

    @property
    def json_ld_article(self) -> bool:
        """An article entity in the JSON-LD: unlike og:type `article`, which some themes print on
        every page, it is written for the page it is on."""
        return bool(self.schema_types & ARTICLE_TYPES)

    @property
    def archive(self) -> bool:
        """An archive URL, and no JSON-LD article."""
        return self.archive_path and not self.json_ld_article

    @property
    def declared_listing(self) -> bool:
        """A collection, search results or profile page in the JSON-LD, and no JSON-LD article."""
        return (
            not self.json_ld_article
            and bool(self.schema_types & LISTING_TYPES)
            and "webpage" not in self.schema_types
        )

    @property
    def declared_product(self) -> bool:
        """og:type `product` (`product.group`, `product.item`) or a product entity, and no article."""
        og_product = (self.og_type or "").split(".")[0] == "product"
        return not self.declared_article and (og_product or bool(self.schema_types & PRODUCT_TYPES))


def page_signals(tree: HtmlElement, url: str) -> PageSignals:
    """Read og:type and the JSON-LD page types (top-level and @graph entities, not nested ones)."""
    og_type = None
    for meta in tree.iterfind(".//meta[@property='og:type']"):
        og_type = (meta.get("content") or "").strip().lower() or None
        break
    types: set[str] = set()
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        types.update(_json_ld_types(script.text or ""))
    try:
        parts = urlsplit(url)
    except ValueError:  # an unparsable URL (bad IPv6 literal) says nothing about the page type
        return PageSignals(og_type, frozenset(types), False)
    root = bool(parts.netloc) and parts.path in ("", "/", "/index.html", "/index.php") and not parts.query
    return PageSignals(
        og_type, frozenset(types), root and not _one_long_article(tree), _archive_path(parts.path)
    )


def _archive_path(path: str) -> bool:
    """Whether a segment of `path` before its last one names a taxonomy archive (`/tag/climate/`)."""
    segments = [segment.lower() for segment in unquote(path).split("/") if segment]
    return any(segment in ARCHIVE_SEGMENTS for segment in segments[:-1])


def _one_long_article(tree: HtmlElement) -> bool:
    """Whether the page holds exactly one <article> element, with a headline and a long body."""
    articles = list(tree.iter("article"))
    if len(articles) != 1:
        return False
    article = articles[0]
    headline = next(article.iter("h1", "h2"), None) is not None or bool(
        article.xpath(".//*[@itemprop='headline']")
    )
    words = 0
    for paragraph in article.iter("p"):
        words += word_count(paragraph.text_content())
        if words >= _ROOT_ARTICLE_WORDS:
            return headline
    return False


def _json_ld_types(text: str) -> set[str]:
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        # broken JSON-LD is common; every "@type" in it is the best that can be read
        return {t for match in _TYPE.finditer(text) for t in _type_names(_loads_or_none(match.group(1)))}
    entities = data if isinstance(data, list) else [data]
    graph = [e for entity in entities if isinstance(entity, dict) for e in entity.get("@graph") or []]
    return {
        t for entity in entities + graph if isinstance(entity, dict) for t in _type_names(entity.get("@type"))
    }


def _loads_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _type_names(value: object) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {v.strip().lower().rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def listing_reason(signals: PageSignals) -> str | None:
    """Why a page is a home or listing page by what it declares or its URL names, or None."""
    # what the page declares first, then what its URL names
    if signals.declared_listing:
        return "declares " + "/".join(sorted(signals.schema_types & LISTING_TYPES))
    if signals.declared_product:
        return "declares a product page"
    if signals.archive:
        return "URL names a tag, category or collection archive"
    if signals.declared_article:
        return None
    if signals.site_root:
        return "site home page"
    return None


def not_article_reason(blocks: Sequence[Block], signals: PageSignals, rules: ArticleRules) -> str | None:
    """Why the extracted text is not one article, or None when it is. What the page declares or its
    URL names is `listing_reason`'s, which the extract step asks before it extracts any text."""
    counts = [word_count(b.text) for b in blocks]
    # prose: blocks that are long, or short but a whole sentence (a brief's last line), never link text
    prose = sum(
        n
        for b, n in zip(blocks, counts, strict=True)
        if not b.linked and (n >= rules.short_words or (n >= 3 and _SENTENCE_END.search(b.text[-3:])))
    )
    needed = rules.min_words if signals.declared_article else rules.min_words_undeclared
    if prose < needed:
        return f"{prose} words of prose < {needed}"
    sentences = sum(len(_SENTENCE_END.findall(b.text)) for b in blocks)
    # short news items declared as articles may be two lines without a full stop: trust the declaration
    if sentences < rules.min_sentences and not signals.declared_article:
        return f"{sentences} sentences < {rules.min_sentences}"
    chars = sum(len(b.text) for b in blocks) or 1
    link_share = sum(len(b.text) for b in blocks if b.linked) / chars
    if link_share > rules.max_link_share:
        return f"link text {link_share:.0%} of the text"
    if not signals.declared_article:
        # section and tag pages without markup: teasers printed under headline links to other pages
        teaser_share = sum(len(b.text) for b in blocks if b.teaser) / chars
        if teaser_share > rules.max_teaser_share:
            return f"teasers of other pages {teaser_share:.0%} of the text"
        item_share = sum(len(b.text) for b in blocks if b.tag == "item") / chars
        if item_share > rules.max_item_share:
            return f"list items {item_share:.0%} of the text"
    return None
