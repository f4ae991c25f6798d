"""DOWNLOAD_MAXSIZE, enforced by capture so that an oversized body is archived cut, not lost.

Scrapy would cancel a download over DOWNLOAD_MAXSIZE, and the response would vanish unarchived.
Its handlers send `headers_received` (with the declared length) and `bytes_received` (with each
chunk) before they check the limit, so capture stops the download there first:
`StopDownload(fail=False)` hands Scrapy the response as far as it was received, and its record
says `WARC-Truncated: length` (crawler/capture/exchange.py reads TRUNCATED_META).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import StopDownload

from seedcrawl.crawler.capture.exchange import TRUNCATED_META

# request.meta key: body bytes received so far by this attempt.
_BYTES_META = "_seedcrawl_bytes"


class SizeLimit:
    """Stops a download at `max_body` bytes (0: no limit), marking its request truncated."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body

    def headers_received(self, headers: Any, body_length: int, request: Request, spider: Spider) -> None:
        # A retry is a copy of the request, meta included: every attempt counts its bytes afresh.
        request.meta[_BYTES_META] = 0
        # Twisted reports an unknown length (chunked, close-delimited) as a string constant.
        if self.max_body and isinstance(body_length, int) and body_length > self.max_body:
            request.meta[TRUNCATED_META] = "length"
            raise StopDownload(fail=False)

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        received = request.meta.get(_BYTES_META, 0) + len(data)
        request.meta[_BYTES_META] = received
        if self.max_body and received > self.max_body:
            request.meta[TRUNCATED_META] = "length"
            raise StopDownload(fail=False)
