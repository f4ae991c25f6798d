"""The two extraction page sets, read the same way, and each set's own metric.

- aeb-dev: `html/<id>.html.gz` + `ground-truth.json` (id -> {articleBody, url}); every page is an
  article; scored with word 4-gram shingles (`bench/aeb_metric.py`).
- wcxb-dev: `html/<id>.html.gz` + `ground-truth.json` (id -> {url, page_type, title, author,
  publish_date, main_content, with, without}); word-level F1 per page, averaged over pages, plus
  the share of must / must-not snippets found in the text, and metadata accuracy.

A page whose text is empty (rejected) scores 0 F1 when it has a true body.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Page:
    set_name: str  # "aeb" or "wcxb"
    page_id: str
    url: str
    body: bytes  # the page as served
    page_type: str  # "article", "listing" or "collection"
    truth: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.set_name}/{self.page_id}"

    @property
    def half(self) -> int:
        """Which half of the sites the page belongs to (a stable hash of its host)."""
        host = urlsplit(self.url).hostname or self.page_id
        return zlib.crc32(host.removeprefix("www.").encode()) % 2


def _html(folder: Path, page_id: str) -> bytes:
    return gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())


def load_aeb(folder: Path) -> list[Page]:
    raw = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page("aeb", pid, e.get("url") or "", _html(folder, pid), "article", e.get("articleBody") or "")
        for pid, e in sorted(raw.items())
    ]


def load_wcxb(folder: Path) -> list[Page]:
    raw = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            "wcxb",
            pid,
            e.get("url") or "",
            _html(folder, pid),
            e.get("page_type") or "article",
            e.get("main_content") or "",
            e.get("title"),
            e.get("author"),
            e.get("publish_date"),
            tuple(e.get("with") or ()),
            tuple(e.get("without") or ()),
        )
        for pid, e in sorted(raw.items())
    ]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_f1(truth: str, predicted: str) -> float:
    """WCXB's page score: F1 of lower-case word multisets."""
    want, got = Counter(words(truth)), Counter(words(predicted))
    if not want and not got:
        return 1.0
    common = sum((want & got).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _joined(text: str) -> str:
    return " " + " ".join(words(text)) + " "


def snippet_hits(snippets: Iterable[str], predicted: str) -> tuple[int, int]:
    """(found, total) of snippets whose words appear in order in the text."""
    text = _joined(predicted)
    found = total = 0
    for snippet in snippets:
        norm = _joined(snippet)
        if norm.strip():
            total += 1
            found += norm in text
    return found, total


def same_title(truth: str, found: str | None) -> bool:
    return bool(found) and words(truth) == words(found or "")


def same_author(truth: str, found: str | None) -> bool:
    """The same names, in any order and any joining ("A and B", "A, B")."""
    drop = {"and", "by"}
    return bool(found) and Counter(w for w in words(truth) if w not in drop) == Counter(
        w for w in words(found or "") if w not in drop
    )


def same_day(truth: str, found: str | None) -> bool:
    return bool(found) and truth[:10] == (found or "")[:10]


@dataclass(slots=True)
class Tally:
    """Sums over pages of one group, for one contender."""

    pages: int = 0
    f1: float = 0.0
    rejected: int = 0
    with_found: int = 0
    with_total: int = 0
    without_found: int = 0
    without_total: int = 0
    meta: dict[str, list[int]] = field(
        default_factory=lambda: {k: [0, 0] for k in ("title", "author", "date")}
    )

    def rate(self, name: str) -> float:
        hit, total = self.meta[name]
        return hit / total if total else float("nan")


@dataclass(frozen=True, slots=True)
class Output:
    """What one contender made of one page."""

    text: str
    rejected: str | None = None  # the rejection reason, None when kept
    title: str | None = None
    author: str | None = None
    date: str | None = None


def tally_wcxb(pages: Iterable[Page], outputs: Mapping[str, Output]) -> Tally:
    tally = Tally()
    for page in pages:
        out = outputs[page.key]
        tally.pages += 1
        tally.f1 += word_f1(page.truth, out.text)
        tally.rejected += out.rejected is not None
        found, total = snippet_hits(page.with_snippets, out.text)
        tally.with_found, tally.with_total = tally.with_found + found, tally.with_total + total
        found, total = snippet_hits(page.without_snippets, out.text)
        tally.without_found, tally.without_total = tally.without_found + found, tally.without_total + total
        for name, truth, got, same in (
            ("title", page.title, out.title, same_title),
            ("author", page.author, out.author, same_author),
            ("date", page.date, out.date, same_day),
        ):
            if truth:
                tally.meta[name][0] += bool(same(truth, got))
                tally.meta[name][1] += 1
    return tally
