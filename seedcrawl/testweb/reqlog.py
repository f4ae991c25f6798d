"""The servers' record of every HTTP request they handled.

Tests compare this log one-for-one with the request/response records a crawl wrote to WARC files, so
there is exactly one entry per request: robots.txt, redirects, 304s, errors and fault-injected
exchanges included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The request headers crawler behaviour is judged by: identity, politeness, compression, revalidation.
LOGGED_HEADERS = (
    "Host",
    "User-Agent",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Referer",
    "Cookie",
    "If-None-Match",
    "If-Modified-Since",
    "Range",
    "Connection",
)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One HTTP request as the server saw it, and what it answered."""

    time: float  # Unix time the request head was read, before any latency or delay
    site: str  # name of the site whose server received it
    host: str  # "ip:port" the request arrived at
    method: str
    path: str  # request target exactly as received, query string included
    headers: Mapping[str, str] = field(hash=False)  # the LOGGED_HEADERS the client sent
    status: int | None  # status sent; None when a raw handler sent no status line
    body_bytes: int  # message-body bytes sent, after content coding and without chunk framing

    @property
    def url(self) -> str:
        """The absolute URL requested, as a crawler would have recorded it."""
        if self.path.startswith(("http://", "https://")):
            return self.path
        return f"http://{self.host}{self.path}"

    def to_json(self) -> dict[str, object]:
        return {
            "time": self.time,
            "site": self.site,
            "host": self.host,
            "method": self.method,
            "path": self.path,
            "url": self.url,
            "headers": dict(self.headers),
            "status": self.status,
            "body_bytes": self.body_bytes,
        }


def pick_headers(headers: Mapping[str, str] | list[tuple[str, str]]) -> dict[str, str]:
    """The logged subset of request headers, keyed by their canonical spelling."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = {name.lower(): name for name in LOGGED_HEADERS}
    return {wanted[name.lower()]: value for name, value in items if name.lower() in wanted}


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
