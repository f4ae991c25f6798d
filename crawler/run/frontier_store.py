"""The frontier's state on disk: every URL seen this run, and the parked requests, in SQLite.

A crawl of millions of URLs must not hold them in RAM, so the seen set is a table keyed by a
64-bit hash of the canonical URL (8 bytes a row instead of a Python string), and requests waiting
for their turn are rows ordered by priority. Scrapy's scheduler only ever holds the few requests
the spider hands it (see `crawler.frontier`), so memory stays flat however large the frontier
grows; SQLite's page cache is the only part that scales, and it is capped.

The file is a cache of this run, recreated when a run starts: everything in it can be rebuilt from
the WARC files (what was requested) and the pages they hold (what was linked), which is how a
resume after SIGKILL works (crawler/run/replay.py), since Scrapy's JOBDIR queues do not survive one.
For that, the `archived` table holds where each URL the resumed run already captured is archived;
it stays empty in a run that is not a resumption.

Writes are batched: one transaction stays open and is committed every `commit_every` writes, so a
page with 200 links costs no fsync. Reads on the same connection see uncommitted rows, so the
seen-check is exact; a crash loses at most the uncommitted batch of a cache that is rebuilt anyway.
With 64-bit keys the chance of any collision among 100 million URLs is about 3 in 10,000, and a
collision only means one URL is skipped as already seen.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from urllib.parse import urlsplit

_SCHEMA = """
CREATE TABLE seen (key INTEGER PRIMARY KEY, state INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE parked (
    key INTEGER PRIMARY KEY, priority INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT NOT NULL,
    host TEXT NOT NULL, kind TEXT NOT NULL, depth INTEGER NOT NULL, via TEXT, refetch INTEGER NOT NULL
);
CREATE INDEX parked_order ON parked (priority DESC, seq);
CREATE TABLE aliases (url TEXT PRIMARY KEY, canonical TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE archived (
    key INTEGER PRIMARY KEY, file TEXT NOT NULL, offset INTEGER NOT NULL, record_id TEXT
) WITHOUT ROWID;
CREATE INDEX archived_record ON archived (record_id);
"""
PAGE_CACHE_KIB = 16 * 1024


def url_key(url: str) -> int:
    """The seen-set key of a canonical URL: a signed 64-bit integer, as SQLite stores them."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


class State(IntEnum):
    PARKED = 1  # waiting in the parked table
    TAKEN = 2  # handed to Scrapy, fetched through a redirect or a canonical link, or skipped as known
    # Refusals depend only on the URL, so they are remembered too and cost one lookup next time.
    OUT_OF_SCOPE = 3
    TRAP = 4


@dataclass(frozen=True, slots=True)
class Entry:
    """A request waiting in the frontier."""

    url: str  # canonical
    kind: str  # see crawler.frontier.Kind
    priority: int  # Scrapy request priority: higher first
    depth: int  # hops from a seed; discovery documents do not add one
    via: str | None = None  # the page or document the URL was found on (sent as Referer)
    refetch: bool = False  # a known article fetched again with a conditional request

    @property
    def host(self) -> str:
        """What politeness limits are counted by: host and port."""
        return urlsplit(self.url).netloc


class FrontierStore:
    def __init__(self, path: Path | None, commit_every: int = 1000) -> None:
        """A fresh store at `path` (an existing file is replaced), or in memory when None."""
        if commit_every < 1:
            raise ValueError("commit_every must be at least 1")
        if path is not None:
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
        self._db = sqlite3.connect(":memory:" if path is None else path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a cache: losing it costs time, never data
        self._db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        self._db.executescript(_SCHEMA)
        self._commit_every = commit_every
        self._pending = 0
        self._seq = 0
        self.parked = 0
        self._db.execute("BEGIN")

    def state(self, key: int) -> State | None:
        row = self._db.execute("SELECT state FROM seen WHERE key = ?", (key,)).fetchone()
        return None if row is None else State(row[0])

    def mark(self, key: int, state: State) -> None:
        self._db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (key, int(state)))
        self._wrote()

    def park(self, key: int, entry: Entry) -> None:
        self._park(key, entry, "INSERT INTO seen VALUES (?, ?)")

    def park_over(self, key: int, entry: Entry) -> None:
        """Park a URL whatever refusal the seen set holds for it (a page requisite: any host)."""
        self._park(key, entry, "INSERT OR REPLACE INTO seen VALUES (?, ?)")

    def _park(self, key: int, entry: Entry, seen_sql: str) -> None:
        self._seq += 1
        self._db.execute(seen_sql, (key, int(State.PARKED)))
        self._db.execute(
            "INSERT INTO parked VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                entry.priority,
                self._seq,
                entry.url,
                entry.host,
                entry.kind,
                entry.depth,
                entry.via,
                int(entry.refetch),
            ),
        )
        self.parked += 1
        self._wrote(2)

    def improve(self, key: int, priority: int, depth: int) -> None:
        """A parked URL found again: keep the better priority and the shorter path."""
        self._db.execute(
            "UPDATE parked SET priority = max(priority, ?), depth = min(depth, ?) "
            "WHERE key = ? AND (priority < ? OR depth > ?)",
            (priority, depth, key, priority, depth),
        )
        self._wrote()

    def take(self, key: int) -> State | None:
        """Mark a URL taken whatever its state; returns the state it had (a parked row is dropped)."""
        before = self.state(key)
        if before is State.PARKED:
            self._db.execute("DELETE FROM parked WHERE key = ?", (key,))
            self.parked -= 1
        if before is not State.TAKEN:
            self.mark(key, State.TAKEN)
        return before

    def peek(
        self, n: int, skip_hosts: Collection[str] = (), only_kind: str | None = None
    ) -> list[tuple[int, Entry]]:
        """The `n` best parked entries (highest priority, then first found), not on `skip_hosts`,
        and only of `only_kind` when given."""
        if n <= 0 or self.parked == 0:
            return []
        skip = sorted(skip_hosts)
        conditions = [f"host NOT IN ({', '.join('?' * len(skip))})"] if skip else []
        if only_kind is not None:
            conditions.append("kind = ?")
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        params = (*skip, only_kind) if only_kind is not None else tuple(skip)
        rows = self._db.execute(
            "SELECT key, url, kind, priority, depth, via, refetch FROM parked "
            f"{where}ORDER BY priority DESC, seq LIMIT ?",
            (*params, n),
        ).fetchall()
        return [
            (key, Entry(url, kind, priority, depth, via, bool(refetch)))
            for key, url, kind, priority, depth, via, refetch in rows
        ]

    def has_parked_besides(self, kind: str) -> bool:
        """Whether any parked entry is of another kind than `kind`."""
        row = self._db.execute("SELECT 1 FROM parked WHERE kind != ? LIMIT 1", (kind,)).fetchone()
        return row is not None

    def remove(self, keys: Collection[int]) -> None:
        """Parked entries handed out: off the parked table, marked taken."""
        rows = [(key,) for key in keys]
        self._db.executemany("DELETE FROM parked WHERE key = ?", rows)
        self._db.executemany(f"UPDATE seen SET state = {int(State.TAKEN)} WHERE key = ?", rows)
        self.parked -= len(rows)
        self._wrote(2 * len(rows))

    def pop(self, n: int) -> list[Entry]:
        """The `n` best parked entries, now marked taken."""
        found = self.peek(n)
        self.remove([key for key, _ in found])
        return [entry for _, entry in found]

    def repark(self, key: int, entry: Entry) -> None:
        """Park a URL again whatever its state (a resumed run found it must be fetched after all)."""
        if self.state(key) is not State.PARKED:
            self._park(key, entry, "INSERT OR REPLACE INTO seen VALUES (?, ?)")

    # -- what a resumed run archived already (crawler/run/replay.py) --------------------------------

    def note_archived(self, key: int, file: str, offset: int, record_id: str | None = None) -> None:
        """The capture of a URL to replay instead of fetching it (a later one replaces it)."""
        self._db.execute(
            "INSERT OR REPLACE INTO archived VALUES (?, ?, ?, ?)", (key, file, offset, record_id)
        )
        self._wrote()

    def archived(self, key: int) -> tuple[str, int] | None:
        row = self._db.execute("SELECT file, offset FROM archived WHERE key = ?", (key,)).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def archived_record(self, record_id: str) -> tuple[str, int] | None:
        row = self._db.execute(
            "SELECT file, offset FROM archived WHERE record_id = ? LIMIT 1", (record_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def archived_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM archived").fetchone()[0])

    def pop_archived(self, n: int, only_kind: str | None = None) -> list[Entry]:
        """The `n` best parked entries that were archived already (of `only_kind`), now marked taken."""
        if n <= 0 or self.parked == 0:
            return []
        where = "WHERE kind = ? " if only_kind is not None else ""
        rows = self._db.execute(
            "SELECT p.key, url, kind, priority, depth, via, refetch FROM parked p JOIN archived a "
            f"ON a.key = p.key {where}ORDER BY priority DESC, seq LIMIT ?",
            (only_kind, n) if only_kind is not None else (n,),
        ).fetchall()
        self.remove([row[0] for row in rows])
        return [
            Entry(url, kind, priority, depth, via, bool(refetch))
            for _, url, kind, priority, depth, via, refetch in rows
        ]

    def add_alias(self, url: str, canonical: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO aliases VALUES (?, ?)", (url, canonical))
        self._wrote()

    def aliases(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT url, canonical FROM aliases").fetchall())

    def seen_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM seen").fetchone()[0])

    def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")
        self._pending = 0

    def close(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._db.close()

    def _wrote(self, n: int = 1) -> None:
        self._pending += n
        if self._pending >= self._commit_every:
            self.commit()
