"""A page's <title> and meta tags read as a browser reads them: wherever they stand.

Two kinds of page put them in the <body> of the parsed tree:

- libxml2's HTML parser ends <head> at the first element or text that may not stand there (a stray
  <div>, a <span>, text), so the <title> and meta tags that follow land in the body;
- pages that stream their metadata (Next.js) write the <title> and meta tags after `<body>`.

A browser still reads them: `document.title` is the first <title> in the document, wherever it
stands, and a <title> inside <svg> is the drawing's tooltip, not the page's. trafilatura reads only
`head/meta` and would find no og:title, description or author meta on such a page; `meta_view`
hands it a tree whose head holds them. A meta tag in the body that belongs to microdata
(`itemprop`) describes an item on the page (a publisher, a product), not the document, and stays
out. `crawler/discover/canonical.py` reads the canonical link anywhere for the same reason.
"""

from __future__ import annotations

from copy import deepcopy

from lxml.html import HtmlElement, fromstring

__all__ = ["document_metas", "document_title", "meta_view"]

_DOCUMENT_KEYS = ("name", "property", "http-equiv")


def document_title(tree: HtmlElement) -> str | None:
    """The text of the page's <title>: the head's, else the first one outside <svg>."""
    element = tree.find(".//head/title")
    if element is None:
        element = next((e for e in tree.iter("title") if not _in_svg(e)), None)
    return element.text_content() if element is not None else None


def document_metas(tree: HtmlElement) -> list[HtmlElement]:
    """The meta tags that describe the page: those `head/meta` reads, then those of the body, in
    document order."""
    return [*tree.iterfind(".//head/meta"), *_displaced(tree)]


def meta_view(tree: HtmlElement) -> HtmlElement:
    """`tree` itself when no meta tag describing the document sits in the body; else a tree whose head
    holds a copy of `document_metas(tree)`, for readers of `head/meta` (trafilatura's)."""
    displaced = _displaced(tree)
    if not displaced:
        return tree
    view = fromstring("<html><head></head></html>")
    head = view[0]
    for meta in [*tree.iterfind(".//head/meta"), *displaced]:
        copied = deepcopy(meta)
        copied.tail = None
        head.append(copied)
    return view


def _displaced(tree: HtmlElement) -> list[HtmlElement]:
    body = tree.find("body")
    return [meta for meta in body.iter("meta") if _describes_document(meta)] if body is not None else []


def _describes_document(meta: HtmlElement) -> bool:
    return "itemprop" not in meta.attrib and any(key in meta.attrib for key in _DOCUMENT_KEYS)


def _in_svg(element: HtmlElement) -> bool:
    return any(ancestor.tag == "svg" for ancestor in element.iterancestors())
