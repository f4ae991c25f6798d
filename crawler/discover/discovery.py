"""Finding article URLs in discovery documents: feeds, sitemaps, robots.txt, HTML autodiscovery.

Every input here is hostile until proven otherwise, so:
- bodies are bounded (`DiscoveryLimits.max_bytes`), and gzip is inflated in steps that stop at the
  bound, so a gzip bomb costs at most the bound in memory;
- XML is read by lxml with entity resolution, DTD loading and network access off, and a document
  that declares entities is refused (`UnsafeDocument`): no billion laughs, no XXE;
- elements are discarded as soon as they are read, and at most `max_links` links are returned;
- broken XML is recovered as far as libxml2 can; when nothing usable is left, `MalformedDocument`.

The caller (the spider) canonicalises, scope-checks and trap-checks what comes back.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from lxml import etree

from seedcrawl.crawler.discover.feeds import announced_links, feed_entry
from seedcrawl.crawler.discover.sitemaps import (
    local_name,
    robots_sitemap_urls,
    safe_iterparse,
    sitemap_entry,
    stream_records,
    text_sitemap_urls,
)


class DocumentKind(StrEnum):
    RSS = "rss"  # RSS 0.9x and 2.0
    RDF = "rdf"  # RSS 1.0
    ATOM = "atom"
    SITEMAP = "sitemap"
    NEWS_SITEMAP = "news_sitemap"  # a urlset whose entries carry <news:news>
    SITEMAP_INDEX = "sitemap_index"
    TEXT_SITEMAP = "text_sitemap"
    ROBOTS = "robots"
    HTML = "html"
    FALLBACK = "fallback"  # a guessed well-known location: a link's source, never a document's kind
    UNKNOWN = "unknown"


class LinkTarget(StrEnum):
    """What fetching a link yields: a page to archive, or another discovery document."""

    PAGE = "page"
    FEED = "feed"
    SITEMAP = "sitemap"


@dataclass(frozen=True, slots=True)
class DiscoveredLink:
    url: str  # absolute http(s), not yet canonicalised
    title: str | None
    published: datetime | None  # aware UTC; a news sitemap's or feed's publication date
    source_kind: DocumentKind
    leads_to: LinkTarget = LinkTarget.PAGE
    modified: datetime | None = None  # a sitemap's <lastmod>


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    kind: DocumentKind
    links: list[DiscoveredLink] = field(default_factory=list)
    truncated: bool = False  # max_links was reached; the rest of the document was not read
    recovered: bool = False  # the XML was broken and was read as far as it could be


@dataclass(frozen=True, slots=True)
class DiscoveryLimits:
    max_bytes: int = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed sitemap
    max_links: int = 50_000  # likewise
    max_robots_bytes: int = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_links, self.max_robots_bytes) <= 0:
            raise ValueError("discovery limits must be positive")


class DiscoveryError(Exception):
    """A discovery document was refused or could not be read; the message says why."""


class DocumentTooLarge(DiscoveryError):
    pass


class UnsafeDocument(DiscoveryError):
    """The XML declares entities (the vehicle of entity-expansion bombs and XXE)."""


class MalformedDocument(DiscoveryError):
    pass


FALLBACK_PATHS: dict[str, LinkTarget] = {
    "/sitemap.xml": LinkTarget.SITEMAP,
    "/sitemap_index.xml": LinkTarget.SITEMAP,
    "/feed": LinkTarget.FEED,
    "/rss.xml": LinkTarget.FEED,
    "/atom.xml": LinkTarget.FEED,
    "/feed.xml": LinkTarget.FEED,
}
_GZIP_MAGIC = b"\x1f\x8b"


def bounded_gunzip(data: bytes, max_bytes: int) -> bytes:
    """Inflate gzip data (all members), refusing with `DocumentTooLarge` past `max_bytes`.

    Memory stays near `max_bytes` whatever the compression ratio, because inflation proceeds in
    steps capped at what is still allowed.
    """
    out = bytearray()
    pending = data
    while pending:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        while not inflater.eof:
            try:
                chunk = inflater.decompress(pending, max_bytes - len(out) + 1)
            except zlib.error as exc:
                if out:  # trailing garbage after whole members: keep what was read
                    return bytes(out)
                raise MalformedDocument(f"bad gzip data: {exc}") from None
            out += chunk
            if len(out) > max_bytes:
                raise DocumentTooLarge(f"inflates to more than {max_bytes} bytes")
            pending = inflater.unconsumed_tail
            if not pending and not chunk:
                break  # input used up and no output held back
        if not inflater.eof:
            break  # truncated member: what was inflated so far is all there is
        pending = inflater.unused_data.lstrip(b"\0")
        if pending[:2] != _GZIP_MAGIC:
            break
    return bytes(out)


def _bounded_body(body: bytes, limits: DiscoveryLimits) -> bytes:
    if body[:2] == _GZIP_MAGIC:
        return bounded_gunzip(body, limits.max_bytes)
    if len(body) > limits.max_bytes:
        raise DocumentTooLarge(f"body of {len(body)} bytes exceeds {limits.max_bytes}")
    return body


def _reject_entities(root: etree._Element) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeDocument("XML declares entities; refused (entity expansion / external entities)")


_ROOT_KINDS = {
    "rss": DocumentKind.RSS,
    "RDF": DocumentKind.RDF,
    "feed": DocumentKind.ATOM,
    "urlset": DocumentKind.SITEMAP,
    "sitemapindex": DocumentKind.SITEMAP_INDEX,
    "html": DocumentKind.HTML,
}


def _element_link(element: etree._Element, url: str, kind: DocumentKind) -> DiscoveredLink | None:
    if kind in {DocumentKind.SITEMAP, DocumentKind.SITEMAP_INDEX}:
        entry = sitemap_entry(element, url)
        if entry is None:
            return None
        source = DocumentKind.NEWS_SITEMAP if entry.is_news else kind
        target = LinkTarget.SITEMAP if entry.is_sitemap else LinkTarget.PAGE
        return DiscoveredLink(
            entry.url, entry.news_title, entry.news_published, source, target, entry.lastmod
        )
    found = feed_entry(element, url)
    return DiscoveredLink(found.url, found.title, found.published, kind) if found else None


def parse_xml(data: bytes, url: str, limits: DiscoveryLimits | None = None) -> DiscoveryResult:
    """Read a feed or sitemap (already inflated; see `parse_document`), incrementally."""
    limits = limits or DiscoveryLimits()
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(f"document of {len(data)} bytes exceeds {limits.max_bytes}")
    events = safe_iterparse(data)
    records = stream_records(events)
    root: etree._Element | None = None
    links: list[DiscoveredLink] = []
    try:
        root = next(records, None)
        if root is None:
            raise MalformedDocument("no XML element found")
        _reject_entities(root)
        kind = _ROOT_KINDS.get(local_name(root), DocumentKind.UNKNOWN)
        if kind is DocumentKind.HTML:  # XHTML, or HTML without a doctype
            return DiscoveryResult(kind, autodiscover(data, url, limits))
        if kind is DocumentKind.UNKNOWN:
            return DiscoveryResult(kind)
        for element in records:
            link = _element_link(element, url, kind)
            if link is None:
                continue
            if len(links) >= limits.max_links:
                return DiscoveryResult(_refine(kind, links), links, truncated=True)
            links.append(link)
    except etree.LxmlError as exc:
        if root is None:
            raise MalformedDocument(f"not readable as XML: {exc}") from None
        return DiscoveryResult(_refine(kind, links), links, recovered=True)
    recovered = any(error.level >= etree.ErrorLevels.ERROR for error in events.error_log)
    return DiscoveryResult(_refine(kind, links), links, recovered=recovered)


def _refine(kind: DocumentKind, links: list[DiscoveredLink]) -> DocumentKind:
    if kind is DocumentKind.SITEMAP and any(link.source_kind is DocumentKind.NEWS_SITEMAP for link in links):
        return DocumentKind.NEWS_SITEMAP
    return kind


def sitemaps_from_robots(
    text: str | bytes, robots_url: str, limits: DiscoveryLimits | None = None
) -> list[DiscoveredLink]:
    """The ``Sitemap:`` lines of a robots.txt, resolved against its URL."""
    limits = limits or DiscoveryLimits()
    if isinstance(text, bytes):
        text = text[: limits.max_robots_bytes].decode("utf-8", "replace")
    urls = robots_sitemap_urls(text[: limits.max_robots_bytes], robots_url, limits.max_links)
    return [DiscoveredLink(url, None, None, DocumentKind.ROBOTS, LinkTarget.SITEMAP) for url in urls]


def autodiscover(html: bytes, page_url: str, limits: DiscoveryLimits | None = None) -> list[DiscoveredLink]:
    """Feeds (and sitemaps) a page announces with ``<link rel="alternate" type="...">``."""
    limits = limits or DiscoveryLimits()
    found = announced_links(_bounded_body(html, limits), page_url, limits.max_links)
    return [
        DiscoveredLink(
            a.url, a.title, None, DocumentKind.HTML, LinkTarget.SITEMAP if a.is_sitemap else LinkTarget.FEED
        )
        for a in found
    ]


def fallback_links(site_url: str) -> list[DiscoveredLink]:
    """Well-known feed and sitemap locations to try when a site announces none."""
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    origin = f"{parts.scheme}://{parts.netloc}"
    return [
        DiscoveredLink(urljoin(origin, path), None, None, DocumentKind.FALLBACK, target)
        for path, target in FALLBACK_PATHS.items()
    ]


def parse_document(
    body: bytes, url: str, content_type: str | None = None, limits: DiscoveryLimits | None = None
) -> DiscoveryResult:
    """Detect what a fetched discovery document is and return the links it holds.

    Gzip is recognised by its magic bytes, not by the URL (servers send .xml.gz both ways).
    Raises `DiscoveryError` subclasses for refused or unreadable documents; never anything else.
    """
    limits = limits or DiscoveryLimits()
    data = _bounded_body(body, limits)
    if urlsplit(url).path.endswith("/robots.txt"):
        return DiscoveryResult(DocumentKind.ROBOTS, sitemaps_from_robots(data, url, limits))
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # Feeds are often served as text/html, so the type only counts when the bytes do not say XML.
    html_type = (content_type or "").split(";")[0].strip().lower() == "text/html"
    if head.startswith((b"<!doctype html", b"<html")) or (html_type and not head.startswith(b"<?xml")):
        return DiscoveryResult(DocumentKind.HTML, autodiscover(data, url, limits))
    if head.startswith(b"<") or data[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return parse_xml(data, url, limits)
    if head.startswith((b"http://", b"https://")):
        urls, truncated = text_sitemap_urls(data.decode("utf-8", "replace"), url, limits.max_links)
        found = [DiscoveredLink(u, None, None, DocumentKind.TEXT_SITEMAP) for u in urls]
        return DiscoveryResult(DocumentKind.TEXT_SITEMAP, found, truncated=truncated)
    return DiscoveryResult(DocumentKind.UNKNOWN)
