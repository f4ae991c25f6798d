"""Which payloads the output folder already holds, for identical-payload-digest revisits.

The store is a cache of facts that the WARC files themselves hold: `sync()` drops what points at
files that are gone and reads any closed file it has not seen (such as one recovered after a
crash), so it can always be rebuilt from the archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.records import RevisitTarget

_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL,
    file TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS digests_file ON digests(file);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY);
"""


class DigestStore:
    def __init__(self, path: Path) -> None:
        # Autocommit: each insert is its own small transaction, so a killed crawl loses at most the
        # entry being written, which only costs a full response record instead of a revisit.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def lookup(self, digest: str) -> RevisitTarget | None:
        row = self._db.execute(
            "SELECT uri, date, record_id FROM digests WHERE digest = ?", (digest,)
        ).fetchone()
        return RevisitTarget(*row) if row else None

    def add(self, digest: str, target: RevisitTarget, file: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO digests VALUES (?, ?, ?, ?, ?)",
            (digest, target.uri, target.date, target.record_id, file),
        )

    def mark_file(self, name: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO files VALUES (?)", (name,))

    def sync(self, closed_files: Iterable[Path]) -> int:
        """Make the store agree with the closed WARC files on disk; returns how many files were read."""
        present = {path.name: path for path in closed_files}
        known = {name for (name,) in self._db.execute("SELECT name FROM files")}
        indexed = {name for (name,) in self._db.execute("SELECT DISTINCT file FROM digests")}
        for gone in (known | indexed) - present.keys():
            self._db.execute("DELETE FROM digests WHERE file = ?", (gone,))
            self._db.execute("DELETE FROM files WHERE name = ?", (gone,))
        unread = sorted(present.keys() - known)
        for name in unread:
            self._read_file(present[name])
            self.mark_file(name)
        return len(unread)

    def _read_file(self, path: Path) -> None:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.rec_headers.get_header("WARC-Truncated"):
                    continue
                status = record.http_headers.get_statuscode() if record.http_headers else ""
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                if not digest or not status.startswith("2") or not record.content_stream().read(1):
                    continue
                target = RevisitTarget(
                    record.rec_headers.get_header("WARC-Target-URI"),
                    record.rec_headers.get_header("WARC-Date"),
                    record.rec_headers.get_header("WARC-Record-ID"),
                )
                self.add(digest, target, path.name)

    def close(self) -> None:
        self._db.close()
