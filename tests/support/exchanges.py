"""HTTP exchanges to hand a WARC writer directly, without a crawl."""

from __future__ import annotations

from datetime import UTC, datetime

from seedcrawl.archive.records import HttpExchange


def exchange(k: int, body: bytes | None = None, content_type: str = "text/html") -> HttpExchange:
    """A 200 response for http://127.0.0.1:8000/K (a small HTML page unless `body` is given)."""
    return HttpExchange(
        url=f"http://127.0.0.1:8000/{k}",
        method="GET",
        request_headers=[("User-Agent", "test")],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        response_headers=[("Content-Type", content_type)],
        body=body if body is not None else f"<p>page {k}</p>".encode() * 50,
        fetched_at=datetime.now(UTC),
        ip_address="127.0.0.1",
    )
