"""The servers' record of every HTTP request they handled.

Tests compare this log one-for-one with the request/response records a crawl wrote to WARC files, so
there is exactly one entry per request: robots.txt, redirects, 304s, errors and fault-injected
exchanges included.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from seedcrawl.testweb.served import LOGGED_HEADERS, LoggedRequest, pick_headers  # noqa: F401  (until imports move)


class RequestLog:
    """Thread-safe, append-only list of `LoggedRequest`, shared by all servers of a demo web."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, site: str | None = None) -> list[LoggedRequest]:
        """A snapshot in the order responses were sent, optionally only one site's."""
        with self._lock:
            snapshot = list(self._entries)
        return [e for e in snapshot if site is None or e.site == site]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def write_jsonl(self, path: str | Path) -> int:
        """Write one JSON object per line; returns the number of entries written."""
        entries = self.entries()
        with Path(path).open("w", encoding="utf-8") as out:
            for entry in entries:
                out.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
        return len(entries)
