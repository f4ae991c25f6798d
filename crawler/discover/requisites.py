"""Page requisites: the URLs a page needs to display as it did (stylesheets, scripts, images, ...).

What `wget --page-requisites` and Heritrix's embeds ("E" hops) capture, read from the parsed page
and from CSS: `<link rel=stylesheet|icon|preload|...>`, `<script src>`, `<img>`/`<source>` `src`
and every `srcset` candidate (also the lazy-loading `data-src`/`data-srcset`), `<video poster>`,
`<audio>`/`<video>`/`<source>`/`<track>` `src`, `<input type=image>`, and `url(...)`/`@import` in
`<style>` elements, `style` attributes and stylesheets (fonts of `@font-face` included).

Pure functions over an lxml tree or CSS text, so they are tested without a crawl. The crawl
(crawler/spiders/news.py) fetches what they return from any host, once per run, and parses
stylesheets it fetched with `css_requisites` again, a bounded number of levels deep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

from w3lib.html import strip_html5_whitespace

__all__ = [
    "REQUISITE_META",
    "css_requisites",
    "html_requisites",
    "is_stylesheet",
    "srcset_urls",
]

# Request meta flag of a requisite: the scope middleware lets it through to any host, the spider
# counts it apart from pages and follows no links from it.
REQUISITE_META = "seedcrawl_requisite"

_LINK_RELS = frozenset(
    {"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon", "preload"}
    | {"modulepreload", "manifest"}
)
_SRC_TAGS = ("img", "script", "source", "audio", "video", "track", "embed", "input")
_SCHEMES = ("http://", "https://")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# url(...) with or without quotes, and @import "..." (an @import url(...) is found by the first).
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s][^)\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def _absolute(base: str, ref: str) -> str | None:
    ref = strip_html5_whitespace(ref)
    if not ref or ref.startswith(("data:", "#", "javascript:", "about:", "blob:")):
        return None
    try:
        url = urljoin(base, ref).partition("#")[0]
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    return url if url.lower().startswith(_SCHEMES) else None


def srcset_urls(srcset: str) -> list[str]:
    """The URL of every candidate of a `srcset` (HTML's parsing: a URL may hold commas, not spaces).

    >>> srcset_urls("a.jpg 1x, b,c.jpg 2x,d.jpg")
    ['a.jpg', 'b,c.jpg', 'd.jpg']
    """
    urls: list[str] = []
    i, n = 0, len(srcset)
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        start = i
        while i < n and not srcset[i].isspace():
            i += 1
        url = srcset[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors, up to a comma outside parentheses
            depth = 0
            while i < n and not (srcset[i] == "," and depth == 0):
                depth += {"(": 1, ")": -1}.get(srcset[i], 0)
                i += 1
        if url:
            urls.append(url)
    return urls


def _css_refs(text: str) -> Iterator[str]:
    text = _CSS_COMMENT.sub(" ", text)
    for pattern in (_CSS_IMPORT, _CSS_URL):
        for match in pattern.finditer(text):
            ref = next((group for group in match.groups() if group is not None), "")
            if ref:
                yield ref.replace("\\", "")  # CSS escapes in URLs are rare; a backslash never belongs


def css_requisites(text: str, base_url: str) -> list[str]:
    """Absolute http(s) URLs of `url(...)` and `@import` in CSS text, distinct, in order.

    >>> css_requisites('@import "a.css"; p { background: url( img/b.png ) } /* url(c.png) */', "http://h/s/")
    ['http://h/s/a.css', 'http://h/s/img/b.png']
    """
    return _distinct(_absolute(base_url, ref) for ref in _css_refs(text))


def _base_url(root: Any, page_url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            return _absolute(page_url, href) or page_url
    return page_url


def _element_refs(root: Any) -> Iterator[str]:
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "link":
            rels = set((element.get("rel") or "").lower().split())
            if rels & _LINK_RELS and element.get("href"):
                yield element.get("href")
            yield from srcset_urls(element.get("imagesrcset") or "")
        elif tag in _SRC_TAGS:
            if tag == "input" and (element.get("type") or "").lower() != "image":
                continue
            for name in ("src", "data-src"):
                if element.get(name):
                    yield element.get(name)
            for name in ("srcset", "data-srcset"):
                yield from srcset_urls(element.get(name) or "")
            if tag == "video" and element.get("poster"):
                yield element.get("poster")
        if tag == "style" and element.text:
            yield from _css_refs(element.text)
        style = element.get("style") if tag else None
        if style and "url(" in style.lower():
            yield from _css_refs(style)


def html_requisites(root: Any, page_url: str) -> list[str]:
    """Absolute http(s) URLs of everything an HTML page (an lxml tree) needs to display, in order.

    Relative references resolve against the page's `<base href>`, as a browser resolves them.
    """
    if not hasattr(root, "iter"):  # a text response that lxml could not parse into elements
        return []
    base = _base_url(root, page_url)
    return _distinct(_absolute(base, ref) for ref in _element_refs(root))


def is_stylesheet(content_type: str | None, url: str) -> bool:
    """Whether a fetched requisite is CSS, to be parsed for the fonts and images it needs."""
    media = (content_type or "").partition(";")[0].strip().lower()
    if media:
        return media == "text/css"
    return url.partition("?")[0].lower().endswith(".css")


def _distinct(urls: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(url for url in urls if url))
