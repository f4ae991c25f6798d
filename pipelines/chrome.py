"""Site chrome left in extracted text, removed by kind with general line-level rules.

trafilatura already drops navigation, asides, forms and footers by markup. What survives is text
that sits inside the article container: appeals, newsletter boxes, share rows, "read more" links,
related-headline lists, captions. Each rule here names one kind of chrome and is deliberately
narrow: a block is dropped only when it is short and matches a strong pattern, or when it is part
of a run of chrome at the very start or end of the text (where appeals and comment forms live)
and matches a weaker, reader-addressing pattern. A body sentence that merely mentions "support"
or "subscription" matches neither. Every decision is counted by kind, so benchmarks can report
what each kind removes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from seedcrawl.pipelines.chrome_patterns import (
    DATELINE,
    END_MARKERS,
    SHORT_RULES,
    SIGN_OFFS,
    WEAK_RULES,
    normalize,
)
from seedcrawl.pipelines.words import word_count

KINDS = frozenset(rule.kind for rule in SHORT_RULES) | {"related", "headline", "byline", "duplicate", "tail"}


_RELATED_LABEL = re.compile(r"^\W*related\b[^:]*:\s*$", re.IGNORECASE)
# "By Jane Doe", "Posted by JANE DOE, AP": a name after the word, and no sentence ending
_BYLINE = re.compile(r"^\W*(?i:by|posted by|written by|von|par|por)\s+[A-ZÀ-Þ][^.!?]*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of extracted text with the structure it came from."""

    text: str
    tag: str = "p"  # trafilatura output element: p, head, item, quote, table, code
    linked: bool = False  # the whole text is the text of one link on the page
    teaser: bool = False  # the text is printed under a headline link to another page


@dataclass(frozen=True, slots=True)
class ChromeOptions:
    """Which kinds of chrome to remove, and the size bounds the rules rely on."""

    kinds: frozenset[str] = KINDS  # a subset turns rules off, e.g. to measure each kind's gain
    short_words: int = 30  # a strong pattern only removes blocks up to this many words
    run_words: int = 120  # a weak pattern removes blocks up to this long in a leading/trailing run
    lead_blocks: int = 6  # how far into the text headline and byline repeats are looked for
    min_related_run: int = 3  # consecutive short linked blocks that make a related-articles list
    tail_from: float = 0.5  # an end marker cuts the rest only past this share of the text

    def __post_init__(self) -> None:
        unknown = self.kinds - KINDS
        if unknown:
            raise ValueError(f"unknown chrome kinds: {sorted(unknown)}")


