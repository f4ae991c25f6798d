"""Feed entries (RSS 2.0 and 0.9x, RSS 1.0/RDF, Atom 1.0) read from already-parsed XML elements.

Parsing bytes safely is `crawler.discovery`'s job; this module only turns one ``<item>`` or
``<entry>`` element into an entry. Feeds in the wild mix namespaces and date formats freely, so
names are matched by local name and every date format seen in practice is tried.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from seedcrawl.crawler.discover.sitemaps import (
    absolute_http_url,
    element_text,
    local_name,
    parse_w3c_datetime,
)

# Atom links that are the entry itself; "enclosure", "replies", "edit" and the like are not.
_ENTRY_LINK_RELS = frozenset({"", "alternate"})
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_DATE_ELEMENTS = ("pubDate", "published", "issued", "date", "created", "updated", "modified")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class AnnouncedLink:
    """A ``<link>`` of an HTML page pointing at its feed (or, with rel="sitemap", its sitemap)."""

    url: str
    title: str | None
    is_sitemap: bool


def parse_feed_date(text: str | None) -> datetime | None:
    """An RFC 822 date (RSS) or a W3C/RFC 3339 one (Atom, Dublin Core), as aware UTC.

    >>> parse_feed_date("Tue, 12 May 2015 14:05:00 GMT")
    datetime.datetime(2015, 5, 12, 14, 5, tzinfo=datetime.timezone.utc)
    """
    if not text or not text.strip():
        return None
    text = text.strip()[:128]
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_w3c_datetime(text)
    if moment.tzinfo is None:  # "-0000" means "zone unknown"; UTC is the only sane reading
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) == name]


def _first_date(element: etree._Element) -> datetime | None:
    by_name = {local_name(child): child for child in reversed(list(element))}
    for name in _DATE_ELEMENTS:
        if name in by_name and (moment := parse_feed_date(element_text(by_name[name]))):
            return moment
    return None


def _rss_url(item: etree._Element, base: str) -> str | None:
    # FeedBurner rewrites <link> to a click-counting redirect and keeps the real URL in origLink.
    links = _children(item, "origLink") + _children(item, "link")
    hrefs = [link.get("href") for link in links if link.get("rel", "").strip().lower() in _ENTRY_LINK_RELS]
    for href in [link.text for link in links] + hrefs:
        url = absolute_http_url(href, base)
        if url:
            return url
    for guid in _children(item, "guid"):
        if guid.get("isPermaLink", "true").strip().lower() != "false":
            url = absolute_http_url(guid.text, base)
            if url:
                return url
    return None


def _atom_url(entry: etree._Element, base: str) -> str | None:
    candidates = [
        link
        for link in _children(entry, "link")
        if link.get("rel", "").strip().lower() in _ENTRY_LINK_RELS and link.get("href")
    ]
    # An entry may offer several alternates (HTML, PDF, other languages); the HTML one is the page.
    candidates.sort(
        key=lambda link: link.get("type", "text/html") not in {"text/html", "application/xhtml+xml"}
    )
    for link in candidates:
        url = absolute_http_url(link.get("href"), base)
        if url:
            return url
    for child in _children(entry, "origLink"):
        url = absolute_http_url(child.text, base)
        if url:
            return url
    return None


def feed_entry(element: etree._Element, base: str) -> FeedEntry | None:
    """Read an RSS/RDF ``<item>`` or an Atom ``<entry>``; None when it links to no http(s) page."""
    name = local_name(element)
    if name == "item":
        url = _rss_url(element, base)
    elif name == "entry":
        url = _atom_url(element, base)
    else:
        return None
    if url is None:
        return None
    titles = _children(element, "title")
    return FeedEntry(url, element_text(titles[0]) if titles else None, _first_date(element))


def announced_links(html: bytes, page_url: str, max_links: int) -> list[AnnouncedLink]:
    """The feeds and sitemaps an HTML page announces in ``<link>`` elements, first of each URL kept."""
    base = page_url
    found: dict[str, AnnouncedLink] = {}
    if not html.strip():
        return []
    events = etree.iterparse(
        io.BytesIO(html), events=("start",), tag=("base", "link"), html=True, no_network=True, recover=True
    )
    try:
        for _event, element in events:
            if element.tag == "base":
                if base == page_url:  # only the first <base> counts, as in browsers
                    base = absolute_http_url(element.get("href"), page_url) or page_url
                continue
            rel = (element.get("rel") or "").lower().split()
            mime = (element.get("type") or "").split(";")[0].strip().lower()
            is_feed = "alternate" in rel and mime in _FEED_TYPES
            url = absolute_http_url(element.get("href"), base) if is_feed or "sitemap" in rel else None
            if url and url not in found and len(found) < max_links:
                title = " ".join((element.get("title") or "").split())[:1000] or None
                found[url] = AnnouncedLink(url, title, is_sitemap=not is_feed)
    except etree.XMLSyntaxError:
        pass  # keep what was found before the markup broke down
    return list(found.values())
