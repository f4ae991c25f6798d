"""Exact and near-duplicate removal that persists across runs (MinHash LSH over word shingles).

Public surface:

* `Deduplicator(config, store)`: `process(docs)`, `check(doc)` / `add(verdict)`, `commit()`,
  `cluster_size(id)`, `cluster_updates()`; `keep_order` is the sort key of the keep rule.
* `DedupConfig`, `Verdict`, `duplicate_record(doc, verdict)` (a duplicates.jsonl line).
* Stores: `LocalStore(DIR / "dedup")` (default, files) and `RedisStore(url)` (shared index);
  `open_store(DIR, redis_url=None)` picks one.
* `normalize_text`, `SignatureComputer` / `SignatureScheme` / `shingles` / `fast_hash32`.

A run, as the processing flow would drive it::

    with Deduplicator(DedupConfig(), open_store(out_dir, redis_url)) as dedup:
        for doc, verdict in dedup.process(sorted(docs, key=keep_order)):
            if verdict.kept:
                doc.cluster_size = dedup.cluster_size(doc.id)
                corpus.write(doc)
            else:
                duplicates.write(duplicate_record(doc, verdict))
        dedup.commit()
        clusters.write(dedup.cluster_updates())  # {"id", "cluster_size"} per grown cluster

Documents recorded before (same id) get the same verdict again with ``known=True``, so a run that
died between `commit` and writing its outputs can simply be repeated.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seedcrawl.pipelines.dedup.deduper import (
        DedupConfig,
        Deduplicator,
        Prepared,
        Verdict,
        duplicate_record,
        keep_order,
        prepare,
    )
    from seedcrawl.pipelines.dedup.local_store import LocalStore
    from seedcrawl.pipelines.dedup.normalize import exact_key, normalize_text
    from seedcrawl.pipelines.dedup.redis_store import DEFAULT_NAMESPACE, RedisStore
    from seedcrawl.pipelines.dedup.signatures import SignatureComputer, SignatureScheme, fast_hash32, shingles
    from seedcrawl.pipelines.dedup.store import IndexSettings, SignatureStore, choose_lsh_params

# Names are imported on first use: importing datasketch costs about a second of CPU (it pulls in
# scipy), and extraction workers, which only need `normalize_text`, never pay it.
_HOMES = {
    "DedupConfig": "deduper",
    "Deduplicator": "deduper",
    "Verdict": "deduper",
    "Prepared": "deduper",
    "prepare": "deduper",
    "duplicate_record": "deduper",
    "keep_order": "deduper",
    "LocalStore": "local_store",
    "exact_key": "normalize",
    "normalize_text": "normalize",
    "RedisStore": "redis_store",
    "DEFAULT_NAMESPACE": "redis_store",
    "SignatureComputer": "signatures",
    "SignatureScheme": "signatures",
    "fast_hash32": "signatures",
    "shingles": "signatures",
    "IndexSettings": "store",
    "SignatureStore": "store",
    "choose_lsh_params": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def open_store(
    output_dir: str | os.PathLike[str], redis_url: str | None = None, namespace: str | None = None
) -> SignatureStore:
    """The store for an output folder: ``DIR/dedup`` on disk, or the Redis index at `redis_url`."""
    if redis_url:
        from seedcrawl.pipelines.dedup.redis_store import DEFAULT_NAMESPACE, RedisStore

        return RedisStore(redis_url, namespace=namespace or DEFAULT_NAMESPACE)
    from seedcrawl.pipelines.dedup.local_store import LocalStore

    return LocalStore(Path(output_dir) / "dedup")


__all__ = [
    "DEFAULT_NAMESPACE",
    "DedupConfig",
    "Deduplicator",
    "IndexSettings",
    "LocalStore",
    "Prepared",
    "RedisStore",
    "SignatureComputer",
    "SignatureScheme",
    "SignatureStore",
    "Verdict",
    "choose_lsh_params",
    "duplicate_record",
    "exact_key",
    "fast_hash32",
    "keep_order",
    "normalize_text",
    "open_store",
    "prepare",
    "shingles",
]
