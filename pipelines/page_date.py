"""The page's publication date: htmldate's `find_date` at one of three depths, with two of its
misreadings corrected.

The depths (`DateSearch`), each including the one before:
- "markup": meta elements, JSON-LD, `abbr` and `time` elements, elements named for a date, the
  URL, then one loose timestamp pattern over the text (htmldate's fast search).
- "text": htmldate's extensive search without its two costliest parts. Every element is a
  candidate and the text's date expressions are compared, but they are read with htmldate's own
  patterns only: no dateparser (about 12 ms a call: it tries every locale) and no last resort
  scan of the serialized page (`search_page`, about 11 ms on a page that reaches it).
- "full": htmldate's extensive search (`pipelines.date_search` makes its page scan cheaper).

On wcxb-dev's 249 dated articles, with the corrections and the JSON-LD date first, markup finds
202 right dates, text 212 and full 212, for 2.1, 2.5 and 5.3 ms of CPU a page
(bench/results/date_search.md; htmldate's own fast and extensive searches: 200 and 212).

The corrections, each a defect rather than a taste (their tests name the pages' markup):
- `<meta name="published" content="...">` is read as the publication date. htmldate reads
  "published_date", "publishdate", "article:published" and forty more, but not the plain name.
- A date element written in capitals ("OCTOBER 13, 2025", as designs that set dates in capitals
  write them) is read. htmldate takes any three capitals followed by another character for a
  currency code and refuses the string, though its parser reads the month; the month names are
  given their title case first.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from htmldate import core
from htmldate.extractors import try_date_expr_opts
from htmldate.utils import Extractor
from lxml.html import HtmlElement

from seedcrawl.pipelines.date_search import find_date as _htmldate_find_date
from seedcrawl.pipelines.rebound import rebound

__all__ = ["DATE_SEARCHES", "DateSearch", "find_date"]

DateSearch = Literal["markup", "text", "full"]
DATE_SEARCHES: tuple[DateSearch, ...] = get_args(DateSearch)

_CAPITAL_MONTH = re.compile(
    r"\b(?:JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|"
    r"SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)\b"
)


def _title_case_months(text: str | None, options: Extractor) -> str | None:
    """htmldate's reading of an element's text, its capitalised month names in title case."""
    if text and _CAPITAL_MONTH.search(text):
        text = _CAPITAL_MONTH.sub(lambda month: month[0].title(), text)
    return try_date_expr_opts(text, options)


def _without_dateparser(extensive: bool, *bounds: Any) -> Extractor:
    # htmldate reads `Extractor.extensive` only to decide whether dateparser may parse a string
    return Extractor(False, *bounds)


def _no_page_scan(htmlstring: str, options: Extractor) -> None:
    return None


_examine_elements = rebound(
    core.examine_elements, examine_text=rebound(core.examine_text, try_date_expr_opts=_title_case_months)
)
_examine_header = rebound(core.examine_header, DATE_ATTRIBUTES=core.DATE_ATTRIBUTES | {"published"})
_corrected = {"examine_elements": _examine_elements, "examine_header": _examine_header}
_full = rebound(_htmldate_find_date, **_corrected)
_text = rebound(_htmldate_find_date, **_corrected, Extractor=_without_dateparser, search_page=_no_page_scan)


def find_date(tree: HtmlElement, url: str | None, search: DateSearch, **params: Any) -> str | None:
    """The page's date as htmldate's `find_date` gives it with `params`, searched to the `search`
    depth, with the corrections above."""
    if search not in DATE_SEARCHES:
        raise ValueError(f"date search must be one of {', '.join(DATE_SEARCHES)}, not {search!r}")
    find = _text if search == "text" else _full
    return find(tree, url=url, **params, extensive_search=search != "markup")
