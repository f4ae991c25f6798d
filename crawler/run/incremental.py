"""Incremental runs: which article URLs the output folder's corpus already holds.

A second run into a folder fetches seeds, feeds, sitemaps and listing pages again (that is where
new articles show up) but not the articles the corpus already has, unless asked to refetch them.
An article is known when its `url` or `canonical_url` is in corpus/articles.jsonl or
corpus/duplicates.jsonl, or when processing rejected the page for what it says rather than for how
it was served (`not_article`, `off_topic`): its content is archived already, and fetching it again
would not change the verdict. Rejects for a status, a decoding problem or an error are retried.

Listing pages (by URL shape, see crawler/discover/listing.py) are never known articles, whatever processing
made of them; they are kept apart, so that a later run fetches every listing an earlier one found,
even one that only old articles link to (a tag page, say), which that run no longer fetches.

The set lives in SQLite (DIR/state/known-urls.sqlite3), keyed like the seen set, with the WARC
location of the record each URL came from. It is a cache of the corpus files: they are only ever
appended to, so each run reads just the lines added since the last one, and rebuilds from scratch
when a file got shorter (or was replaced).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from seedcrawl.contract.records import ARTICLES, DUPLICATES, REJECTS, RejectReason, lines_from
from seedcrawl.crawler.discover.listing import looks_like_listing
from seedcrawl.crawler.discover.urls import canonicalize_url
from seedcrawl.crawler.run.frontier_store import url_key

CORPUS_FILES = (ARTICLES, DUPLICATES, REJECTS)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS known (
    key INTEGER PRIMARY KEY, warc_file TEXT, warc_offset INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corpus_read (name TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS listings (url TEXT PRIMARY KEY) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class WarcLocation:
    file: str  # name of a WARC file in DIR/warc
    offset: int


def incremental_enabled(settings: BaseSettings, corpus_dir: Path | None) -> bool:
    """SEEDCRAWL_INCREMENTAL when set; otherwise on exactly when the folder already has a corpus."""
    value = settings.get("SEEDCRAWL_INCREMENTAL")
    if value is not None and str(value).strip().lower() not in ("", "auto"):
        return settings.getbool("SEEDCRAWL_INCREMENTAL")
    return corpus_dir is not None and (corpus_dir / CORPUS_FILES[0]).is_file()


class KnownArticles:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def sync(self, corpus_dir: Path) -> int:
        """Read the corpus lines added since the last sync; returns how many URLs were added."""
        offsets = dict(self._db.execute("SELECT name, offset FROM corpus_read").fetchall())
        sizes = {name: _size(corpus_dir / name) for name in CORPUS_FILES}
        if any(sizes[name] < offsets.get(name, 0) for name in CORPUS_FILES):
            # A file got shorter: it was rewritten, so what was read from it may be gone.
            for table in ("known", "corpus_read", "listings"):
                self._db.execute(f"DELETE FROM {table}")
            offsets = {}
        added = 0
        self._db.execute("BEGIN")
        try:
            for name in CORPUS_FILES:
                start = offsets.get(name, 0)
                if sizes[name] <= start:
                    continue
                read_to = start
                for read_to, record in lines_from(corpus_dir / name, start):  # noqa: B007 - kept after the loop
                    added += self._add(name, record) if record is not None else 0
                self._db.execute("INSERT OR REPLACE INTO corpus_read VALUES (?, ?)", (name, read_to))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return added

    def _add(self, name: str, record: dict[str, Any]) -> int:
        if name == REJECTS and not _about_content(record.get("reason")):
            return 0
        warc = record.get("warc") if isinstance(record.get("warc"), dict) else {}
        location = (warc.get("file"), warc.get("offset")) if warc else (None, None)
        added = 0
        for field in ("url", "canonical_url"):
            value = record.get(field)
            canonical = canonicalize_url(value) if isinstance(value, str) else None
            if canonical is not None and looks_like_listing(canonical):
                self._db.execute("INSERT OR IGNORE INTO listings VALUES (?)", (canonical,))
            elif canonical is not None:
                # The first record of a URL keeps its location: it is the one the corpus line cites.
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO known VALUES (?, ?, ?)", (url_key(canonical), *location)
                )
                added += cursor.rowcount
        return added

    def listings(self) -> Iterator[str]:
        """Listing pages earlier runs fetched, to fetch again."""
        for (url,) in self._db.execute("SELECT url FROM listings"):
            yield str(url)

    def __contains__(self, canonical_url: str) -> bool:
        return self.contains_key(url_key(canonical_url))

    def contains_key(self, key: int) -> bool:
        return self._db.execute("SELECT 1 FROM known WHERE key = ?", (key,)).fetchone() is not None

    def location(self, canonical_url: str) -> WarcLocation | None:
        """Where the archived record behind a known URL is, when the corpus line says."""
        row = self._db.execute(
            "SELECT warc_file, warc_offset FROM known WHERE key = ?", (url_key(canonical_url),)
        ).fetchone()
        if row is None or row[0] is None or row[1] is None:
            return None
        return WarcLocation(str(row[0]), int(row[1]))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM known").fetchone()[0])

    def close(self) -> None:
        self._db.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _about_content(reason: object) -> bool:
    """Whether a reject's reason is about what the page says (then its URL counts as known)."""
    if not isinstance(reason, str):
        return False
    try:
        return RejectReason(reason).about_content
    except ValueError:  # a reason this version does not know: fetch the page again
        return False
