"""`pipelines.date_search`: htmldate's patterns split at their first character find what the
patterns find, and `find_date` gives what htmldate's gives.

The strings are drawn from digits, the patterns' separators and the text around their leads
(`w3.org`, a copyright sign, a newline, Arabic-Indic digits, which `\\D` does not match), so that
adjacent dates share a separator, digit runs are longer than a date, and a lead stands where a
previous match ended: a split that overlapped matches, missed a shared separator or tried its
alternatives in another order gives another list.
"""

from __future__ import annotations

import random
import re
from unittest.mock import patch

import pytest
from htmldate import core
from htmldate import find_date as htmldate_find_date
from lxml.html import fromstring

from seedcrawl.pipelines.date_search import LeadSplit, find_date, split_patterns
from seedcrawl.pipelines.metadata import _date_params
from seedcrawl.pipelines.rebound import rebound

ALPHABET = "0123456789" * 3 + "/.-/.-  \nw3.org©x\u0661\u0662"
CRAFTED = [
    "",
    "x12/03/19 04/05/19 06/07/19x",  # matches separated by one character, which both would use
    "a2019-04-05/2019-04-06b",
    "12/03/2019.04.2020",
    "w3.org/2000 and http://www.w3.org/1999/xhtml 2019 ",
    "\n20190405\n20190406\n",
    "1234567890123456789/12/2020",
    "03.04.19.05.06.19 ",
    "\u0661\u0662/03/19 x2/3/19 ",
]


def _split_pairs() -> list[tuple[str, re.Pattern[str], LeadSplit]]:
    names = split_patterns()
    pairs = [(name, getattr(core, name), names[name]) for name in names if name != "THREE_COMP_PATTERNS"]
    pairs.append(("THREE_COMP_PATTERNS[1]", core.THREE_COMP_PATTERNS[1], names["THREE_COMP_PATTERNS"][1]))
    return pairs


def test_every_pattern_is_split() -> None:
    """htmldate still writes each pattern as the split expects (else the split is silently unused)."""
    pairs = _split_pairs()
    assert len(pairs) == 7
    assert all(isinstance(split, LeadSplit) for _, _, split in pairs), [
        name for name, _, split in pairs if not isinstance(split, LeadSplit)
    ]


@pytest.mark.parametrize(
    ("name", "pattern", "split"), [pytest.param(*pair, id=pair[0]) for pair in _split_pairs()]
)
def test_split_finds_what_the_pattern_finds(name: str, pattern: re.Pattern[str], split: LeadSplit) -> None:
    rng = random.Random(name)
    texts = CRAFTED + ["".join(rng.choices(ALPHABET, k=rng.randint(1, 60))) for _ in range(6000)]
    differing = [text for text in texts if split.findall(text) != pattern.findall(text)]
    assert not differing, (name, differing[:3])
    assert any(pattern.findall(text) for text in texts)  # the strings do hold matches


def page(body: str) -> str:
    story = "<p>The harbour reopened to ferries after a week of storm repairs, officials said.</p>"
    return f"<html><head><title>Harbour news</title></head><body><div class='story'>{story}{body}</div></body></html>"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (page("<p>Report of 2019-04-05 and 2019.04.06, then 05-04-2019.</p>"), "2019-04-05"),
        (
            page("<p>Since 2016 the harbour has flooded; its map is an svg from w3.org/2000.</p>"),
            "2016-01-01",
        ),
        (page("<footer>© 2017 Harbour Press</footer><p>as in 2015 and 2016</p>"), "2017-01-01"),
    ],
    ids=["three-components", "one-component", "copyright"],
)
def test_find_date_gives_htmldate_date(html: str, expected: str) -> None:
    """Pages whose date only the search of the page's text finds: the split patterns run, and the
    date is htmldate's own."""
    params = _date_params("2026-11-22T00:00:00Z")
    searched: list[LeadSplit] = []
    findall = LeadSplit.findall

    def counted(self: LeadSplit, text: str) -> list[str]:
        searched.append(self)
        return findall(self, text)

    with patch.object(LeadSplit, "findall", counted):
        ours = find_date(fromstring(html), url="https://news.example/story", **params)
    assert searched
    assert (
        ours == htmldate_find_date(fromstring(html), url="https://news.example/story", **params) == expected
    )


def test_rebound_refuses_a_name_the_code_does_not_read() -> None:
    with pytest.raises(ValueError, match="does not read NO_SUCH_PATTERN"):
        rebound(core.search_page, NO_SUCH_PATTERN=re.compile("x"))
