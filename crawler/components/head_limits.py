"""Bounds on a response's header block: its bytes, its lines, and the length of one field.

Twisted's HTTP client bounds each header line (16 KiB) but keeps every line it is sent, so a
server that never ends its header block took a crawl past 1.4 GB in 8 s; folded continuation
lines even make one field of any length, which no WARC reader accepts as a header line. Here
the parser counts what the head costs as it arrives. Past SEEDCRAWL_MAX_HEADER_BYTES bytes,
SEEDCRAWL_MAX_HEADER_LINES lines, or one field longer than the archive's header-line limit
(`archive.gzmembers.MAX_LINE`), it drops the connection, and the download handler hands Scrapy a
response made of the status line and the headers that came before the limit, with an empty body
marked truncated at a length limit: capture archives it with `WARC-Truncated: length`, the crawl
counts the error `headers_too_large`, and the URL is not retried (the truncation middleware
drops it as it drops a body cut at DOWNLOAD_MAXSIZE).

Scrapy's own HTTP/1.1 handler swaps the parser's class after the protocol makes it; this does
the same one level down, with the limits set on the parser instance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadFailedError
from scrapy.http import Headers, Response
from scrapy.settings import BaseSettings
from twisted.web._newclient import HEADER, STATUS, ResponseFailed

from seedcrawl.archive.gzmembers import MAX_LINE
from seedcrawl.crawler.capture.exchange import TRUNCATED_META

logger = logging.getLogger(__name__)

HEADERS_TOO_LARGE = "headers_too_large"  # the error kind in the crawl summary, and a response flag
STAT = f"seedcrawl/errors/{HEADERS_TOO_LARGE}"


@dataclass(frozen=True, slots=True)
class HeadLimits:
    max_bytes: int  # the whole head: status line, header lines, line ends
    max_lines: int  # header lines, continuation lines included
    max_field: int = MAX_LINE - 4  # one field, folded lines joined, as "name: value" with CRLF

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> HeadLimits:
        limits = cls(
            settings.getint("SEEDCRAWL_MAX_HEADER_BYTES"), settings.getint("SEEDCRAWL_MAX_HEADER_LINES")
        )
        if limits.max_bytes <= 0 or limits.max_lines <= 0:
            raise ValueError("SEEDCRAWL_MAX_HEADER_BYTES and SEEDCRAWL_MAX_HEADER_LINES must be positive")
        return limits


class HeadersTooLarge(Exception):
    """The head went past a limit: what had arrived by then, to be archived as truncated."""

    def __init__(
        self,
        reason: str,
        version: tuple[bytes, int, int] | None,
        status: int | None,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.version = version
        self.status = status
        self.headers = headers


class _BoundedParser(_LenientHTTPClientParser):
    """The lenient parser, counting the head; the protocol sets `limits` when it makes one."""

    limits: HeadLimits
    _head_bytes = 0
    _head_lines = 0
    _field_bytes = 0

    def lineReceived(self, line: bytes) -> None:
        # Counted across 1xx interim responses too: an endless run of "100 Continue" is a head as well.
        if self.state in (STATUS, HEADER):
            self._head_bytes += len(line) + 1
            if self.state == HEADER and line.rstrip(b"\r"):
                self._head_lines += 1
                folded = line[:1] in (b" ", b"\t")
                self._field_bytes = (self._field_bytes if folded else 0) + len(line.rstrip(b"\r")) + 2
            reason = self._over_limit()
            if reason is not None:
                # Raised out of dataReceived: the protocol then drops the connection and fails the
                # response with it (ResponseFailed), which the download handler turns into one.
                raise HeadersTooLarge(reason, *self._head_so_far())
        super().lineReceived(line)

    def _over_limit(self) -> str | None:
        limits = self.limits
        if self._head_bytes > limits.max_bytes:
            return f"header block longer than {limits.max_bytes} bytes"
        if self._head_lines > limits.max_lines:
            return f"more than {limits.max_lines} header lines"
        if self._field_bytes > limits.max_field:
            return f"a header field longer than {limits.max_field} bytes"
        return None

    def _head_so_far(self) -> tuple[tuple[bytes, int, int] | None, int | None, list[tuple[bytes, bytes]]]:
        """Status and complete header fields received (the field being read is left out)."""
        response = getattr(self, "response", None)
        if response is None:  # only interim (1xx) responses came, and were discarded
            return None, None, []
        fields = [
            (name, value)
            for headers in (self.connHeaders, self.headers)
            for name, values in headers.getAllRawHeaders()
            for value in values
        ]
        return response.version, int(response.code), fields


class _BoundedProtocol(_LenientHTTP11ClientProtocol):
    def __init__(self, quiescent_callback: Any, limits: HeadLimits) -> None:
        super().__init__(quiescent_callback)  # type: ignore[no-untyped-call]
        self._head_limits = limits

    def request(self, request: Any) -> Any:
        deferred = super().request(request)
        # Made by request() (see _LenientHTTP11ClientProtocol), before any byte of the answer.
        parser = self._parser
        assert parser is not None
        parser.__class__ = _BoundedParser
        assert isinstance(parser, _BoundedParser)
        parser.limits = self._head_limits
        return deferred


class _BoundedFactory(_LenientHTTP11ClientFactory):
    def __init__(self, quiescent_callback: Any, metadata: Any, *, limits: HeadLimits) -> None:
        super().__init__(quiescent_callback, metadata)  # type: ignore[no-untyped-call]
        self._head_limits = limits

    def buildProtocol(self, addr: Any) -> _BoundedProtocol:
        return _BoundedProtocol(self._quiescentCallback, self._head_limits)


def _cut_head(error: BaseException) -> HeadersTooLarge | None:
    cause = error.__cause__
    if isinstance(cause, ResponseFailed):
        for reason in cause.reasons:
            if isinstance(reason.value, HeadersTooLarge):
                return reason.value
    return None


class BoundedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with the head bounded (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        factory = partial(_BoundedFactory, limits=HeadLimits.from_settings(crawler.settings))
        self._pool._factory = factory  # type: ignore[assignment]  # the pool only calls it

    async def download_request(self, request: Request) -> Response:
        try:
            return await super().download_request(request)
        except DownloadFailedError as exc:
            cut = _cut_head(exc)
            if cut is None:
                raise
        if self._crawler.stats is not None:
            self._crawler.stats.inc_value(STAT)
        logger.warning(
            "%s: %s; connection dropped, the head so far archived as truncated", request.url, cut.reason
        )
        if cut.status is None:
            raise DownloadFailedError(f"{cut.reason} (interim responses only): {request.url}")
        request.meta[TRUNCATED_META] = "length"
        protocol = "HTTP/1.1"
        if cut.version is not None:
            name, major, minor = cut.version
            protocol = f"{name.decode('ascii', 'replace')}/{major}.{minor}"
        headers = Headers()
        for name, value in cut.headers:
            headers.appendlist(name, value)
        return Response(
            request.url,
            status=cut.status,
            headers=headers,
            body=b"",
            flags=[HEADERS_TOO_LARGE],
            request=request,
            protocol=protocol,
        )
