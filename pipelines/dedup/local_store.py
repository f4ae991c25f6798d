"""The default store: state in memory, persisted as append-only shards in `DIR/dedup/`.

Layout (all written by `commit`):

* ``shard-NNNNNN.npz``: what one commit added: ``kept_ids`` and ``kept_keys`` (16-byte exact keys)
  of kept documents, ``sig_ids`` and ``sigs`` (uint32, one row of num_perm per document long
  enough to be near-matched), ``dup_ids`` and ``dup_of`` (duplicates and the kept id each belongs
  to). Nothing already written is rewritten; cluster sizes are counted from the shards on load.
* ``manifest.json``: settings, and the shards that make up the state with their SHA-256. It is
  replaced last, so it is the commit point: a run killed at any moment leaves the manifest of the
  previous commit, and shards it does not list are ignored (and overwritten by the next commit).
* ``lock``: held (``flock``) by the open store, so a second run on the folder stops at once.

Every file is written to a temporary name, fsynced and renamed, then the directory is fsynced.
The LSH index is not stored: it is rebuilt from the signatures on load (in memory, with the
compact bucket storage of `lsh_storage`), which also lets a later run change the threshold.
After `_COMPACT_AFTER` shards, a commit writes one merged shard instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from datasketch import MinHashLSH

from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.pipelines.dedup.lsh_storage import bulk_insert, compact_lsh, query
from seedcrawl.pipelines.dedup.signatures import Signatures
from seedcrawl.pipelines.dedup.store import IndexSettings, SignatureStore
from seedcrawl.pipelines.errors import PipelineError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_COMPACT_AFTER = 64


class LocalStore(SignatureStore):
    """State of one output folder; `path` is usually ``DIR/dedup``.

    One writer at a time: `open` takes an exclusive lock on ``path/lock`` until `close`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._settings: IndexSettings | None = None
        self._lsh: MinHashLSH | None = None
        self._shards: list[dict[str, Any]] = []
        self._member: dict[str, str] = {}
        self._exact: dict[bytes, str] = {}
        self._count: dict[str, int] = {}
        self._row: dict[str, int] = {}
        self._sigs = np.zeros((0, 0), dtype=np.uint32)
        self._pending_kept: list[tuple[str, bytes]] = []
        self._pending_sig_rows = 0
        self._pending_dups: list[tuple[str, str]] = []
        self._lock: IO[bytes] | None = None

    def open(self, settings: IndexSettings) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        # Two runs appending to one folder would each write the next shard and one would be lost.
        lock = open(self.path / "lock", "ab")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise PipelineError(f"the dedup index {self.path} is in use by another run") from None
        self._lock = lock
        try:
            self._load(settings)
        except BaseException:
            self.close()
            raise

    def _load(self, settings: IndexSettings) -> None:
        self._settings = settings
        self._lsh = compact_lsh(settings.scheme.num_perm, settings.bands, settings.rows)
        self._sigs = np.zeros((1024, settings.scheme.num_perm), dtype=np.uint32)
        manifest_path = self.path / MANIFEST
        if not manifest_path.exists():
            return
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PipelineError(f"unreadable dedup manifest {manifest_path}: {exc}") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise PipelineError(f"{manifest_path}: unknown format {manifest.get('format')!r}")
        settings.check_compatible(manifest["settings"], str(self.path))
        for shard in manifest["shards"]:
            self._load_shard(shard)
        self._shards = list(manifest["shards"])

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def _load_shard(self, shard: dict[str, Any]) -> None:
        path = self.path / shard["name"]
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise PipelineError(f"dedup shard listed in the manifest is unreadable: {exc}") from exc
        if hashlib.sha256(blob).hexdigest() != shard["sha256"]:
            raise PipelineError(f"dedup shard {path} does not match its checksum")
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            kept_ids = data["kept_ids"].tolist()
            kept_keys = [bytes(k) for k in data["kept_keys"]]
            self._apply_kept(kept_ids, kept_keys)
            self._append_signatures(data["sig_ids"].tolist(), data["sigs"])
            for doc_id, kept_id in zip(data["dup_ids"].tolist(), data["dup_of"].tolist(), strict=True):
                self._apply_duplicate(doc_id, kept_id)

    def _apply_kept(self, ids: Sequence[str], keys: Sequence[bytes]) -> None:
        for doc_id, key in zip(ids, keys, strict=True):
            self._member[doc_id] = doc_id
            self._count[doc_id] = self._count.get(doc_id, 0) + 1
            self._exact.setdefault(key, doc_id)

    def _apply_duplicate(self, doc_id: str, kept_id: str) -> None:
        self._member[doc_id] = kept_id
        self._count[kept_id] = self._count.get(kept_id, 0) + 1

    def _append_signatures(self, ids: Sequence[str], sigs: Signatures) -> None:
        assert self._lsh is not None and self._settings is not None
        if not len(ids):
            return
        start = len(self._row)
        needed = start + len(ids)
        if needed > len(self._sigs):
            grown = np.zeros((max(needed, 2 * len(self._sigs)), self._sigs.shape[1]), dtype=np.uint32)
            grown[:start] = self._sigs[:start]
            self._sigs = grown
        self._sigs[start:needed] = sigs
        for offset, doc_id in enumerate(ids):
            self._row[doc_id] = start + offset
        bulk_insert(self._lsh, ids, sigs)

    def member_of(self, doc_id: str) -> str | None:
        return self._member.get(doc_id)

    def kept_by_exact(self, key: bytes) -> str | None:
        return self._exact.get(key)

    def candidates(self, signature: Signatures) -> list[str]:
        assert self._lsh is not None, "open() first"
        return [str(c) for c in query(self._lsh, signature)]

    def signatures(self, doc_ids: Sequence[str]) -> dict[str, Signatures]:
        return {i: self._sigs[self._row[i]] for i in doc_ids if i in self._row}

    def add_kept(self, doc_id: str, key: bytes, signature: Signatures | None) -> str:
        self._apply_kept([doc_id], [key])
        self._pending_kept.append((doc_id, key))
        if signature is not None:
            self._append_signatures([doc_id], signature[None, :])
            self._pending_sig_rows += 1
        return doc_id

    def add_duplicate(self, doc_id: str, kept_id: str) -> None:
        self._apply_duplicate(doc_id, kept_id)
        self._pending_dups.append((doc_id, kept_id))

    def cluster_size(self, kept_id: str) -> int:
        return self._count.get(kept_id, 0)

    def commit(self) -> None:
        if self._settings is None or self._lock is None:
            raise RuntimeError("commit() needs an open store")
        if not (self._pending_kept or self._pending_dups) and self._shards:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        number = max((int(s["name"][6:12]) for s in self._shards), default=0) + 1
        if len(self._shards) + 1 >= _COMPACT_AFTER:
            kept = [(i, k) for k, i in self._exact.items()]
            dups = [(d, k) for d, k in self._member.items() if d != k]
            arrays = _shard_arrays(kept, list(self._row), self._sigs[: len(self._row)], dups)
            shards: list[dict[str, Any]] = []
        else:
            sig_ids = list(self._row)[len(self._row) - self._pending_sig_rows :]
            sigs = self._sigs[len(self._row) - self._pending_sig_rows : len(self._row)]
            arrays = _shard_arrays(self._pending_kept, sig_ids, sigs, self._pending_dups)
            shards = list(self._shards)
        name = f"shard-{number:06d}.npz"
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        blob = buffer.getvalue()
        write_bytes_atomically(self.path / name, blob)
        shards.append(
            {"name": name, "sha256": hashlib.sha256(blob).hexdigest(), "kept": len(arrays["kept_ids"])}
        )
        manifest = {"format": FORMAT_VERSION, "settings": self._settings.to_json(), "shards": shards}
        write_bytes_atomically(self.path / MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        dropped = {s["name"] for s in self._shards} - {s["name"] for s in shards}
        for old in dropped:
            (self.path / old).unlink(missing_ok=True)
        self._shards = shards
        self._pending_kept, self._pending_dups, self._pending_sig_rows = [], [], 0


def _shard_arrays(
    kept: Sequence[tuple[str, bytes]],
    sig_ids: Sequence[str],
    sigs: Signatures,
    dups: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    keys = np.frombuffer(b"".join(k for _, k in kept), dtype=np.uint8).reshape(len(kept), 16)
    return {
        "kept_ids": np.array([i for i, _ in kept], dtype=str),
        "kept_keys": keys,
        "sig_ids": np.array(sig_ids, dtype=str),
        "sigs": np.ascontiguousarray(sigs, dtype=np.uint32),
        "dup_ids": np.array([d for d, _ in dups], dtype=str),
        "dup_of": np.array([k for _, k in dups], dtype=str),
    }
