"""What the output folder already holds: payloads by digest, and the latest capture of each URL.

Digests turn a payload archived before into an identical-payload-digest revisit. The URL history
gives a later run the ETag and Last-Modified for conditional requests, and the record a 304 answer
points back to. The store is a cache of facts that the WARC files themselves hold: `sync()` drops
what points at files that are gone and reads any closed file it has not seen (such as one
recovered after a crash), so it can always be rebuilt from the archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from warcio.archiveiterator import ArchiveIterator

from seedcrawl.archive.records import RevisitTarget

STORE_NAME = "payload-digests.sqlite3"  # in DIR/state/: written by capture, read by the spider
_BATCH = 64
_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL,
    file TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS digests_file ON digests(file);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, record_id TEXT NOT NULL, target TEXT NOT NULL, date TEXT NOT NULL,
    payload_digest TEXT NOT NULL, etag TEXT, last_modified TEXT, file TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS urls_file ON urls(file);
"""


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    """The latest successful capture of a URL: the record holding its payload, and its validators."""

    original: RevisitTarget  # the response record with the payload (a revisit's original)
    payload_digest: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class FileCapture:
    """One successful capture read back from a WARC file: `new_payload` when the record holds it."""

    url: str
    info: CaptureInfo
    new_payload: bool


class CaptureHistory(Protocol):
    """What the WARC writer and the spider need of the history: this module's SQLite store, or
    the one crawl shards share in Redis (crawler/sharding/shard_history.py)."""

    def lookup(self, digest: str) -> RevisitTarget | None: ...
    def add(self, digest: str, target: RevisitTarget, file: str) -> None: ...
    def note_capture(self, url: str, info: CaptureInfo, file: str) -> None: ...
    def last_capture(self, url: str) -> CaptureInfo | None: ...
    def mark_file(self, name: str) -> None: ...
    def commit(self) -> None: ...
    def sync(self, closed_files: Iterable[Path]) -> int: ...
    def close(self) -> None: ...


class DigestStore:
    def __init__(self, path: Path) -> None:
        # Autocommit: each insert is its own small transaction, so a killed crawl loses at most the
        # entry being written, which only costs a full response record instead of a revisit.
        # Used by one thread at a time, but not always the one that opened it (the WARC writer
        # thread of `archive.background`).
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._pending = 0

    def lookup(self, digest: str) -> RevisitTarget | None:
        row = self._db.execute(
            "SELECT uri, date, record_id FROM digests WHERE digest = ?", (digest,)
        ).fetchone()
        return RevisitTarget(*row) if row else None

    def _write(self, sql: str, values: tuple[object, ...]) -> None:
        # Commit in batches: a commit per record costs ~30 us, a tenth of a page's capture. A crash
        # loses at most the last batch, which only costs revisits and validators, never data.
        if self._pending == 0:
            self._db.execute("BEGIN")
        self._db.execute(sql, values)
        self._pending += 1
        if self._pending >= _BATCH:
            self.commit()

    def commit(self) -> None:
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = 0

    def add(self, digest: str, target: RevisitTarget, file: str) -> None:
        self._write(
            "INSERT OR IGNORE INTO digests VALUES (?, ?, ?, ?, ?)",
            (digest, target.uri, target.date, target.record_id, file),
        )

    def note_capture(self, url: str, info: CaptureInfo, file: str) -> None:
        """Record the newest successful capture of `url` (later calls replace earlier ones)."""
        self._write(
            "INSERT OR REPLACE INTO urls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                url,
                info.original.record_id,
                info.original.uri,
                info.original.date,
                info.payload_digest,
                info.etag,
                info.last_modified,
                file,
            ),
        )

    def last_capture(self, url: str) -> CaptureInfo | None:
        row = self._db.execute(
            "SELECT target, date, record_id, payload_digest, etag, last_modified FROM urls WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return CaptureInfo(RevisitTarget(row[0], row[1], row[2]), row[3], row[4], row[5])

    def mark_file(self, name: str) -> None:
        self._write("INSERT OR IGNORE INTO files VALUES (?)", (name,))
        self.commit()

    def sync(self, closed_files: Iterable[Path]) -> int:
        """Make the store agree with the closed WARC files on disk; returns how many files were read."""
        present = {path.name: path for path in closed_files}
        known = {name for (name,) in self._db.execute("SELECT name FROM files")}
        indexed = {name for (name,) in self._db.execute("SELECT DISTINCT file FROM digests")}
        indexed |= {name for (name,) in self._db.execute("SELECT DISTINCT file FROM urls")}
        self.commit()
        for gone in (known | indexed) - present.keys():
            self._db.execute("DELETE FROM digests WHERE file = ?", (gone,))
            self._db.execute("DELETE FROM urls WHERE file = ?", (gone,))
            self._db.execute("DELETE FROM files WHERE name = ?", (gone,))
        unread = sorted(present.keys() - known)
        for name in unread:
            self._read_file(present[name])
            self.mark_file(name)
        return len(unread)

    def _read_file(self, path: Path) -> None:
        for found in captures_in(path):
            if found.new_payload:
                self.add(found.info.payload_digest, found.info.original, path.name)
            self.note_capture(found.url, found.info, path.name)

    def close(self) -> None:
        self.commit()
        self._db.close()


def captures_in(path: Path) -> Iterator[FileCapture]:
    """The successful, whole captures a closed WARC file holds, in file order."""
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            headers = record.rec_headers
            if record.rec_type not in ("response", "revisit") or headers.get_header("WARC-Truncated"):
                continue
            status = record.http_headers.get_statuscode() if record.http_headers else ""
            digest = headers.get_header("WARC-Payload-Digest")
            if not digest or not status.startswith("2"):
                continue
            url = headers.get_header("WARC-Target-URI")
            if record.rec_type == "response":
                if not record.content_stream().read(1):
                    continue
                original = RevisitTarget(
                    url, headers.get_header("WARC-Date"), headers.get_header("WARC-Record-ID")
                )
            else:
                original = RevisitTarget(
                    headers.get_header("WARC-Refers-To-Target-URI"),
                    headers.get_header("WARC-Refers-To-Date"),
                    headers.get_header("WARC-Refers-To"),
                )
            validators = record.http_headers
            info = CaptureInfo(
                original, digest, validators.get_header("ETag"), validators.get_header("Last-Modified")
            )
            yield FileCapture(url, info, record.rec_type == "response")
