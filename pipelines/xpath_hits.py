"""trafilatura's XPath expressions with each `re:test` answered from the page's own matching values.

An expression such as trafilatura's `OVERALL_DISCARD_XPATH` runs its regexes (`re:test(@class,
'...')`) as a Python call for every element it visits, and the same class strings recur across a
page. `PageRegexXPath` reads each attribute's distinct values on a page once, runs each regex
over those values in Python, and hands the values that match to the expression as an XPath
variable: `re:test(@class, 'p')` becomes `@class = $hits`, a comparison with a node-set holding
one text per matching value, which libxml2 answers without leaving C. On the two dev sets (491
pages) this selects the same elements, in the same order, in about half the time of the original
(bench/results/xpath_hits.md).

The comparison reads what lxml's `re:test` reads: the first attribute of the set in document
order (for `@id|@class`, whichever the element declares first), and nothing when the element has
none. A regex that matches the empty text would also match an element without the attribute, so
its `re:test` is left as it is. Their `.//` steps are evaluated on the descendant axis
(`pipelines.xpath_guard.descendant_steps`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.etree import Element, SubElement, XPath, _Element

from seedcrawl.pipelines.xpath_guard import REGEXP_NS, descendant_steps

# re:test on an attribute or a union of them, a literal pattern, no flags or 'i': trafilatura's form
_TEST = re.compile(r"re:test\((@[\w-]+(?:\|@[\w-]+)*), '([^']*)'(?:, '(i?)')?\)")
# lxml's re:test compiles its pattern with re.UNICODE, and re.IGNORECASE for the flag 'i'
_FLAGS = {None: 0, "": 0, "i": re.IGNORECASE}


class PageRegexXPath:
    """`expressions`, evaluated in order on one page at a time with their regexes answered per page."""

    def __init__(self, expressions: list[XPath]) -> None:
        self._tests: list[tuple[tuple[str, ...], re.Pattern[str]]] = []
        self._rewritten = [
            XPath(_TEST.sub(self._variable, descendant_steps(expression.path)), namespaces={"re": REGEXP_NS})
            for expression in expressions
        ]
        names = sorted({name for names, _ in self._tests for name in names})
        # smart_strings=False: plain str values, without the parent reference lxml keeps by default;
        # `//@name` on the descendant axis (`pipelines.xpath_guard.descendant_steps`)
        self._values = {name: XPath(f"/descendant::*/@{name}", smart_strings=False) for name in names}

    @property
    def paths(self) -> list[str]:
        """The rewritten expressions' source, each `re:test` it answers per page replaced."""
        return [expression.path for expression in self._rewritten]

    def _variable(self, test: re.Match[str]) -> str:
        attributes, pattern, flags = test.group(1), test.group(2), test.group(3)
        regex = re.compile(pattern, _FLAGS[flags])
        if regex.search(""):
            return test.group(0)  # true for an element without the attribute too
        names = tuple(name[1:] for name in attributes.split("|"))
        self._tests.append((names, regex))
        read = attributes if len(names) == 1 else f"({attributes})[1]"  # the first, as lxml reads it
        return f"{read} = $hits{len(self._tests) - 1}"

    def __call__(self, tree: _Element) -> list[_Element]:
        """What the one expression selects on `tree`, called as an `XPath` object is."""
        if len(self._rewritten) != 1:
            raise TypeError("only a PageRegexXPath of one expression is called like an XPath")
        return next(self.select(tree))

    def select(self, tree: _Element) -> Iterator[list[_Element]]:
        """What each expression selects on `tree`, in order, evaluated lazily so that a caller can
        change the tree between two expressions (as a prune does)."""
        values = {name: set(expression(tree)) for name, expression in self._values.items()}
        # values of elements a prune removes before a later expression stay listed: they are
        # compared with nothing that remains
        holder = Element("values")  # the texts live in their own small document
        variables: dict[str, list[_Element]] = {}
        for index, (names, regex) in enumerate(self._tests):
            texts = []
            for value in {value for name in names for value in values[name]}:
                if regex.search(value):
                    text = SubElement(holder, "v")
                    text.text = value
                    texts.append(text)
            variables[f"hits{index}"] = texts
        for expression in self._rewritten:
            yield expression(tree, **variables)