@dataclass(slots=True)
class Cleaned:
    """The blocks kept, and how many blocks each kind of chrome removed."""

    blocks: list[Block]
    removed: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the page says about itself, to recognise its headline, byline and name in the text."""

    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    headings: tuple[str, ...] = ()  # the page's <h1> texts: the headline as printed, if the title differs


@dataclass(slots=True)
class LineMemo:
    """What the rules found about each line of one page, kept for the page's next text: its
    precision and recall texts share most of their lines. Valid for one page and one
    `ChromeOptions` only."""

    norms: dict[str, str] = field(default_factory=dict)
    kinds: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (text, tag) -> strong kind
    lines: dict[tuple[str, str], Block | None] = field(default_factory=dict)  # (raw line, tag) -> its block

    def norm(self, text: str) -> str:
        found = self.norms.get(text)
        if found is None:
            found = self.norms[text] = normalize(text)
        return found

    def short_kind(self, block: Block, options: ChromeOptions) -> str | None:
        key = (block.text, block.tag)
        if key not in self.kinds:
            self.kinds[key] = _short_kind(block, options)
        return self.kinds[key]


def clean(
    blocks: list[Block], facts: PageFacts, options: ChromeOptions, memo: LineMemo | None = None
) -> Cleaned:
    """Remove chrome blocks; the order of the remaining blocks is kept."""
    memo = memo if memo is not None else LineMemo()
    # rules match on single-spaced text: a no-break space must not hide "Continue reading at"
    work = [replace(b, text=" ".join(b.text.split())) if "\u00a0" in b.text else b for b in blocks]
    kinds = options.kinds
    keep = [memo.short_kind(b, options) for b in work]
    if "tail" in kinds:
        _cut_tail(work, keep, options)
    if "related" in kinds:
        _mark_link_runs(work, keep, options)
    _mark_sign_off(work, keep, options)
    _mark_edge_runs(work, keep, options)
    norms = [memo.norm(b.text) for b in work]
    _mark_lead(work, norms, keep, facts, options)
    if "duplicate" in kinds:
        _mark_duplicates(work, norms, keep, options)
    removed: Counter[str] = Counter()
    kept = []
    for block, verdict in zip(blocks, keep, strict=True):
        if verdict is None:
            kept.append(block)
        else:
            removed[verdict] += 1
    return Cleaned(kept, removed)


def _short_kind(block: Block, options: ChromeOptions) -> str | None:
    """The chrome kind a block is by a strong pattern, or None (kept)."""
    text = block.text.strip()
    if not any(ch.isalnum() for ch in text):
        return "misc" if "misc" in options.kinds else None
    if word_count(text) > options.short_words or block.tag in ("table", "code"):
        return None
    folded = text.casefold()
    for rule in SHORT_RULES:
        if rule.kind in options.kinds and rule.matches(text, folded):
            return rule.kind
    return None


def _cut_tail(blocks: list[Block], keep: list[str | None], options: ChromeOptions) -> None:
    """After a comments/related-section heading late in the text, everything is chrome."""
    total = sum(len(b.text) for b in blocks)
    seen = 0
    for i, block in enumerate(blocks):
        if (
            seen >= options.tail_from * total
            and word_count(block.text) <= 8
            and END_MARKERS.search(block.text)
            and not _labels_next(block, blocks[i + 1 : i + 2])
        ):
            for j in range(i, len(blocks)):
                keep[j] = keep[j] or "tail"
            return
        seen += len(block.text)


def _labels_next(marker: Block, following: list[Block]) -> bool:
    """Whether a "Related:" marker is an inline label: the story goes on after it (a paragraph,
    a subheading), not a list of headline links. Only the label line is chrome then. A
    "Comments:" heading is followed by comments, which are not links either: it still cuts."""
    if not _RELATED_LABEL.match(marker.text) or not following:
        return False
    return not (following[0].linked or following[0].teaser)


def _mark_link_runs(blocks: list[Block], keep: list[str | None], options: ChromeOptions) -> None:
    """Runs of short blocks that are each a whole link, or a bare date, are headline lists."""

    def listy(i: int) -> bool:
        block = blocks[i]
        if keep[i] is not None:
            return True
        short = word_count(block.text) <= options.short_words
        return short and (block.linked or bool(DATELINE.search(block.text)))

    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and listy(j):
            j += 1
        linked = sum(1 for k in range(i, j) if blocks[k].linked)
        fresh = any(keep[k] is None for k in range(i, j))
        edge = i == 0 or j == len(blocks)
        # a list of links in the middle of the text, under no "Related" heading, is the article's
        # own list (the certifications, tools or sources it names), not a list of other articles
        own_list = not edge and all(blocks[k].tag == "item" for k in range(i, j) if keep[k] is None)
        own_list = own_list and all(keep[k] is None for k in range(i, j))
        if fresh and not own_list and (linked >= options.min_related_run or (linked >= 2 and edge)):
            for k in range(i, j):
                keep[k] = keep[k] or "related"
        i = max(j, i + 1)


def _mark_sign_off(blocks: list[Block], keep: list[str | None], options: ChromeOptions) -> None:
    """The last one or two blocks before any trailing chrome, when they sign the article off."""
    marked = 0
    for i in range(len(blocks) - 1, -1, -1):
        if keep[i] is not None:
            continue
        text = blocks[i].text
        folded = text.casefold()
        rule = next((r for r in SIGN_OFFS if r.kind in options.kinds and r.matches(text, folded)), None)
        if rule is None or word_count(text) > options.run_words:
            return
        keep[i] = rule.kind
        marked += 1
        if marked == 2:
            return


def _mark_edge_runs(blocks: list[Block], keep: list[str | None], options: ChromeOptions) -> None:
    """Extend chrome at the start and the end of the text over blocks with a weak chrome pattern.

    A weak match alone proves little ("your support" may be quoted in the story), so a run is
    only removed when it also holds a block some strong rule already marked.
    """
    order = list(range(len(blocks)))
    for indices in (order, order[::-1]):
        run: list[tuple[int, str]] = []
        anchored = False
        for i in indices:
            if keep[i] is not None:
                anchored = True
                continue
            kind = _weak_kind(blocks[i], options)
            if kind is None:
                break
            run.append((i, kind))
        if anchored:
            for i, kind in run:
                keep[i] = kind


def _weak_kind(block: Block, options: ChromeOptions) -> str | None:
    if word_count(block.text) > options.run_words:
        return None
    # cards of other articles (a headline link, a teaser under it) next to chrome are a related list
    if "related" in options.kinds and (
        block.teaser or (block.linked and word_count(block.text) <= options.short_words)
    ):
        return "related"
    folded = block.text.casefold()
    for rule in WEAK_RULES:
        if rule.kind in options.kinds and rule.matches(block.text, folded):
            return rule.kind
    return None


def _mark_lead(
    blocks: list[Block], norms: list[str], keep: list[str | None], facts: PageFacts, options: ChromeOptions
) -> None:
    """The headline and byline repeated at the top of the text (chrome before them not counted),
    and the site's own name standing alone anywhere."""
    titles: set[str] = set()
    if "headline" in options.kinds:
        for candidate in (facts.title, *facts.headings):
            titles |= _title_variants(candidate)
    authors = {normalize(a) for a in re.split(r"[;,]|\band\b", facts.author or "") if a.strip()}
    site = normalize(facts.sitename or "")
    lead = set([i for i, verdict in enumerate(keep) if verdict is None][: options.lead_blocks])
    for i, block in enumerate(blocks):
        if keep[i] is not None:
            continue
        norm = norms[i]
        if site and norm == site and "misc" in options.kinds:
            keep[i] = "misc"
        elif i not in lead:
            continue
        elif norm in titles:
            keep[i] = "headline"
        elif (
            "byline" in options.kinds
            and word_count(block.text) <= 8
            and (norm in authors or _BYLINE.match(block.text))
        ):
            keep[i] = "byline"


def _title_variants(title: str | None) -> set[str]:
    """The title, and its parts around a " | " or " - " site-name separator."""
    if not title:
        return set()
    variants = {normalize(title)}
    for part in re.split(r"\s+[|\-–—:]\s+", title):
        if word_count(part) >= 3:
            variants.add(normalize(part))
    variants.discard("")
    return variants


def _mark_duplicates(
    blocks: list[Block], norms: list[str], keep: list[str | None], options: ChromeOptions
) -> None:
    """A paragraph repeated right after itself (a caption shown twice), or repeating one of the
    first paragraphs (a standfirst printed again as the lede), is kept once. Repeats deeper in
    the text stay: recipes, tables of contents and Q&A pages repeat lines on purpose."""
    lead = set([i for i, verdict in enumerate(keep) if verdict is None][: options.lead_blocks])
    lead_texts: set[str] = set()
    previous = ""
    for i, block in enumerate(blocks):
        norm = norms[i]
        if keep[i] is None and (norm == previous or norm in lead_texts):
            keep[i] = "duplicate"
        elif i in lead and word_count(block.text) >= 10:
            lead_texts.add(norm)
        previous = norm
