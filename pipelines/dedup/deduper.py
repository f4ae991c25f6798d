"""Drop exact and near-duplicate documents, keeping the first of each cluster.

Keep rule: the caller feeds documents in `keep_order` (earliest `published` first, documents with
no date after dated ones, then earliest `fetched_at`, then `id`), and the first document of a
cluster in that order is kept. Because the corpus is append-only, a document kept by an earlier
run stays kept, even if a later run finds a copy with an earlier date: that copy becomes its
duplicate.

Matching, for each document:

1. a document whose id was recorded before gets its recorded verdict again (re-runs are idempotent);
2. exact: the BLAKE2 key of its normalised text equals a kept document's (`kind="exact"`); texts
   with no words left (only punctuation) are therefore exact duplicates of one another;
3. near: only for texts of at least `min_words` normalised words; the LSH index proposes kept
   documents, and each is verified by the Jaccard similarity estimated from the two signatures;
   the most similar at or above `threshold` (ties: smallest id) is the one it duplicates.
   Shorter texts (captions, briefs, paywall stubs) share too few shingles for a meaningful
   estimate, so they are matched exactly or not at all, and are never near-match targets.

Cluster sizes: `cluster_size(kept_id)` counts the documents recorded under a kept document, itself
included, across runs. A caller that writes kept records as they come writes the size known then
(usually 1) and at the end of a run writes `cluster_updates()` (kept id -> final size for every
cluster created or grown in this run) to a sidecar, e.g. ``clusters.jsonl`` lines
``{"id": ..., "cluster_size": ...}``; a reader takes the last line for an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

import numpy as np

from seedcrawl.contract.records import warc_ref
from seedcrawl.pipelines.dedup.normalize import exact_key, normalize_text
from seedcrawl.pipelines.dedup.signatures import HashName, SignatureComputer, Signatures, SignatureScheme
from seedcrawl.pipelines.dedup.store import IndexSettings, SignatureStore, choose_lsh_params
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.words import word_count

Kind = Literal["exact", "near"]


def keep_order(doc: Document) -> tuple[bool, str, str, str]:
    """Sort key of the keep rule: earliest published (undated last), earliest fetched, then id."""
    return (doc.published is None, doc.published or "", doc.fetched_at, doc.id)


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Matching parameters; see bench/results/dedup.md for how the defaults were chosen."""

    threshold: float = 0.5  # estimated Jaccard of word shingles at or above which texts are duplicates
    num_perm: int = 128
    shingle_size: int = 5  # words per shingle
    min_words: int = 50  # shorter normalised texts are matched exactly only
    seed: int = 1
    hash: HashName = "fast"  # shingle hash: "fast" (vectorised) or "sha1" (datasketch's default)
    lsh_params: tuple[int, int] | None = None  # (bands, rows); None: `choose_lsh_params(threshold)`
    batch_size: int = 256  # documents whose signatures `process` computes at once
    # A near duplicate must also be this similar to the first near duplicate of the cluster it
    # joins (within a run), which stops a hub chaining clusters; 0 turns the bound off.
    anchor_similarity: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.min_words < self.shingle_size:
            raise ValueError(
                f"min_words ({self.min_words}) must be at least shingle_size ({self.shingle_size})"
            )
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {self.batch_size}")
        if self.lsh_params is not None and (
            len(self.lsh_params) != 2 or not all(isinstance(v, int) for v in self.lsh_params)
        ):
            raise ValueError(f"lsh_params must be (bands, rows), got {self.lsh_params!r}")
        self.index_settings()  # validates the signature scheme and the banding

    def scheme(self) -> SignatureScheme:
        return SignatureScheme(self.num_perm, self.seed, self.shingle_size, self.hash)

    def index_settings(self) -> IndexSettings:
        scheme = self.scheme()
        bands, rows = self.lsh_params or choose_lsh_params(self.threshold, self.num_perm)
        return IndexSettings(scheme=scheme, bands=bands, rows=rows, threshold=self.threshold)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one document: keep it, or drop it as a duplicate of a kept one."""

    doc_id: str
    duplicate_of: str | None = None  # the kept document; None when this one is kept
    kind: Kind | None = None
    similarity: float | None = None  # 1.0 for exact, estimated Jaccard for near, None when kept
    known: bool = False  # recorded before (same id): adding it again changes nothing
    exact_key: bytes = field(default=b"", repr=False)
    signature: Signatures | None = field(default=None, repr=False, compare=False)
    generation: int = field(default=-1, repr=False, compare=False)

    @property
    def kept(self) -> bool:
        return self.duplicate_of is None


@dataclass(slots=True)
class Prepared:
    """What matching needs of a document's text: exact key, word count, signature (long texts).

    A pure function of the text (`prepare`), so it can be computed wherever the text is extracted,
    in parallel, and handed to the one ordered dedup step (`Deduplicator.process_prepared`).
    """

    key: bytes
    words: int
    signature: Signatures | None


def prepare(texts: Sequence[str], config: DedupConfig, computer: SignatureComputer) -> list[Prepared]:
    """`Prepared` for each (extracted, not yet normalised) text; signatures in one batch."""
    normalized = [normalize_text(text) for text in texts]
    prepared = [Prepared(exact_key(t), word_count(t), None) for t in normalized]
    long = [i for i, p in enumerate(prepared) if p.words >= config.min_words]
    if long:
        sigs = computer.compute([normalized[i] for i in long])
        for row, i in enumerate(long):
            prepared[i].signature = sigs[row]
    return prepared


def duplicate_record(doc: Document, verdict: Verdict) -> dict[str, Any]:
    """The duplicates.jsonl line for a dropped document: what it duplicates and where it lives."""
    if verdict.kept or verdict.doc_id != doc.id:
        raise ValueError(f"verdict for {verdict.doc_id!r} is not a duplicate verdict for {doc.id!r}")
    return {
        "id": doc.id,
        "duplicate_of": verdict.duplicate_of,
        "similarity": verdict.similarity,
        "kind": verdict.kind,
        "url": doc.url,
        "fetched_at": doc.fetched_at or None,
        "run_id": doc.run_id,
        "warc": warc_ref(doc.warc),
    }


class Deduplicator:
    """Checks documents against everything kept before (this run and earlier ones).

    Use `process` for a stream (check and record each document in order, signatures computed in
    batches), or `check` then `add` for one document at a time; `commit` makes the records durable.

    Example:
        >>> import tempfile
        >>> from pipelines.dedup import LocalStore
        >>> from pipelines.document import WarcRef
        >>> ref = WarcRef("a.warc.gz", 0, 1, "<urn:uuid:1>", None)
        >>> text = " ".join(f"word{i}" for i in range(60))
        >>> docs = [Document(i, "https://x.example/" + i, "2026-01-01T00:00:00Z", ref, text=text) for i in "ab"]
        >>> with Deduplicator(DedupConfig(), LocalStore(tempfile.mkdtemp())) as dedup:
        ...     [(doc.id, v.duplicate_of, v.kind) for doc, v in dedup.process(docs)]
        [('a', None, None), ('b', 'a', 'exact')]
    """

    def __init__(self, config: DedupConfig, store: SignatureStore) -> None:
        self.config = config
        self.store = store
        self._computer = SignatureComputer(config.scheme())
        store.open(config.index_settings())
        self._generation = 0
        self._touched: set[str] = set()
        # Kept id -> signature of the first near duplicate recorded under it in this run (see
        # `_best_near_match`): bounds what one "hub" kept document can pull together.
        self._anchor: dict[str, Signatures] = {}

    def __enter__(self) -> Deduplicator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check(self, doc: Document) -> Verdict:
        """The verdict for `doc` against what has been added so far; records nothing."""
        return self._decide(doc, self._prepare([doc])[0])

    def add(self, verdict: Verdict) -> Verdict:
        """Record a verdict from `check` made since the last `add`; returns what was recorded.

        In a shared store another writer may have kept the same text first: the document is then
        recorded, and returned, as its exact duplicate.
        """
        if verdict.known:
            return verdict
        if verdict.generation != self._generation:
            raise ValueError(f"stale verdict for {verdict.doc_id!r}: check it again after the last add")
        self._generation += 1
        if verdict.duplicate_of is not None:
            self.store.add_duplicate(verdict.doc_id, verdict.duplicate_of)
            self._touched.add(verdict.duplicate_of)
            if verdict.kind == "near" and verdict.signature is not None:
                self._anchor.setdefault(verdict.duplicate_of, verdict.signature)
            return verdict
        owner = self.store.add_kept(verdict.doc_id, verdict.exact_key, verdict.signature)
        self._touched.add(owner)
        if owner != verdict.doc_id:
            return self._known(verdict.doc_id, owner, verdict.exact_key, verdict.signature)
        return verdict

    def process(self, docs: Iterable[Document]) -> Iterator[tuple[Document, Verdict]]:
        """Check and record each document in the given order (see `keep_order`); one verdict each."""
        it = iter(docs)
        while batch := list(islice(it, self.config.batch_size)):
            for doc, prepared in zip(batch, self._prepare(batch), strict=True):
                yield doc, self.add(self._decide(doc, prepared))

    def process_prepared(
        self, items: Iterable[tuple[Document, Prepared]]
    ) -> Iterator[tuple[Document, Verdict]]:
        """`process` for documents whose `Prepared` was computed elsewhere (with this config)."""
        for doc, prepared in items:
            yield doc, self.add(self._decide(doc, prepared))

    def cluster_size(self, kept_id: str) -> int:
        """Documents recorded under `kept_id`, itself included, in this run and earlier ones."""
        return self.store.cluster_size(kept_id)

    def cluster_updates(self) -> dict[str, int]:
        """Kept id -> cluster size, for every cluster created or grown since this instance opened."""
        return {kept_id: self.store.cluster_size(kept_id) for kept_id in sorted(self._touched)}

    def commit(self) -> None:
        """Make everything added so far durable (all or nothing); call once the run's outputs are."""
        self.store.commit()

    def close(self) -> None:
        """Release the store; anything added since the last `commit` is forgotten by a LocalStore."""
        self.store.close()

    def _prepare(self, docs: Sequence[Document]) -> list[Prepared]:
        return prepare([doc.text for doc in docs], self.config, self._computer)

    def _decide(self, doc: Document, prepared: Prepared) -> Verdict:
        key, sig, gen = prepared.key, prepared.signature, self._generation
        known = self.store.member_of(doc.id)
        if known is not None:
            return self._known(doc.id, known, key, sig)
        owner = self.store.kept_by_exact(key)
        if owner is not None:
            return Verdict(doc.id, owner, "exact", 1.0, exact_key=key, signature=sig, generation=gen)
        if sig is None:
            return Verdict(doc.id, exact_key=key, generation=gen)
        best = self._best_near_match(sig)
        if best is None:
            return Verdict(doc.id, exact_key=key, signature=sig, generation=gen)
        return Verdict(doc.id, best[0], "near", best[1], exact_key=key, signature=sig, generation=gen)

    def _known(self, doc_id: str, kept_id: str, key: bytes, sig: Signatures | None) -> Verdict:
        """The verdict of a document already recorded (by this writer or, in a shared store, another)."""
        if kept_id == doc_id:
            return Verdict(doc_id, known=True, exact_key=key, signature=sig)
        if self.store.kept_by_exact(key) == kept_id:
            return Verdict(doc_id, kept_id, "exact", 1.0, True, key, sig)
        stored = self.store.signatures([kept_id]).get(kept_id)
        similarity = None if sig is None or stored is None else float(np.mean(sig == stored))
        return Verdict(doc_id, kept_id, "near", similarity, True, key, sig)

    def _best_near_match(self, sig: Signatures) -> tuple[str, float] | None:
        """The most similar kept candidate at or above the threshold that its cluster admits.

        Every candidate is verified against the kept document itself (no chain through another
        duplicate). A kept "hub" (a digest page holding two stories whole) is still about 0.5
        similar to each story and to each of their copies, so it could pull distinct clusters
        together; so a document joins a cluster that already has a near duplicate only if it is
        also at least `anchor_similarity` similar to that first one. Copies of one story share
        far more than that with one another; two stories joined by a hub share next to nothing.
        """
        candidates = sorted(self.store.candidates(sig))
        if not candidates:
            return None
        stored = self.store.signatures(candidates)
        ids = [c for c in candidates if c in stored]
        if not ids:
            return None
        sims = (np.stack([stored[c] for c in ids]) == sig).mean(axis=1)
        # best first; ties go to the smallest id (stable sort of ids already in order)
        for best in np.argsort(-sims, kind="stable"):
            if sims[best] < self.config.threshold:
                return None
            anchor = self._anchor.get(ids[best])
            if anchor is None or float(np.mean(anchor == sig)) >= self.config.anchor_similarity:
                return ids[best], float(sims[best])
        return None
