"""From trafilatura's output tree to text blocks, one per paragraph, heading, list item or line.

Blocks keep the structure chrome rules need: which element a line came from, and whether the
whole line is the text of one link on the page (headline lists and "read more" links are; body
paragraphs almost never are). Only links that leave the page count: a table of contents links to
the article's own headings (`href="#section"`), which are the body's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura.xml import xmltotxt

from seedcrawl.pipelines.chrome import Block, LineMemo
from seedcrawl.pipelines.chrome_patterns import normalize

_SPACES = re.compile(r"[ \t\u00a0]+")
# a link text has to be this long before a line equal to it counts as "linked": short ones
# ("Europe", "Reuters") also occur as ordinary headings
_MIN_LINK_CHARS = 12
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CARDS = frozenset({"li", "div", "article", "section"})
_MAX_CARD_PARAGRAPHS = 3
_MAX_CARD_WORDS = 80


@dataclass(frozen=True, slots=True)
class PageLinks:
    """What the page's links say about lines of text: link texts, and the teasers printed
    under headline links to other pages (the cards of home, section and related lists)."""

    anchors: frozenset[str] = frozenset()  # not those of links to a part of the page itself
    teasers: frozenset[str] = frozenset()


def page_links(tree: HtmlElement, url: str) -> PageLinks:
    """Normalised link texts (long enough to be headlines or calls to action) and card teasers."""
    here = _path(url, "")
    anchors: set[str] = set()
    teasers: set[str] = set()
    for anchor in tree.iter("a"):
        text = normalize(anchor.text_content())
        if len(text) < _MIN_LINK_CHARS:
            continue
        href = (anchor.get("href") or "").strip()
        if not (href.startswith("#") or ("#" in href and _path(url, href) == here)):
            anchors.add(text)
        # a headline linking to the page itself heads the article, not a card
        if (
            len(text.split()) >= 4
            and (found := _card_teasers(anchor))
            and not href.startswith("#")
            and href
            and _path(url, href) != here
        ):
            teasers.update(found)
    return PageLinks(frozenset(anchors), frozenset(teasers))


def _path(url: str, href: str) -> str:
    try:
        return urlsplit(urljoin(url, href)).path.rstrip("/")
    except ValueError:
        return ""


def _card_teasers(anchor: HtmlElement) -> list[str]:
    """Paragraphs of the small card a headline link heads ([li|div|article] > [h2 >] a + p)."""
    holder = anchor.getparent()
    if holder is not None and holder.tag in _HEADINGS:
        holder = holder.getparent()
    if holder is None or holder.tag not in _CARDS:
        return []
    # stop early: when the "card" is a whole page column, its paragraphs are not worth reading
    paragraphs = [
        normalize(p.text_content()) for p in islice(holder.iterfind(".//p"), _MAX_CARD_PARAGRAPHS + 1)
    ]
    # a card holds a line or two; anything bigger is a page section, not a teaser
    if (
        not paragraphs
        or len(paragraphs) > _MAX_CARD_PARAGRAPHS
        or sum(len(p.split()) for p in paragraphs) > _MAX_CARD_WORDS
    ):
        return []
    return [p for p in paragraphs if len(p.split()) >= 6]


def blocks_from_body(body: _Element, links: PageLinks, memo: LineMemo | None = None) -> list[Block]:
    """Split trafilatura's output body into blocks, in document order; `memo` holds the page's
    lines already seen (another run's output for the same page)."""
    memo = memo if memo is not None else LineMemo()
    blocks: list[Block] = []
    for child in body:
        if child.tag == "list":
            parts = [(_text(item), "item") for item in child.findall("item")]
        else:
            parts = [(_text(child), str(child.tag))]
        # text right after an element at body level is a paragraph of its own (trafilatura
        # leaves a heading's following text there when the source had no <p> around it)
        if child.tail and child.tail.strip():
            parts.append((child.tail, "p"))
        for text, tag in parts:
            lines = [text] if tag in ("code", "table") else text.split("\n")
            for line in lines:
                key = (line, tag)
                block = (
                    memo.lines[key]
                    if key in memo.lines
                    else memo.lines.setdefault(key, _block(*key, links, memo))
                )
                if block is not None:
                    blocks.append(block)
    return blocks


def _block(line: str, tag: str, links: PageLinks, memo: LineMemo) -> Block | None:
    line = _SPACES.sub(" ", line).strip()
    if not line:
        return None
    norm = memo.norm(line)
    return Block(line, tag, _is_linked(norm, links.anchors), norm in links.teasers)


def _is_linked(norm: str, anchors: frozenset[str], max_words: int = 30, min_share: float = 0.6) -> bool:
    """Whether most of a line is the text of one link, with perhaps a date or label around it."""
    if norm in anchors:
        return True
    words = norm.split(" ")
    if len(words) > max_words or len(norm) < _MIN_LINK_CHARS:
        return False
    # longest first: a headline link followed or preceded by a date, a source, a [VIDEO] label
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[-cut:])
        if len(head) < min_share * len(norm):
            return False
        if head in anchors or tail in anchors:
            return True
    return False


def _text(element: _Element) -> str:
    """Text of one output element, without the tail that belongs to its parent."""
    tail, element.tail = element.tail, None
    try:
        return xmltotxt(element, False)
    finally:
        element.tail = tail
