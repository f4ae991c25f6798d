"""Scoring of extracted article bodies, as the article-extraction-benchmark (AEB) defines it.

Each text is cut into word 4-gram shingles (`\\w+` tokens), and the shingles of a prediction and of
the true body are matched as multisets. A page's true positives, false positives and false
negatives are normalised to sum to 1, so that long pages weigh no more than short ones. Precision
is averaged over the pages that predicted something, recall over the pages that have a true body,
and F1 is computed from the two averages (not averaged itself).

The scorer takes plain `{page_id: text}` mappings, so the same code scores bare trafilatura, our
decode+extract steps, or texts that went through the whole crawl -> WARC -> process path:

>>> truth = {"a": "one two three four five six"}
>>> round(score(truth, {"a": "one two three four five six"}).f1, 3)
1.0
>>> s = score(truth, {"a": "one two three four five"})
>>> (round(s.precision, 3), round(s.recall, 3))
(1.0, 0.667)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHINGLE_SIZE = 4
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class PageScore:
    """One page's shingle counts, normalised to sum to 1 (all zero when both texts are empty)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted: such pages do not enter the precision average."""
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """None when the page has no true body: such pages do not enter the recall average."""
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)


@dataclass(frozen=True, slots=True)
class Score:
    """Benchmark figures over a set of pages, with the per-page detail kept for reports."""

    f1: float
    precision: float
    recall: float
    pages: Mapping[str, PageScore]


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams; a text shorter than `size` words is one short shingle."""
    words = _WORD.findall(text)
    return Counter(tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1)) if words)


def score_page(true: str, predicted: str) -> PageScore:
    """Match the shingles of one prediction against the true body."""
    want, got = shingles(true), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


def score(truth: Mapping[str, str], predicted: Mapping[str, str]) -> Score:
    """Score predictions against true bodies; a page missing from `predicted` counts as empty.

    Raises ValueError for predicted ids the truth does not know, which is nearly always a mix-up
    of page ids rather than something to ignore.
    """
    unknown = predicted.keys() - truth.keys()
    if unknown:
        raise ValueError(f"predictions for unknown page ids: {sorted(unknown)[:5]}")
    if not truth:
        raise ValueError("no pages to score")
    pages = {page_id: score_page(body, predicted.get(page_id, "")) for page_id, body in truth.items()}
    precisions = [p for s in pages.values() if (p := s.precision) is not None]
    recalls = [r for s in pages.values() if (r := s.recall) is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1=f1, precision=precision, recall=recall, pages=pages)


def load_truth(path: Path) -> dict[str, str]:
    """Read an AEB `ground-truth.json` (page id -> {"articleBody", "url"}) as page id -> body."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {page_id: entry.get("articleBody") or "" for page_id, entry in raw.items()}
