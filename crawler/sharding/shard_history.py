"""The capture history crawl shards share in Redis: payload digests for revisits, validators per URL.

One process keeps its capture history in SQLite (archive/digests.py, DIR/state/). Crawl shards
(`--redis`) keep it in Redis instead, so that a payload one shard archived becomes a revisit when
another shard fetches it, in the same run or a later one, and a URL captured by any shard is asked
for conditionally (If-None-Match, If-Modified-Since) by whichever shard owns it next, even with
another shard count. Keys, under `seedcrawl-archive:<folder hash>:` (not the run's prefix: the
history outlives a run, and a new run's reset of the run keys does not touch it):

    digests   HASH payload digest -> [uri, date, record id, file] of the first record holding it
    urls      HASH URL -> [target, date, record id, payload digest, etag, last-modified, file]
    files     SET of WARC files read whole into the history (closed by a shard, or synced)
    written   SET of WARC files the history has entries from

Like the SQLite store it is a cache of what the WARC files hold: `sync()` drops entries of files
that are gone and reads closed files it has not seen. It never stops a capture: when Redis cannot
be reached, a lookup finds nothing (a full response record is written) and a write is dropped,
with one warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

import redis

from seedcrawl.archive.digests import CaptureInfo, captures_in
from seedcrawl.archive.records import RevisitTarget
from seedcrawl.archive.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)

# KEYS: urls, written; ARGV: url, date of the capture's original, entry, file. A file read back by
# sync() may be older than what a running shard already noted: keep the newer capture.
_NOTE_IF_NEWER = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and cjson.decode(old)[2] > ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""
# KEYS: a hash; ARGV: field, file. Drops the entry only if it still points into that file.
_DROP_IF_IN = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local entry = cjson.decode(old)
  if entry[#entry] == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
end
return 0
"""


def history_prefix(root: Path) -> str:
    """The keys of one output folder's history (the same folder hash as the run's keys)."""
    folder = hashlib.blake2b(str(root.absolute()).encode("utf-8"), digest_size=6).hexdigest()
    return f"seedcrawl-archive:{folder}"


class RedisCaptureHistory:
    def __init__(
        self, redis_url: str, prefix: str, client: redis.Redis | None = None, warc_dir: Path | None = None
    ) -> None:
        self.warc_dir = warc_dir  # where sync() checks that a file is really gone
        self.redis = client or redis.Redis.from_url(redis_url)
        self._digests = f"{prefix}:digests"
        self._urls = f"{prefix}:urls"
        self._files = f"{prefix}:files"
        self._written = f"{prefix}:written"
        self._note_if_newer = self.redis.register_script(_NOTE_IF_NEWER)
        self._drop_if_in = self.redis.register_script(_DROP_IF_IN)
        self._warned = False

    def lookup(self, digest: str) -> RevisitTarget | None:
        try:
            raw = self.redis.hget(self._digests, digest)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if raw is None:
            return None
        uri, date, record_id, _file = json.loads(raw)
        return RevisitTarget(uri, date, record_id)

    def add(self, digest: str, target: RevisitTarget, file: str) -> None:
        entry = json.dumps([target.uri, target.date, target.record_id, file])
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hsetnx(self._digests, digest, entry)  # the first record of a payload is its original
            pipe.sadd(self._written, file)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def note_capture(self, url: str, info: CaptureInfo, file: str) -> None:
        """Record the newest successful capture of `url` (the writer's captures are the newest)."""
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(self._urls, url, _url_entry(info, file))
            pipe.sadd(self._written, file)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def last_capture(self, url: str) -> CaptureInfo | None:
        try:
            raw = self.redis.hget(self._urls, url)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if raw is None:
            return None
        target, date, record_id, digest, etag, last_modified, _file = json.loads(raw)
        return CaptureInfo(RevisitTarget(target, date, record_id), digest, etag, last_modified)

    def mark_file(self, name: str) -> None:
        try:
            self.redis.sadd(self._files, name)
        except redis.RedisError as exc:
            self._failed(exc)

    def commit(self) -> None:
        """Every write is sent when made: nothing is held back."""

    def sync(self, closed_files: Iterable[Path]) -> int:
        """Agree with the WARC files on disk; returns how many closed files were read.

        Other shards may be writing files right now: an open file (`.open`) counts as present,
        and what they note while this reads older files is not overwritten (see _NOTE_IF_NEWER)."""
        paths = list(closed_files)
        present = {path.name: path for path in paths}
        folders = {path.parent for path in paths} | ({self.warc_dir} if self.warc_dir else set())
        try:
            known = {_text(name) for name in self.redis.smembers(self._files)}
            written = {_text(name) for name in self.redis.smembers(self._written)}
            for gone in (known | written) - present.keys():
                # Looked at again now: another shard may have opened or closed it since the listing.
                if not any((f / gone).exists() or (f / (gone + OPEN_SUFFIX)).exists() for f in folders):
                    self._drop_file(gone)
            unread = sorted(present.keys() - known)
            for name in unread:
                for found in captures_in(present[name]):
                    if found.new_payload:
                        self.add(found.info.payload_digest, found.info.original, name)
                    self._note_if_newer(
                        keys=[self._urls, self._written],
                        args=[found.url, found.info.original.date, _url_entry(found.info, name), name],
                    )
                self.mark_file(name)
        except redis.RedisError as exc:
            self._failed(exc)
            return 0
        return len(unread)

    def _drop_file(self, name: str) -> None:
        for key in (self._digests, self._urls):
            for field, value in self.redis.hscan_iter(key, count=1000):
                if json.loads(value)[-1] == name:
                    self._drop_if_in(keys=[key], args=[field, name])
        self.redis.srem(self._files, name)
        self.redis.srem(self._written, name)

    def _failed(self, exc: redis.RedisError) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("capture history in Redis failed (%s): revisits and validators may be missed", exc)

    def close(self) -> None:
        self.redis.close()


def _url_entry(info: CaptureInfo, file: str) -> str:
    original = info.original
    return json.dumps(
        [
            original.uri,
            original.date,
            original.record_id,
            info.payload_digest,
            info.etag,
            info.last_modified,
            file,
        ]
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
