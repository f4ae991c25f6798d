"""htmldate's `find_date`, its search of the page's text made cheaper, with the same result.

On a page whose markup names no date, `find_date` (htmldate 1.11.0, pinned; extensive search) ends
by searching the serialized page for date-like text with nine patterns (`search_page`). Seven of
them begin with `\\D`, any character but a digit: that matches almost everywhere, so Python's regex
engine starts a match at every character of the page (180 kB on average on wcxb-dev). Those
searches were 40% of the date search's CPU on the dev articles that have no declared date.

Here each of the seven is split into its first character (`lead`) and the rest, written to begin
with a digit class, to which the engine skips without trying the characters in between.
`LeadSplit.findall` returns what the pattern's own `findall` returns, in the same order: the lead
is tested on the character before each match of the rest, and the scan resumes where the
pattern's would (a match's last character is never the next one's lead). A rest that began with an
optional digit (`[0-3]?[0-9]`) begins with a digit followed by an optional one that only a `[0-3]`
may start (`[0-9](?:(?<=[0-3])[0-9])?`), which tries the same alternatives in the same order.

`search_page` and `find_date` are htmldate's own code, rebound (`pipelines.rebound`) to the split
patterns; htmldate's module is unchanged. A pattern htmldate no longer writes as expected is used
as it is (and tests/test_date_search.py fails, to have the split written again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from htmldate import core

from seedcrawl.pipelines.rebound import rebound

__all__ = ["LeadSplit", "find_date", "split_patterns"]


@dataclass(frozen=True, slots=True)
class LeadSplit:
    """A pattern that is `lead` (one character) followed by `rest`, searched for by `rest`."""

    lead: re.Pattern[str]
    rest: re.Pattern[str]
    with_lead: bool  # the pattern's group spans its lead too; otherwise it is the rest's group 1

    def findall(self, text: str) -> list[str]:
        """What the pattern's own `findall` returns on `text`."""
        found: list[str] = []
        start = 1  # the rest starts after its lead's character
        while (match := self.rest.search(text, start)) is not None:
            at = match.start()
            if self.lead.match(text, at - 1) is None:
                start = at + 1
                continue
            found.append(text[at - 1 : match.end()] if self.with_lead else match.group(1))
            start = match.end() + 1  # the pattern's next lead can be no earlier than this match's end
        return found


# htmldate's name -> (its pattern as written, the lead, the rest, whether the group spans the lead)
_SPLITS: dict[str, tuple[str, str, str, bool]] = {
    "SELECT_YMD_PATTERN": (
        r"\D([0-3]?[0-9][/.-][0-1]?[0-9][/.-][0-9]{4})\D",
        r"\D",
        r"([0-9](?:(?<=[0-3])[0-9])?[/.-][0-1]?[0-9][/.-][0-9]{4})\D",
        False,
    ),
    "DATESTRINGS_PATTERN": (
        r"(\D19[0-9]{2}[01][0-9][0-3][0-9]\D|\D20[0-9]{2}[01][0-9][0-3][0-9]\D)",
        r"\D",
        r"(?:19[0-9]{2}[01][0-9][0-3][0-9]\D|20[0-9]{2}[01][0-9][0-3][0-9]\D)",
        True,
    ),
    "SLASHES_PATTERN": (
        r"\D([0-3]?[0-9]/[0-1]?[0-9]/[0129][0-9]|[0-3][0-9]\.[01][0-9]\.[0129][0-9])\D",
        r"\D",
        r"([0-9](?:(?:(?<=[0-3])[0-9])?/[0-1]?[0-9]/[0129][0-9]|(?<=[0-3])[0-9]\.[01][0-9]\.[0129][0-9]))\D",
        False,
    ),
    "YYYYMM_PATTERN": (
        r"\D([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D",
        r"\D",
        r"([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D",
        False,
    ),
    "MMYYYY_PATTERN": (
        r"\D([0-1]?[0-9][/.-][12][0-9]{3})\D",
        r"\D",
        r"([0-9](?:(?<=[0-1])[0-9])?[/.-][12][0-9]{3})\D",
        False,
    ),
    "SIMPLE_PATTERN": (
        r"(?<!w3.org)\D((?:199[0-9]|20[0-3][0-9]))\D",
        r"(?<!w3.org)\D",
        r"((?:199[0-9]|20[0-3][0-9]))\D",
        False,
    ),
    "THREE_COMP_PATTERNS[1]": (
        r"\D([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\D",
        r"\D",
        r"([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\D",
        False,
    ),
}


def _split(pattern: re.Pattern[str], name: str) -> re.Pattern[str] | LeadSplit:
    written, lead, rest, with_lead = _SPLITS[name]
    if pattern.pattern != written:
        return pattern  # htmldate changed it: its own pattern, as fast as it was
    return LeadSplit(re.compile(lead, pattern.flags), re.compile(rest, pattern.flags), with_lead)


def split_patterns() -> dict[str, Any]:
    """htmldate's module names `search_page` reads, each bound to its split (or its own) pattern."""
    names: dict[str, Any] = {
        name: _split(getattr(core, name), name) for name in _SPLITS if not name.startswith("THREE_COMP")
    }
    three: tuple[re.Pattern[str], ...] = core.THREE_COMP_PATTERNS
    names["THREE_COMP_PATTERNS"] = (three[0], _split(three[1], "THREE_COMP_PATTERNS[1]"), *three[2:])
    return names


# what `htmldate.find_date` returns, for the same arguments
find_date = rebound(core.find_date, search_page=rebound(core.search_page, **split_patterns()))
