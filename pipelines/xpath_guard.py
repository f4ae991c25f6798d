"""trafilatura's XPath expressions, made cheaper to evaluate and selecting the same elements.

trafilatura matches class and id tokens with EXSLT regular expressions (`re:test(@class, '...')`),
which lxml runs as a Python call for every element the rest of the predicate lets through: on a
page of a few thousand elements, most of an expression's cost. A regular expression can only
match a text that contains, for one of its alternatives, that alternative's longest run of plain
characters; XPath's own `contains()` checks that without leaving libxml2. `guarded` puts those
checks in front of each `re:test`, so the Python call only runs where the regex might match:
the same elements are selected, in the same order (a regex that could match an empty or absent
attribute, or has an alternative without plain characters, is left as it is).

`descendant_steps` also writes their `.//x` and `//x` steps as `descendant::x` and
`/descendant::x`: libxml2 evaluates `.//x` as every node of the subtree, then each one's `x`
children, and merges those sets; the descendant axis walks the subtree once. The two select the
same nodes in the same (document) order unless a predicate of the step counts positions, so an
expression with anything that could be a position (`position()`, `last()`, a predicate that
begins like a number) is left as written. Measured on the dev pages: the raw-tree prunes in two
thirds of the time, `//@class` in half.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own parser: what the pattern means to `re`
from functools import cache

from lxml.etree import XPath

REGEXP_NS = "http://exslt.org/regular-expressions"
# re:test on one attribute with a literal pattern and no flags, the form trafilatura writes
_TEST = re.compile(r"re:test\((@[\w-]+), '([^']*)'\)")
# what may make a predicate positional: conservative, a false alarm only leaves the path as it is
_POSITIONAL = re.compile(r"\[\s*[-\d.$(]|\b(?:position|last|count|sum|number|floor|ceiling|round)\(")
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")  # a string literal, where nothing counts
# a string literal (kept as it is), or a `//` or `.//` that starts a path: at the start, or after a
# `|`, `(`, `[`, a comma or a space (so not `..//` nor a step's `a//b`)
_DOUBLE_SLASH = re.compile(rf"({_LITERAL.pattern})|(?:(?<=^)|(?<=[|(\[,\s]))(\.)?//")


def guarded(expressions: list[XPath]) -> list[XPath]:
    """The expressions with a `contains()` guard before each `re:test` they allow one for."""
    return [_guarded(expression.path) for expression in expressions]


@cache
def _guarded(path: str) -> XPath:
    return XPath(_TEST.sub(_guard, descendant_steps(path)), namespaces={"re": REGEXP_NS})


def descendant_steps(path: str) -> str:
    """`path` with its `.//` and leading `//` steps on the descendant axis, or as it is when one of
    its predicates may count positions."""
    if _POSITIONAL.search(_LITERAL.sub("''", path)):
        return path
    return _DOUBLE_SLASH.sub(
        lambda m: m.group(1) or ("descendant::" if m.group(2) else "/descendant::"), path
    )


def _guard(test: re.Match[str]) -> str:
    attribute, pattern = test.group(1), test.group(2)
    needles = required_texts(pattern)
    if not needles:
        return test.group(0)
    checks = " or ".join(f"contains({attribute}, '{needle}')" for needle in needles)
    return f"(({checks}) and {test.group(0)})"


def required_texts(pattern: str) -> tuple[str, ...]:
    """Plain texts one of which every match of `pattern` contains (one per top-level alternative),
    or () when some alternative has none."""
    parsed = sre_parse.parse(pattern)
    if re.search(pattern, "") or parsed.state.flags & re.IGNORECASE:
        return ()  # it matches an absent attribute, or ignores case: contains() does neither
    items = list(parsed)
    alternatives = items[0][1][1] if len(items) == 1 and items[0][0] is sre_parse.BRANCH else [parsed]
    needles = [_longest_literal(list(alternative)) for alternative in alternatives]
    if not all(needles) or any("'" in needle for needle in needles):
        return ()
    return tuple(dict.fromkeys(needles))


def _longest_literal(sequence: list[tuple[object, object]]) -> str:
    """The longest run of consecutive plain characters in one alternative of a parsed pattern."""
    best = run = ""
    for op, value in sequence:
        if op is sre_parse.LITERAL:
            run += chr(value)  # type: ignore[arg-type]
        else:
            best, run = max(best, run, key=len), ""
    return max(best, run, key=len)
