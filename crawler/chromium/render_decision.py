"""Does this HTML page need a real browser to show its text? (`--browser auto`)

One small function, `render_reason`, reads the page as fetched over HTTP and names why it needs a
browser, or returns None. It looks for what a script-filled shell looks like, cheaply (no layout;
most pages are decided by their first 600 characters of text, in the tree the crawl parsed
already; the others by a parse of their own): an empty mount point (`#app`, `#root`, `#__next`,
...), markup that says it renders client-side (a `<noscript>` asking for JavaScript), an inline
script that fetches data while the page has little text, or little text against much markup and
script. An article page
with its text in the HTML never matches: a false "yes" costs a browser load (~10x an HTTP fetch),
a false "no" an article archived as "Loading...".
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

# Where single-page-application frameworks mount (React, Vue, Next.js, Nuxt, Angular, Svelte, Gatsby).
MOUNT_IDS = ("app", "root", "__next", "__nuxt", "___gatsby", "svelte", "main-app")
# Pages with at least this much visible text are read as they are.
ENOUGH_TEXT = 600
# "Little text against much markup": under this share of the markup is visible text...
TEXT_SHARE = 0.05
# ...and the page carries at least this much script.
MUCH_SCRIPT = 20_000

_FETCHES = re.compile(rb"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|getJSON)\(|axios\.")
_ASKS_FOR_JS = re.compile(
    r"(enable|requires?|needs?|turn on)\s+javascript|javascript\s+(is\s+)?required", re.I
)
_CLIENT_SIDE_ATTRS = ("ng-app", "data-reactroot", "x-data")
_MOUNT_PLACEHOLDER = 40  # "Loading..." in a mount point still counts as empty
_EXTERNAL_SCRIPT_BYTES = 5_000
_INVISIBLE = ("script", "style", "noscript", "template")


def render_reason(body: bytes, parsed: Any = None) -> str | None:
    """Why this page must be rendered in a browser ('empty-mount:#app', ...), or None.

    `parsed`, the page's tree as the crawl parsed it (read, never changed), spares the pages that
    start with enough text a parse of their own: 2-3 ms on a 150 KB news page.
    """
    if not body.strip():
        return None
    if parsed is not None and _starts_with_enough_text(parsed):
        return None
    try:
        root = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None
    raw = _visible_text(root)  # drops script, style, noscript and template from the tree
    if _has_enough_text(raw):  # most pages: decided by one parse and one pass
        return None
    text = " ".join(raw.split())
    # What the tree just lost is read from a second parse, which only pages of little text pay.
    whole = lxml.html.document_fromstring(body)
    scripts = [script.text or "" for script in whole.iter("script")]
    external = len(whole.xpath("//script[@src]"))
    asks_for_js = any(_ASKS_FOR_JS.search(n.text_content() or "") for n in whole.iter("noscript"))
    for mount in MOUNT_IDS:
        for element in root.xpath(f'//*[@id="{mount}"]'):
            if len(" ".join(element.text_content().split())) < _MOUNT_PLACEHOLDER:
                return f"empty-mount:#{mount}"
    if asks_for_js:
        return "noscript-asks-for-javascript"
    for attr in _CLIENT_SIDE_ATTRS:
        if root.xpath(f"//*[@{attr}]"):
            return f"client-side-markup:{attr}"
    if any(_FETCHES.search(code.encode("utf-8", "replace")) for code in scripts):
        return "script-fetches-data"
    # An external script's size is unknown here: counted as a typical bundle's share.
    script_bytes = sum(len(code) for code in scripts) + _EXTERNAL_SCRIPT_BYTES * external
    if script_bytes >= MUCH_SCRIPT and len(text) < TEXT_SHARE * len(body):
        return "little-text-much-script"
    return None


def _visible_text(root: lxml.html.HtmlElement) -> str:
    # One pass in C; like drop_tree, it keeps each dropped element's tail text.
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    body = root.find("body")
    return str((body if body is not None else root).text_content())


def _starts_with_enough_text(root: Any) -> bool:
    """Whether the visible text's first characters, whitespace collapsed, reach ENOUGH_TEXT.

    The same text as `_visible_text` (invisible elements and comments skipped, their tails kept),
    read in order without changing the tree and only as far as it takes; False when the whole
    page has less (then the full check decides).
    """
    body = root.find("body")
    start = body if body is not None else root
    walker = etree.iterwalk(start, events=("start", "end"))
    pieces: list[str] = []
    size, check_at = 0, 2 * ENOUGH_TEXT
    for event, element in walker:
        if event == "start":
            if not isinstance(element.tag, str) or element.tag in _INVISIBLE:
                walker.skip_subtree()  # its end event still comes: its tail is text
            elif element.text:
                pieces.append(element.text)
                size += len(element.text)
        elif element.tail and element is not start:
            pieces.append(element.tail)
            size += len(element.tail)
        if size >= check_at:
            if len(" ".join("".join(pieces).split())) >= ENOUGH_TEXT:
                return True
            check_at = 2 * size  # whitespace-heavy markup: joined again only as it doubles
    return False


def _has_enough_text(raw: str) -> bool:
    """Whether the visible text, whitespace collapsed, is ENOUGH_TEXT characters or more.

    Collapsing a prefix never gives more than collapsing the whole, so a prefix that has enough
    decides without collapsing an article's whole text.
    """
    for size in (2 * ENOUGH_TEXT, 8 * ENOUGH_TEXT):
        prefix = raw[:size]
        if len(" ".join(prefix.split())) >= ENOUGH_TEXT:
            return True
        if len(prefix) == len(raw):
            return False
    return len(" ".join(raw.split())) >= ENOUGH_TEXT
