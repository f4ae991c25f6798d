"""A store in Redis, so that several crawl machines share one dedup index.

Keys, under a namespace (default ``seedcrawl:dedup``):

* ``NS:settings``: the index settings as JSON, set by the first writer and checked by the others;
* ``NS:member`` (hash id -> kept id), ``NS:exact`` (hash exact key -> kept id),
  ``NS:sig`` (hash kept id -> num_perm little-endian uint32), ``NS:count`` (hash kept id -> size);
* ``NS:lsh...``: datasketch's own Redis storage of the `MinHashLSH` bands.

Every record is written as it is added, so other machines see it at once, and `commit` has
nothing left to do. Each add is one Lua script, which Redis runs atomically: a killed writer leaves
a document recorded whole (membership, exact key, signature, count and LSH entries) or not at all.
The script also settles races on exact keys: if another machine kept the same text first, the
document is recorded as its duplicate. A check costs four round trips (member, exact key, LSH
buckets read by one script, candidate signatures); an add costs one. Two machines may still both keep two near-duplicates checked at the
same moment; see bench/results/dedup.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import redis
from datasketch import MinHashLSH

from seedcrawl.pipelines.dedup.lsh_storage import band_keys
from seedcrawl.pipelines.dedup.signatures import Signatures
from seedcrawl.pipelines.dedup.store import IndexSettings, SignatureStore
from seedcrawl.pipelines.errors import PipelineError

DEFAULT_NAMESPACE = "seedcrawl:dedup"

# KEYS: member, exact, sig, count hashes; with a signature also the LSH keys hash, the id's LSH
# key list, then (band hash, bucket set) per band. ARGV: id, exact key, signature ("" when none),
# then the band keys. The LSH entries are written as datasketch's RedisListStorage and
# RedisSetStorage `_insert` write them (a test reads them back with `MinHashLSH.query`), and only
# for a document that really is kept, so no bucket ever names a duplicate.
_ADD_KEPT = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then return owner end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 0 then
  owner = redis.call('HGET', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[1], ARGV[1], owner)
  redis.call('HINCRBY', KEYS[4], owner, 1)
  return owner
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('HSET', KEYS[5], ARGV[1], KEYS[6])
  redis.call('RPUSH', KEYS[6], unpack(ARGV, 4))
  for i = 4, #ARGV do
    local t = 2 * i - 1
    redis.call('HSET', KEYS[t], ARGV[i], KEYS[t + 1])
    redis.call('SADD', KEYS[t + 1], ARGV[1])
  end
end
return ARGV[1]
"""
# KEYS: the bucket sets of a signature's bands. Returns the union of their members.
_QUERY = """
local out, seen = {}, {}
for i = 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members do
    local m = members[j]
    if not seen[m] then
      seen[m] = true
      out[#out + 1] = m
    end
  end
end
return out
"""
# KEYS: member, count. ARGV: id, kept id. Counting only a new membership keeps re-adds idempotent.
_ADD_DUPLICATE = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return 1
"""


def parse_redis_url(url: str) -> dict[str, Any]:
    """``redis://[user:password@]host[:port][/db]`` -> keyword arguments for `redis.Redis`."""
    parts = urlsplit(url)
    if parts.password:  # error messages end up in logs: never repeat a password there
        url = url.replace(f":{parts.password}@", ":***@", 1)
    if parts.scheme != "redis":
        raise ValueError(f"Redis URL must start with redis://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"Redis URL has no host: {url!r}")
    try:
        port = parts.port or 6379
    except ValueError as exc:
        raise ValueError(f"Redis URL has a bad port: {url!r}") from exc
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ValueError(f"Redis URL database must be a number, got {db_text!r} in {url!r}")
    params: dict[str, Any] = {"host": parts.hostname, "port": port, "db": int(db_text)}
    if parts.username:
        params["username"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    return params


class RedisStore(SignatureStore):
    """State in the Redis database at `url` (e.g. ``redis://127.0.0.1:6379/0``) under `namespace`."""

    def __init__(self, url: str, namespace: str = DEFAULT_NAMESPACE) -> None:
        if not namespace or any(c.isspace() for c in namespace):
            raise ValueError(f"namespace must be a non-empty word, got {namespace!r}")
        self.url = url
        self.namespace = namespace
        self._params = parse_redis_url(url)
        self._redis = redis.Redis(**self._params)
        ns = namespace
        self._k_settings = f"{ns}:settings"
        self._k_member, self._k_exact = f"{ns}:member", f"{ns}:exact"
        self._k_sig, self._k_count = f"{ns}:sig", f"{ns}:count"
        self._add_kept = self._redis.register_script(_ADD_KEPT)
        self._add_duplicate = self._redis.register_script(_ADD_DUPLICATE)
        self._query = self._redis.register_script(_QUERY)
        self._lsh: MinHashLSH | None = None

    def open(self, settings: IndexSettings) -> None:
        where = f"{self._params['host']}:{self._params['port']}/{self._params['db']} ({self.namespace})"
        try:
            self._redis.set(self._k_settings, json.dumps(settings.to_json()), nx=True)
            stored = self._redis.get(self._k_settings)
        except redis.RedisError as exc:
            raise PipelineError(f"cannot reach the Redis dedup index at {where}: {exc}") from exc
        stored_settings = json.loads(stored or b"{}")
        settings.check_compatible(stored_settings, where)
        # Writers share the LSH buckets, so they must share the banding its first writer chose.
        settings = settings.adopt_banding(stored_settings, where)
        config = {"type": "redis", "basename": f"{self.namespace}:lsh".encode(), "redis": self._params}
        # Keys are ids as UTF-8 bytes: with prepickle, ids read back from a shared server would be
        # unpickled, and anyone able to write to it could run code in every crawler.
        self._lsh = MinHashLSH(
            num_perm=settings.scheme.num_perm,
            params=(settings.bands, settings.rows),
            storage_config=config,
            prepickle=False,
        )

    def member_of(self, doc_id: str) -> str | None:
        return _text(self._redis.hget(self._k_member, doc_id))

    def kept_by_exact(self, key: bytes) -> str | None:
        return _text(self._redis.hget(self._k_exact, key))

    def candidates(self, signature: Signatures) -> list[str]:
        # `MinHashLSH.query` makes one round trip per band; one script reads the same buckets
        # (named by the storages' own `redis_key`) in one.
        lsh = self._index()
        buckets = [
            table.redis_key(keys[0])
            for table, keys in zip(lsh.hashtables, band_keys(lsh, signature[None, :]), strict=True)
        ]
        return [doc_id.decode("utf-8") for doc_id in self._query(keys=buckets)]

    def signatures(self, doc_ids: Sequence[str]) -> dict[str, Signatures]:
        if not doc_ids:
            return {}
        values: list[bytes | None] = self._redis.hmget(self._k_sig, list(doc_ids))  # type: ignore[assignment]
        return {
            doc_id: np.frombuffer(raw, dtype="<u4").astype(np.uint32)
            for doc_id, raw in zip(doc_ids, values, strict=True)
            if raw is not None
        }

    def add_kept(self, doc_id: str, key: bytes, signature: Signatures | None) -> str:
        keys: list[str | bytes] = [self._k_member, self._k_exact, self._k_sig, self._k_count]
        args: list[str | bytes] = [doc_id, key, b""]
        if signature is not None:
            lsh = self._index()
            member = doc_id.encode("utf-8")
            bands = [band[0] for band in band_keys(lsh, signature[None, :])]
            # `redis_key(b"")` is a storage's own name: the hash that lists its keys.
            keys += [lsh.keys.redis_key(b""), lsh.keys.redis_key(member)]
            for band, table in zip(bands, lsh.hashtables, strict=True):
                keys += [table.redis_key(b""), table.redis_key(band)]
            args = [doc_id, key, signature.astype("<u4").tobytes(), *bands]
        return _text(self._add_kept(keys=keys, args=args)) or doc_id

    def add_duplicate(self, doc_id: str, kept_id: str) -> None:
        self._add_duplicate(keys=[self._k_member, self._k_count], args=[doc_id, kept_id])

    def cluster_size(self, kept_id: str) -> int:
        value = self._redis.hget(self._k_count, kept_id)
        return int(value) if value is not None else 0

    def commit(self) -> None:
        """Nothing to do: every record was written, whole, when it was added."""

    def close(self) -> None:
        self._redis.close()

    def _index(self) -> MinHashLSH:
        if self._lsh is None:
            raise RuntimeError("open() the store first")
        return self._lsh


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
