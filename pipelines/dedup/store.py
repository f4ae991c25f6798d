"""What the deduplicator remembers between documents and runs, behind one small interface.

A store holds, for every document it was told about, the id of the kept document it belongs to
(itself when kept); for kept documents their exact key and, when long enough to be near-matched,
their signature in a `MinHashLSH` index; and the size of every cluster. Two backends exist:
`LocalStore` (files in the output folder, the default) and `RedisStore` (one index shared by
several machines).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from seedcrawl.pipelines.dedup.normalize import NORMALIZATION_VERSION
from seedcrawl.pipelines.dedup.signatures import Signatures, SignatureScheme

# Default recall of the LSH stage for a pair exactly at the threshold; pairs above it are found
# with higher probability still (see `choose_lsh_params`).
LSH_RECALL_AT_THRESHOLD = 0.99


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that LSH with `bands` x `rows` proposes a pair of this Jaccard similarity."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_lsh_params(
    threshold: float, num_perm: int, recall_at_threshold: float = LSH_RECALL_AT_THRESHOLD
) -> tuple[int, int]:
    """The (bands, rows) with the most rows whose candidate probability at `threshold` is enough.

    Every candidate is verified against the threshold with its signature, so a false candidate
    costs one vector comparison while a missed one is a lost duplicate: the LSH stage is tuned for
    recall. More rows per band means fewer false candidates; the fewest bands that reach the recall
    target keep the index small (its memory grows with the number of bands).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if not 0.0 < recall_at_threshold < 1.0:
        raise ValueError(f"recall_at_threshold must be in (0, 1), got {recall_at_threshold}")
    for rows in range(num_perm // 2, 0, -1):
        hit = threshold**rows
        if hit >= 1.0:
            bands = 2
        elif hit <= 0.0:
            continue
        else:
            bands = max(2, math.ceil(math.log1p(-recall_at_threshold) / math.log1p(-hit)))
        if bands * rows <= num_perm:
            return bands, rows
    raise ValueError(f"no LSH banding of {num_perm} permutations reaches the recall target at {threshold}")


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Everything that must be equal for stored state to be matched against new documents."""

    scheme: SignatureScheme
    bands: int
    rows: int
    threshold: float = 0.5  # only to judge whether a stored banding still serves it
    normalization: int = NORMALIZATION_VERSION

    def __post_init__(self) -> None:
        if self.bands < 2 or self.rows < 1:
            raise ValueError(f"LSH needs at least 2 bands of 1 row, got {self.bands} x {self.rows}")
        if self.bands * self.rows > self.scheme.num_perm:
            raise ValueError(
                f"bands x rows = {self.bands * self.rows} exceeds num_perm = {self.scheme.num_perm}"
            )

    def signature_fields(self) -> dict[str, Any]:
        """The fields that decide what a stored signature or exact key means."""
        s = self.scheme
        return {
            "num_perm": s.num_perm,
            "seed": s.seed,
            "shingle_size": s.shingle_size,
            "hash": s.hash,
            "normalization": self.normalization,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.signature_fields(), "bands": self.bands, "rows": self.rows}

    def check_compatible(self, stored: dict[str, Any], where: str) -> None:
        """Raise ValueError if signatures stored with `stored` settings cannot be matched with these."""
        if stored.get("normalization") != self.normalization:
            # not a setting the user chose: no option brings the stored signatures back
            raise ValueError(
                f"the dedup index at {where} was built by another seedcrawl version (text normalisation "
                f"version {stored.get('normalization')!r}; this one uses {self.normalization}, which "
                "compares Chinese and Japanese text character by character). Its signatures cannot be "
                "matched with new ones: keep using that seedcrawl version for this folder, or process "
                "into a new output folder"
            )
        diff = {k: (stored.get(k), v) for k, v in self.signature_fields().items() if stored.get(k) != v}
        if diff:
            shown = ", ".join(f"{k}: stored {a!r}, configured {b!r}" for k, (a, b) in sorted(diff.items()))
            raise ValueError(
                f"the dedup index at {where} was built with other settings ({shown}); "
                "use the stored settings or a new index location"
            )

    def adopt_banding(self, stored: dict[str, Any], where: str) -> IndexSettings:
        """These settings with the banding of an index that cannot be rebuilt (a shared one).

        A banding chosen for another threshold still serves this one if it proposes pairs at this
        threshold often enough; a higher threshold always qualifies.
        """
        bands, rows = int(stored["bands"]), int(stored["rows"])
        found = candidate_probability(self.threshold, bands, rows)
        if found < 0.9:
            raise ValueError(
                f"the dedup index at {where} is banded {bands} x {rows}, which proposes only {found:.0%} "
                f"of the pairs at threshold {self.threshold}; use a higher threshold or a new index location"
            )
        return replace(self, bands=bands, rows=rows)


class SignatureStore(ABC):
    """Storage of kept documents, memberships and cluster sizes (see the module docstring)."""

    @abstractmethod
    def open(self, settings: IndexSettings) -> None:
        """Load or create the state; ValueError if it was built with incompatible settings."""

    @abstractmethod
    def member_of(self, doc_id: str) -> str | None:
        """The kept document `doc_id` was recorded under (itself if kept), or None if unknown."""

    @abstractmethod
    def kept_by_exact(self, key: bytes) -> str | None:
        """The kept document with this exact key, if any."""

    @abstractmethod
    def candidates(self, signature: Signatures) -> list[str]:
        """Kept documents the LSH index proposes as possibly similar (unverified)."""

    @abstractmethod
    def signatures(self, doc_ids: Sequence[str]) -> dict[str, Signatures]:
        """Stored signatures of these kept documents; ids without one are left out."""

    @abstractmethod
    def add_kept(self, doc_id: str, key: bytes, signature: Signatures | None) -> str:
        """Record a kept document; returns the kept id it was recorded under.

        That is `doc_id`, except in a shared store where another writer recorded the same text
        (or the same id) first: the document is then recorded under that writer's kept document.
        """

    @abstractmethod
    def add_duplicate(self, doc_id: str, kept_id: str) -> None:
        """Record `doc_id` as a duplicate of the kept `kept_id` (its cluster grows by one)."""

    @abstractmethod
    def cluster_size(self, kept_id: str) -> int:
        """Documents recorded under `kept_id`, itself included (0 if unknown)."""

    @abstractmethod
    def commit(self) -> None:
        """Make everything recorded so far durable, all or nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing to release
        """Release connections; uncommitted records are dropped."""
