"""Topic relevance: a weighted term profile built from example articles and/or keywords.

A profile keeps the `n_terms` terms that best tell the examples apart from general news: each
term's weight is its average log term frequency in the examples times its inverse document
frequency in a bundled background corpus (`seedcrawl/contract/data/news_background.json`, see ATTRIBUTION.md
beside it). Terms found in only one example are dropped when there are several examples, which
removes most site chrome (donation appeals, navigation in another script) without an extractor.

`score_text` is a BM25-style saturating coverage score: the weighted share of the profile a text
covers, each term counting for more the more often it occurs, with diminishing returns and a
length normalisation. It lies in [0, 1]. Measured on the five seed articles (each scored by a
profile of the other four) against the 91 unrelated article-benchmark bodies, seeds score
0.44-0.57 and unrelated articles at most 0.21 (median 0.01); `DEFAULT_THRESHOLD` = 0.3 sits in
that gap. `score_link` ranks frontier links by their anchor text and URL slug, plus a share of the
score of the page they were found on.

>>> profile = TopicProfile.from_keywords("kerry lavrov syria")
>>> profile.score_text("Kerry and Lavrov met in Sochi to talk about Syria.") > profile.threshold
True
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

TOKENIZER_VERSION = "1"
DEFAULT_THRESHOLD = 0.3
DEFAULT_TERMS = 40
MAX_SCORED_CHARS = 1_000_000  # an article is far shorter; beyond this is markup or data, not prose
_PROFILE_FORMAT = "seedcrawl.topic/1"
_BACKGROUND_FORMAT = "seedcrawl.background/1"

_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves said says
    say one two get got like may might must us mr mrs ms new"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[^\W_]+")
_NO_STEM = frozenset({"news", "series", "species"})


def _stem(word: str) -> str:
    """Harman's S-stemmer: folds English plurals only, so stems stay readable words."""
    if word in _NO_STEM or len(word) <= 3:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens in any script, stopwords and numbers dropped, plurals folded.

    >>> tokenize("Kerry’s talks with Russia's FM: 2 issues, 3 policies")
    ['kerry', 'talk', 'russia', 'fm', 'issue', 'policy']
    """
    out: list[str] = []
    for match in _WORD.finditer(text[:MAX_SCORED_CHARS].casefold()):
        word = match.group()
        if 2 <= len(word) <= 40 and word not in STOPWORDS:
            stem = _stem(word)
            if not stem.isdigit():  # after stemming, so "1990s" goes too
                out.append(stem)
    return out


@dataclass(frozen=True, slots=True)
class Background:
    """Document frequencies of general news vocabulary, for inverse document frequency."""

    documents: int
    avg_doc_length: float
    df: Mapping[str, int]

    def idf(self, term: str) -> float:
        """Smoothed IDF; a term the background never saw gets the highest value."""
        return math.log((self.documents + 1) / (self.df.get(term, 0) + 1)) + 1.0

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_df: int = 2) -> Background:
        """Count document frequencies; terms in fewer than `min_df` documents are left out
        (they would get nearly the unseen-term IDF anyway, and they dominate the file size)."""
        df: Counter[str] = Counter()
        documents = total = 0
        for text in texts:
            tokens = tokenize(text)
            documents, total = documents + 1, total + len(tokens)
            df.update(set(tokens))
        if documents == 0:
            raise ValueError("a background needs at least one document")
        kept = {term: n for term, n in sorted(df.items()) if n >= min_df}
        return cls(documents, total / documents, kept)

    @classmethod
    def bundled(cls) -> Background:
        """The background shipped in pipelines/data (read on each call: no process-wide cache)."""
        text = resources.files("seedcrawl.contract").joinpath("data/news_background.json").read_text("utf-8")
        return cls.from_json(text)

    @classmethod
    def from_json(cls, text: str) -> Background:
        data = json.loads(text)
        if data.get("format") != _BACKGROUND_FORMAT or data.get("tokenizer") != TOKENIZER_VERSION:
            raise ValueError("background data was made for another format or tokenizer; rebuild it")
        return cls(int(data["documents"]), float(data["avg_doc_length"]), dict(data["df"]))

    def to_json(self, **provenance: str) -> str:
        data: dict[str, Any] = {"format": _BACKGROUND_FORMAT, "tokenizer": TOKENIZER_VERSION, **provenance}
        data |= {"documents": self.documents, "avg_doc_length": round(self.avg_doc_length, 3)}
        return json.dumps(data | {"df": dict(self.df)}, ensure_ascii=False, indent=0)


def background_provenance() -> dict[str, str]:
    """The provenance fields written into the bundled background file."""
    return {
        "source": "Article Extraction Benchmark (Scrapinghub, 2020), development half: 91 articleBody texts",
        "license": "MIT",
        "copyright": "Copyright (c) 2020 Scrapinghub",
        "note": "See ATTRIBUTION.md beside this file. Only tokens found in >= 2 documents are kept.",
    }


def _normalised(weights: Mapping[str, float], n_terms: int) -> dict[str, float]:
    top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:n_terms]
    if not top or top[0][1] <= 0:
        raise ValueError("no usable terms: the examples or keywords are empty or all stopwords")
    return {term: round(weight / top[0][1], 6) for term, weight in top}


def _keyword_terms(keywords: str | Iterable[str]) -> list[str]:
    items = [keywords] if isinstance(keywords, str) else list(keywords)
    return list(dict.fromkeys(term for item in items for term in tokenize(item)))


@dataclass(frozen=True, slots=True)
class TopicProfile:
    """Weighted terms (the largest weighs 1.0) and the parameters that score against them."""

    terms: dict[str, float]
    avg_doc_length: float
    threshold: float = DEFAULT_THRESHOLD
    k1: float = 1.2  # BM25 term-frequency saturation
    b: float = 0.75  # BM25 length normalisation
    link_parent_share: float = 0.3  # how much of a link's priority its page's relevance decides
    source: dict[str, Any] = field(default_factory=dict)  # how the profile was made, for humans

    def __post_init__(self) -> None:
        if not self.terms or any(not (w > 0 and math.isfinite(w)) for w in self.terms.values()):
            raise ValueError("a profile needs at least one term, with positive finite weights")
        for name in ("threshold", "link_parent_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")
        if self.k1 <= 0 or not 0.0 <= self.b <= 1.0 or self.avg_doc_length <= 0:
            raise ValueError("k1 and avg_doc_length must be positive and b within [0, 1]")

    @classmethod
    def from_examples(
        cls,
        texts: Iterable[str],
        keywords: str | Iterable[str] = (),
        background: Background | None = None,
        n_terms: int = DEFAULT_TERMS,
    ) -> TopicProfile:
        """A profile from example articles, optionally boosted by keywords (given full weight)."""
        if n_terms < 1:
            raise ValueError("n_terms must be at least 1")
        background = background or Background.bundled()
        examples = [Counter(tokenize(text)) for text in texts]
        examples = [counts for counts in examples if counts]
        spread: Counter[str] = Counter(term for counts in examples for term in counts)
        min_spread = min(2, len(examples))
        weights = {
            term: sum(1 + math.log(c[term]) for c in examples if term in c)
            / len(examples)
            * background.idf(term)
            for term, n in spread.items()
            if n >= min_spread
        }
        boosted = _keyword_terms(keywords)
        top = max(weights.values(), default=1.0)
        weights |= {term: top for term in boosted}
        terms = _normalised(weights, max(n_terms, len(boosted)))
        source = {"examples": len(examples), "keywords": boosted}
        return cls(terms, background.avg_doc_length, source=source)

    @classmethod
    def from_keywords(
        cls, keywords: str | Iterable[str], background: Background | None = None
    ) -> TopicProfile:
        """A profile from keywords alone (``"kerry lavrov syria"``), each weighted by its rarity."""
        background = background or Background.bundled()
        boosted = _keyword_terms(keywords)
        terms = _normalised({term: background.idf(term) for term in boosted}, len(boosted) or 1)
        return cls(terms, background.avg_doc_length, source={"examples": 0, "keywords": boosted})

    @classmethod
    def from_files(
        cls, paths: Iterable[Path], keywords: str | Iterable[str] = (), n_terms: int = DEFAULT_TERMS
    ) -> TopicProfile:
        """`from_examples` over UTF-8 text files (undecodable bytes replaced)."""
        texts = [Path(p).read_text(encoding="utf-8", errors="replace") for p in paths]
        return cls.from_examples(texts, keywords, n_terms=n_terms)

    def score_text(self, text: str) -> float:
        """Relevance of a page's text in [0, 1]; compare with `threshold`."""
        counts = Counter(tokenize(text))
        length = sum(counts.values())
        if length == 0:
            return 0.0
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_doc_length)
        # BM25's tf*(k1+1)/(tf+norm), divided by its ceiling k1+1, so each term counts at most 1.
        covered = sum(w * counts[t] / (counts[t] + norm) for t, w in self.terms.items() if t in counts)
        return min(1.0, covered / sum(self.terms.values()))

    def is_relevant(self, text: str) -> bool:
        return self.score_text(text) >= self.threshold

    def score_link(self, url: str, anchor_text: str, parent_score: float) -> float:
        """Frontier priority in [0, 1] of a link, from its anchor text, its URL path and its page.

        The anchor-and-slug part is the matched profile weight over the weight of the top three
        terms, so a link naming two or three central terms scores near 1 whatever the profile size.
        """
        try:
            path = unquote(urlsplit(url).path)
        except ValueError:
            path = ""
        words = set(tokenize(anchor_text)) | set(tokenize(re.sub(r"[-_/.+]", " ", path)))
        ranked = sorted(self.terms.values(), reverse=True)[:3]
        matched = sum(w for t, w in self.terms.items() if t in words)
        own = min(1.0, matched / sum(ranked))
        inherited = min(1.0, max(0.0, parent_score)) if math.isfinite(parent_score) else 0.0
        return (1 - self.link_parent_share) * own + self.link_parent_share * inherited

    def to_json(self) -> str:
        return json.dumps(
            {"format": _PROFILE_FORMAT, "tokenizer": TOKENIZER_VERSION} | asdict(self), indent=1
        )

    @classmethod
    def from_json(cls, text: str) -> TopicProfile:
        data = json.loads(text)
        if data.pop("format", None) != _PROFILE_FORMAT:
            raise ValueError("not a seedcrawl topic profile")
        if data.pop("tokenizer", None) != TOKENIZER_VERSION:
            raise ValueError("profile was made with another tokenizer version; rebuild it")
        try:
            data["terms"] = {str(t): float(w) for t, w in data["terms"].items()}
            return cls(**data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed topic profile: {exc}") from None

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TopicProfile:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
