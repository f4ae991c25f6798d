"""Focus: request priorities from topic relevance, or breadth-first order when there is no topic.

Scrapy's scheduler orders requests by an integer priority. Here relevance in [0, 1] becomes an
integer in [0, SCALE], fine enough that two links differing by a millionth of a score keep their
order. Discovery documents (seeds, robots.txt sitemaps, feeds, sitemaps) sit in a band above every
page: they are few, cheap, and list the articles themselves.

With a topic, a link's priority is `TopicProfile.score_link(url, anchor, parent_score)`: its
anchor text (a feed's or news sitemap's title), its URL slug, and a share of the relevance of the
page it was found on. Listing pages ("World", "Older", `/tag/russia/`) rarely name the topic in
their anchors, yet they are how articles without telling anchors are reached, so they never rank
below `listing_floor`. Without a topic, priority is minus the depth: breadth-first, first found
first within a depth, as the frontier breaks ties by discovery order.

A page's own relevance comes from cheap text: the title, headings and `<p>` elements of the
already-parsed response (no extraction); bench/focus.py measures what it costs per page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin

from parsel import Selector
from scrapy.settings import BaseSettings

from seedcrawl.contract.records import TOPIC_FILE
from seedcrawl.contract.topic import TopicProfile
from seedcrawl.crawler.discover.listing import looks_like_listing
from seedcrawl.outdir.atomic import write_bytes_atomically

logger = logging.getLogger(__name__)

SCALE = 1_000_000
DISCOVERY_PRIORITY = 3 * SCALE
# Above discovery documents and pages: a page's requisites go out right after it.
REQUISITE_PRIORITY = DISCOVERY_PRIORITY + 1

MAX_TEXT_CHARS = 200_000  # enough for any article; a page with more <p> text is not one
MAX_CONTEXT_CHARS = 300  # a teaser or standfirst; a longer block is a whole section, not one link's
_CONTEXT_TAGS = frozenset({"li", "p", "td", "dd", "dt", "figure", "article"})
_CONTEXT_LEVELS = 3
_TEXT_XPATH = "//title//text() | //h1//text() | //h2//text() | //p//text()"


class TopicError(ValueError):
    """The topic options cannot make a profile (unreadable file, no usable words)."""


def build_profile(files: Sequence[str | Path], keywords: str | None) -> TopicProfile | None:
    """A profile from example texts and/or keywords, or None when neither is given."""
    paths = [Path(f) for f in files if str(f).strip()]
    words = (keywords or "").strip()
    if not paths and not words:
        return None
    try:
        if paths:
            return TopicProfile.from_files(paths, keywords=words)
        return TopicProfile.from_keywords(words)
    except OSError as exc:
        raise TopicError(f"cannot read topic file {exc.filename}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise TopicError(f"cannot build a topic profile: {exc}") from None


def profile_for_crawl(settings: BaseSettings, state_dir: Path | None) -> TopicProfile | None:
    """The crawl's topic: built from SEEDCRAWL_TOPIC_FILES / SEEDCRAWL_TOPIC and saved in
    DIR/state/topic.json, or the profile an earlier run saved there, or None (breadth-first)."""
    profile = build_profile(settings.getlist("SEEDCRAWL_TOPIC_FILES"), settings.get("SEEDCRAWL_TOPIC"))
    saved = state_dir / TOPIC_FILE if state_dir is not None else None
    if profile is not None:
        if saved is not None:
            write_bytes_atomically(saved, profile.to_json().encode("utf-8"))
        return profile
    if saved is not None and saved.is_file():
        # Processing scores the corpus with this profile anyway; crawling for it keeps the budget
        # for pages processing will keep.
        logger.info("focusing on the topic saved by an earlier run: %s", saved)
        return TopicProfile.load(saved)
    return None


def page_text(selector: Selector) -> str:
    """Title, headings and paragraph text of a parsed page: a cheap stand-in for extraction."""
    text = " ".join(selector.xpath(_TEXT_XPATH).getall())
    return text[:MAX_TEXT_CHARS]


def link_contexts(selector: Selector, base_url: str, max_anchors: int | None = None) -> dict[str, str]:
    """The text around each link (its list item, paragraph or cell), by absolute URL.

    Listings show a teaser beside each headline; a vague headline ("A thaw, for now") over a
    teaser naming Kerry and Lavrov is on the topic, and the teaser is what says so. Only the
    first `max_anchors` anchors are looked at: each reads its whole block, so a page of many
    links in one block would cost the square of their number.
    """
    contexts: dict[str, str] = {}
    root = selector.root
    if not hasattr(root, "iter"):
        return contexts
    for n, anchor in enumerate(root.iter("a")):
        if max_anchors is not None and n >= max_anchors:
            break
        href = anchor.get("href")
        if not href:
            continue
        block, level = anchor.getparent(), 0
        while block is not None and level < _CONTEXT_LEVELS and block.tag not in _CONTEXT_TAGS:
            block, level = block.getparent(), level + 1
        if block is None or block.tag not in _CONTEXT_TAGS:
            continue
        text = " ".join("".join(block.itertext()).split())[:MAX_CONTEXT_CHARS]
        try:
            contexts.setdefault(urljoin(base_url, href.strip()), text)
        except ValueError:
            continue
    return contexts


class Focus:
    def __init__(self, profile: TopicProfile | None, listing_floor: float = 0.3) -> None:
        if not 0.0 <= listing_floor <= 1.0:
            raise ValueError("listing_floor must be within [0, 1]")
        self.profile = profile
        self.listing_floor = listing_floor

    @property
    def enabled(self) -> bool:
        return self.profile is not None

    def page_score(self, selector: Selector) -> float:
        """Relevance of a fetched page in [0, 1]; 0 without a topic."""
        if self.profile is None:
            return 0.0
        return self.profile.score_text(page_text(selector))

    def link_priority(self, url: str, anchor: str, parent_score: float, depth: int) -> int:
        """Scrapy priority of a page link (a canonical URL) found at `depth` hops from a seed."""
        if self.profile is None:
            return -depth
        score = self.profile.score_link(url, anchor, parent_score)
        if looks_like_listing(url):
            score = max(score, self.listing_floor)
        return round(score * SCALE)

    def is_relevant(self, score: float) -> bool:
        return self.profile is not None and score >= self.profile.threshold
