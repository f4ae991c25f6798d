"""`pipelines.page_date`: how deep each date search reads a page, and the two misreadings of
htmldate it corrects (htmldate's own `find_date` is run beside it on the same markup)."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from htmldate import extractors
from htmldate import find_date as htmldate_find_date
from lxml.html import fromstring

from seedcrawl.pipelines.date_search import LeadSplit
from seedcrawl.pipelines.extract import ExtractOptions
from seedcrawl.pipelines.metadata import _date_params
from seedcrawl.pipelines.page_date import DATE_SEARCHES, DateSearch, find_date

URL = "https://news.example/story"
STORY = "<p>The harbour reopened to ferries after a week of storm repairs, officials said.</p>"


def page(body: str, head: str = "") -> str:
    return (
        f"<html><head><title>Harbour news</title>{head}</head>"
        f"<body><div class='story'><h1>Harbour reopens</h1>{body}{STORY * 3}</div></body></html>"
    )


def dates(html: str) -> dict[str, str | None]:
    params = _date_params("2026-11-22T00:00:00Z")
    return {search: find_date(fromstring(html), URL, search, **params) for search in DATE_SEARCHES}


def htmldate_date(html: str, extensive: bool) -> str | None:
    params = _date_params("2026-11-22T00:00:00Z")
    return htmldate_find_date(fromstring(html), url=URL, extensive_search=extensive, **params)


def test_a_meta_named_published_is_read_at_every_depth() -> None:
    html = page("", head="<meta name='published' content='July 17, 2025'>")
    assert htmldate_date(html, extensive=False) is None
    assert dates(html) == dict.fromkeys(DATE_SEARCHES, "2025-07-17")


@pytest.mark.parametrize("stamp", ["OCTOBER 13, 2025", "13 OCT 2025", "OCT 13, 2025"])
def test_a_date_element_in_capitals_is_read_at_every_depth(stamp: str) -> None:
    html = page(f"<div class='date-article'>{stamp}</div>")
    assert dates(html) == dict.fromkeys(DATE_SEARCHES, "2025-10-13")


def test_a_date_in_capitals_is_what_htmldate_refused() -> None:
    html = page("<div class='date-article'>OCTOBER 13, 2025</div>")
    assert htmldate_date(html, extensive=False) is None
    # a word in capitals that is not a month is left to htmldate's own judgment
    assert dates(page("<div class='date-article'>ORDER 13, 2025 USD 40</div>"))["markup"] is None


@pytest.mark.parametrize(
    ("stamp", "found"),
    [
        # htmldate's own patterns read these in the page's text
        ("March 12, 2024", {"markup": None, "text": "2024-03-12", "full": "2024-03-12"}),
        (
            "Posted on Tuesday, 12th of March, 2024",
            {"markup": None, "text": "2024-03-12", "full": "2024-03-12"},
        ),
        # only dateparser reads this one
        ("12 de marzo de 2024", {"markup": None, "text": None, "full": "2024-03-12"}),
    ],
)
def test_each_depth_reads_the_text_as_documented(stamp: str, found: dict[str, str | None]) -> None:
    assert dates(page(f"<p>{stamp}</p>")) == found


def searched(html: str, depth: DateSearch) -> tuple[str | None, list[str]]:
    """The date found at `depth`, and the costly parts of htmldate's search that ran."""
    calls: list[str] = []
    parse, findall = extractors._external_date, LeadSplit.findall

    def parsed(text: str):  # type: ignore[no-untyped-def]
        calls.append("dateparser")
        return parse(text)

    def scanned(self: LeadSplit, text: str) -> list[str]:
        calls.append("page scan")
        return findall(self, text)

    extractors.try_date_expr.cache_clear()
    with patch.object(extractors, "_external_date", parsed), patch.object(LeadSplit, "findall", scanned):
        found = find_date(fromstring(html), URL, depth, **_date_params("2026-11-22T00:00:00Z"))
    return found, sorted(set(calls))


def test_the_text_search_neither_calls_dateparser_nor_scans_the_page() -> None:
    spanish = page("<p>12 de marzo de 2024</p>")
    assert searched(spanish, "full") == ("2024-03-12", ["dateparser"])
    # a date only the scan of the serialized page finds: in an attribute, on an element no name marks
    attribute = page("<div data-when='05.04.2019'>Harbour</div>")
    assert searched(attribute, "full") == ("2019-04-05", ["page scan"])
    assert htmldate_date(attribute, extensive=True) == "2019-04-05"
    assert searched(spanish, "text") == searched(attribute, "text") == (None, [])


def test_an_unknown_depth_is_refused() -> None:
    with pytest.raises(ValueError, match="date search must be one of markup, text, full, not 'deep'"):
        find_date(fromstring(page("")), URL, "deep")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="date_search must be one of markup, text, full"):
        ExtractOptions(date_search="deep")  # type: ignore[arg-type]
