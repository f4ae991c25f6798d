"""A downloaded Scrapy response as the HttpExchange the WARC writer archives, as it was transferred.

The response comes from `response_downloaded` (see crawler/capture/extension.py), before any
downloader middleware touches it: the body is still content-encoded and the headers are the ones
the server sent, so the records replay what went over the wire.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy import Request
from scrapy.http import Response

from seedcrawl.archive.records import HttpExchange, RecordStamp

# request.meta key: why the body was cut short ("length"), written as the record's WARC-Truncated.
# Set by the size limit (crawler/capture/size_limit.py) and by the download handler's header limits.
TRUNCATED_META = "seedcrawl_truncated"


def _header_list(headers: Any) -> list[tuple[str, str]]:
    # Scrapy's Headers[key] returns only the last value; iterating keeps every Set-Cookie.
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def exchange_from(response: Response, request: Request, stamp: RecordStamp) -> HttpExchange:
    truncated = request.meta.get(TRUNCATED_META)
    if truncated is None and "dataloss" in response.flags:
        truncated = "disconnect"
    latency = float(request.meta.get("download_latency") or 0.0)
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_header_list(request.headers),
        request_body=request.body,
        # HTTP/2 has no status line: Scrapy's HTTP/2 handler says "h2", written as replay tools expect
        protocol="HTTP/2" if response.protocol == "h2" else response.protocol or "HTTP/1.1",
        status=response.status,
        response_headers=_header_list(response.headers),
        body=response.body,
        fetched_at=stamp.now() - timedelta(seconds=latency),
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated=truncated,
        request_protocol=sent_protocol(response),
    )


def sent_protocol(response: Response) -> str:
    """The protocol of the request line that went out, whatever version the server answered with.

    Scrapy's HTTP/1.1 handler (Twisted) always sends "HTTP/1.1", to an HTTP/1.0 server too; its
    HTTP/2 handler marks its responses "h2".
    """
    return "HTTP/2" if response.protocol == "h2" else "HTTP/1.1"
