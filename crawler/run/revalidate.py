"""Conditional requests for articles fetched again (`--refetch`): validators of the last capture.

The validators of a URL's latest 2xx capture (its ETag and Last-Modified) become If-None-Match and
If-Modified-Since, so an unchanged page answers 304 and costs a few hundred bytes; capture
archives that answer as a revisit record.

The capture history is the archive's business: `DigestStore.last_capture(url)` in
archive/digests.py (crawl shards: the one they share in Redis, crawler/sharding/shard_history.py), kept by
the capture extension. `open_capture_history` and
`Revalidator._from_history` are the only places that know its names. The extension's own store is
written from the WARC writer thread, so the spider reads through a connection of its own (SQLite's
WAL lets readers and the writer run side by side); what it needs, captures of earlier runs, was
committed when those runs ended. When the history has no entry (or no store, with
SEEDCRAWL_REVISITS off), the validators are read from the WARC record the corpus line of the known
article points at.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from seedcrawl.archive.digests import STORE_NAME, CaptureHistory, DigestStore
from seedcrawl.archive.errors import ArchiveError
from seedcrawl.archive.reader import read_record
from seedcrawl.crawler.run.incremental import KnownArticles
from seedcrawl.crawler.sharding.shards import ShardSpec

logger = logging.getLogger(__name__)

_MAX_HEADER = 1024  # a validator longer than this is not one we want to echo back


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None
    last_modified: str | None  # an HTTP date

    def headers(self) -> dict[str, str]:
        found = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in found.items() if value}


def open_capture_history(
    state_dir: Path | None, shard: ShardSpec | None = None, root: Path | None = None
) -> CaptureHistory | None:
    """A reading connection to the capture history of the output folder `root`, if it has one:
    crawl shards share theirs in Redis (crawler/sharding/shard_history.py)."""
    if shard is not None and root is not None:
        from seedcrawl.crawler.sharding.shard_history import (  # redis: shards only
            RedisCaptureHistory,
            history_prefix,
        )

        return RedisCaptureHistory(shard.redis_url, history_prefix(root))
    path = state_dir / STORE_NAME if state_dir is not None else None
    if path is None or not path.is_file():
        return None
    return DigestStore(path)


def _http_date(value: object) -> str | None:
    if isinstance(value, datetime):
        return format_datetime(value, usegmt=True)
    return _clean(value)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    # Never echo a header that could smuggle a line break or run long into our request.
    if not value or len(value) > _MAX_HEADER or any(ch in value for ch in "\r\n\0"):
        return None
    return value


class Revalidator:
    def __init__(
        self, history: CaptureHistory | None, known: KnownArticles | None, warc_dir: Path | None
    ) -> None:
        self._history = history
        self._known = known
        self._warc_dir = warc_dir

    def validators(self, url: str) -> Validators | None:
        return self._from_history(url) or self._from_corpus_record(url)

    def _from_history(self, url: str) -> Validators | None:
        info = self._history.last_capture(url) if self._history is not None else None
        if info is None:
            return None
        found = Validators(_clean(info.etag), _http_date(info.last_modified))
        return found if found.etag or found.last_modified else None

    def _from_corpus_record(self, url: str) -> Validators | None:
        if self._known is None or self._warc_dir is None:
            return None
        location = self._known.location(url)
        if location is None or "/" in location.file or location.file.startswith("."):
            return None
        try:
            record = read_record(self._warc_dir / location.file, location.offset, max_payload=0)
        except (OSError, ArchiveError) as exc:
            logger.debug("no validators for %s: %s", url, exc)
            return None
        if record.type != "response" or not (200 <= (record.http_status or 0) < 300):
            return None
        found = Validators(_clean(record.http_header("ETag")), _clean(record.http_header("Last-Modified")))
        return found if found.etag or found.last_modified else None

    def headers(self, url: str) -> dict[str, str]:
        found = self.validators(url)
        return found.headers() if found is not None else {}

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
