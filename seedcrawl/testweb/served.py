"""What a test-web server tells its request sink about each exchange it handled.

The demo needs no sink; tests and benchmarks pass one (tests/support/testweb/request_log.py keeps
them all) to compare what was served with what a crawl archived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

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


class RequestSink(Protocol):
    """Where a server reports every exchange; called from the servers' threads."""

    def append(self, entry: LoggedRequest) -> None: ...
