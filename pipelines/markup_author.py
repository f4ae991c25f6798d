"""The byline in a page's markup: what trafilatura's `extract_author` finds, for less CPU.

`extract_author` copies the whole tree, prunes the parts where a name is not the article's
(comment sections, sidebars, figures, <time>), then takes the first element that its author
expressions select and whose text has a plausible length. The copy and the prune were half its
cost, on every page whose JSON-LD names no author. The expressions only test an element's own
tag and attributes (and `//author`, a tag), so the pruned tree selects what the whole tree
selects, less the elements inside a pruned part (and those of a second root element, which
broken markup can leave beside <html> and the copy does not hold); and pruning only changes the text of an
element through the parts inside it. So the expressions run on the page's own tree, each element
they select is checked for a pruned ancestor (or being one), and only the candidate whose text
is read is copied and pruned. trafilatura 2.3.1 is pinned; tests/test_markup_author.py holds this
to `extract_author` itself.
"""

from __future__ import annotations

from copy import deepcopy

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from seedcrawl.pipelines.xpath_guard import REGEXP_NS, guarded
from seedcrawl.pipelines.xpath_hits import PageRegexXPath

_LEN_LIMIT = 120  # extract_author's
# evaluated on the whole page: its regexes are answered from the page's attribute values
_AUTHOR = PageRegexXPath(AUTHOR_XPATHS)
# evaluated on one candidate's small copy, where reading the page's values would not pay
_DISCARD = guarded(AUTHOR_DISCARD_XPATHS)


def markup_author(tree: HtmlElement) -> str | None:
    """`trafilatura.metadata.extract_author(tree)`; the tree is not modified."""
    if _ANCESTORS is None or tree.getparent() is not None or next(tree.iter("rel"), None) is not None:
        # `rel='me'` tests a child element's text, which pruning can change: the plain way
        return _pruned_author(tree)
    for selected in _AUTHOR.select(tree):
        for element in selected:
            # the expressions search the whole document, the copy only holds `tree`: broken
            # markup can leave a second root element beside <html>
            if not _inside(element, tree) or _ANCESTORS(element):  # or in a part the prune removes
                continue
            content = trim(" ".join(prune_unwanted_nodes(deepcopy(element), _DISCARD).itertext()))
            if content and 2 < len(content) < _LEN_LIMIT:
                return normalize_authors(None, content)
    return None


def _inside(element: HtmlElement, tree: HtmlElement) -> bool:
    return element is tree or any(ancestor is tree for ancestor in element.iterancestors())


def _pruned_author(tree: HtmlElement) -> str | None:
    subtree = prune_unwanted_nodes(deepcopy(tree), _DISCARD)
    for selected in _AUTHOR.select(subtree):
        for element in selected:
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < _LEN_LIMIT:
                return normalize_authors(None, content)
    return None


def _top_level_paths(path: str) -> list[str] | None:
    """The location paths of a union (split at `|` outside brackets and strings), each starting
    with `.//` or `//`; None for any other shape."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(path):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(path[start:i].strip())
            start = i + 1
    parts.append(path[start:].strip())
    # one step each ("//time", ".//*[...]"): a second step would test more than the element itself
    if not all(p.startswith(("//", ".//")) and "/" not in p.lstrip("./").split("[", 1)[0] for p in parts):
        return None
    return [p.removeprefix(".").removeprefix("//") for p in parts]


def _ancestor_test() -> XPath | None:
    """An expression selecting an element's ancestors-or-self that the discard expressions
    select: non-empty exactly when `extract_author`'s prune removes the element (their
    predicates test an element's own tag and attributes, so the order of the prunes is moot)."""
    steps: list[str] = []
    for expression in AUTHOR_DISCARD_XPATHS:
        paths = _top_level_paths(expression.path.strip())
        if paths is None:
            return None
        steps += [f"ancestor-or-self::{p}" for p in paths]
    return XPath("|".join(steps), namespaces={"re": REGEXP_NS})


_ANCESTORS = _ancestor_test()
