"""Sitemap entries (sitemaps.org 0.9 and Google News), and the XML element stream feeds share.

`safe_iterparse` and `stream_records` read untrusted XML incrementally with entities, DTDs and the
network off, pruning what has been read so memory stays flat; `crawler.discovery` adds the size
bounds and refuses documents that declare entities. `sitemap_entry` turns one ``<url>`` or
``<sitemap>`` element into an entry. Element names are matched by local name, ignoring namespaces,
because real sitemaps often declare the wrong one (or none) and are still meant to be read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from lxml import etree

MAX_TITLE_CHARS = 1000
MAX_URL_CHARS = 2048  # what browsers and most servers accept; longer ones are generated junk
RECORDS = frozenset({"item", "entry", "url", "sitemap"})  # RSS/RDF, Atom, urlset, sitemapindex
# Children that records are read from; anything else inside a record may be dropped.
_READ_CHILDREN = frozenset(
    {"loc", "lastmod", "news", "publication_date", "title", "link", "guid", "origLink"}
    | {"pubDate", "published", "issued", "date", "created", "updated", "modified"}
)
_MAX_HELD_ELEMENTS = 100_000

_W3C_DATETIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` of a urlset (is_sitemap False) or one ``<sitemap>`` of an index (True)."""

    url: str
    is_sitemap: bool
    lastmod: datetime | None = None
    news_title: str | None = None
    news_published: datetime | None = None
    is_news: bool = False


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A W3C datetime (the ISO 8601 profile sitemaps and Atom use) as an aware UTC datetime.

    Partial dates mean their first instant; a missing zone means UTC. Unparseable input gives None.

    >>> parse_w3c_datetime("2015-05-12T10:30:00+03:00")
    datetime.datetime(2015, 5, 12, 7, 30, tzinfo=datetime.timezone.utc)
    >>> parse_w3c_datetime("2015-05")
    datetime.datetime(2015, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if not text:
        return None
    match = _W3C_DATETIME.fullmatch(text.strip()[:64])
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def element_text(element: etree._Element | None, limit: int = MAX_TITLE_CHARS) -> str | None:
    """All text inside an element, whitespace collapsed, cut to `limit` characters; None if empty."""
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text[:limit] or None


def absolute_http_url(href: str | None, base: str) -> str | None:
    """`href` resolved against `base`, if the result is a plausible http(s) URL."""
    if not href:
        return None
    href = href.strip()
    if not href or len(href) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in href):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or len(url) > MAX_URL_CHARS:
        return None
    return url


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if local_name(child) == name:
            return child
    return None


def sitemap_entry(element: etree._Element, base: str) -> SitemapEntry | None:
    """Read a ``<url>`` or ``<sitemap>`` element; None when it has no usable ``<loc>``."""
    name = local_name(element)
    if name not in {"url", "sitemap"}:
        return None
    url = absolute_http_url(element_text(_child(element, "loc"), MAX_URL_CHARS), base)
    if url is None:
        return None
    lastmod = parse_w3c_datetime(element_text(_child(element, "lastmod")))
    news = _child(element, "news")
    if name == "sitemap" or news is None:
        return SitemapEntry(url, is_sitemap=name == "sitemap", lastmod=lastmod)
    return SitemapEntry(
        url,
        is_sitemap=False,
        lastmod=lastmod,
        news_title=element_text(_child(news, "title")),
        news_published=parse_w3c_datetime(element_text(_child(news, "publication_date"))),
        is_news=True,
    )


def text_sitemap_urls(text: str, base: str, max_urls: int) -> tuple[list[str], bool]:
    """URLs of a plain-text sitemap (one per line), and whether `max_urls` cut the list short."""
    urls: list[str] = []
    for line in text.splitlines():
        url = absolute_http_url(line, base) if line.strip() else None
        if url is None:
            continue
        if len(urls) >= max_urls:
            return urls, True
        urls.append(url)
    return urls, False


def robots_sitemap_urls(text: str, robots_url: str, max_urls: int) -> list[str]:
    """The URLs of a robots.txt's ``Sitemap:`` lines (any case, anywhere, comments stripped)."""
    urls: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "sitemap":
            continue
        url = absolute_http_url(value.split(" #", 1)[0].strip(), robots_url)
        if url and len(urls) < max_urls:
            urls.append(url)
    return urls


def safe_iterparse(data: bytes) -> etree.iterparse:
    """Incremental XML events with entity resolution, DTD loading and network access off."""
    return etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,  # keeps libxml2's depth and text-size limits
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def stream_records(events: etree.iterparse) -> Iterator[etree._Element]:
    """The root element as soon as it opens, then each record (item, entry, url, sitemap) once read.

    A record is only valid until the next one is requested: read records are pruned from the tree.
    """
    depth = 0
    held = 0  # elements read since the tree was last pruned
    for event, element in events:
        if event == "start":
            if depth == 0:
                yield element
            depth += 1
            continue
        depth -= 1
        held += 1
        name = local_name(element)
        if name in RECORDS:
            yield element
        parent = element.getparent()
        if depth == 1 or name in RECORDS:
            # A read record (or a child of the root, such as an RSS channel) and everything
            # before it can go.
            held = 0
            element.clear()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
        elif held > _MAX_HELD_ELEMENTS and parent is not None and name not in _READ_CHILDREN:
            parent.remove(element)  # a record stuffed with junk: drop the junk as it arrives
