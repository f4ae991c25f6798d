"""The one reader of the canonical URL a page declares, for the crawl and for the corpus alike.

Rules, in order:

1. The first `<link>` whose `rel` holds the token `canonical` (any case, among other tokens) and a
   non-blank `href`; anywhere in the document, because a broken page whose parser moved its head
   elements into the body still means it.
2. Otherwise the first `<meta property="og:url">` with a non-blank `content`.
3. The value is stripped and resolved against the page's URL; `javascript:` and `data:` values and
   URLs that do not parse (a bad IPv6 literal) declare nothing.

The result is what the page *declares*. The corpus records it as `canonical_url`; the crawl lets it
stand for the page only when `crawler/discover/urls.py: trusted_canonical` accepts it (same site or in
scope, not the site root from a deeper page).
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

_REFUSED_SCHEMES = ("javascript:", "data:")


def declared_canonical(root: etree._Element, page_url: str) -> str | None:
    """The absolute canonical URL the page at `page_url` declares (see the module's rules), or None.

    `root` is the parsed document: an lxml tree, or `response.selector.root` of a Scrapy response.
    """
    value = _link_canonical(root) or _og_url(root)
    if value is None or value.lower().startswith(_REFUSED_SCHEMES):
        return None
    try:
        return str(urljoin(page_url, value))
    except ValueError:
        return None


def _link_canonical(root: etree._Element) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href:
                return href
    return None


def _og_url(root: etree._Element) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("property") or "").strip().lower() == "og:url":
            content = (meta.get("content") or "").strip()
            if content:
                return content
    return None
