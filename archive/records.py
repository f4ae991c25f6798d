"""Build WARC/1.1 records for one HTTP exchange.

Scrapy hands us parsed requests and responses, not wire bytes, so the HTTP blocks are rebuilt here:
the request line keeps the full path and query, the status line the real protocol and a reason
phrase, repeated headers stay repeated, and the body is stored exactly as transferred (still
content-encoded). Record ids and dates come from a `RecordStamp` so tests can fix them and compare
output byte for byte.
"""

from __future__ import annotations

import http
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

from seedcrawl.archive.gzmembers import MAX_LINE

REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
TRUNCATION_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})

# Headers that describe the transfer of this one message, not the payload. Twisted removes the
# chunking but some handlers keep the header; stored as-is it would make replay tools try to
# de-chunk a body that is no longer chunked, so it is renamed the way Common Crawl does.
_RENAMED_HEADERS = {"transfer-encoding": "X-Crawler-Transfer-Encoding"}

Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and the response it got, as captured on the wire."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    protocol: str  # "HTTP/1.1"
    status: int
    response_headers: Headers
    body: bytes  # as transferred: de-chunked, still content-encoded
    fetched_at: datetime
    ip_address: str | None = None
    truncated: str | None = None  # one of TRUNCATION_REASONS when the body was cut short
    # What the request line said on the wire; the server's answer (`protocol`) may claim anything.
    request_protocol: str = "HTTP/1.1"

    def __post_init__(self) -> None:
        if self.truncated is not None and self.truncated not in TRUNCATION_REASONS:
            raise ValueError(f"truncated must be one of {sorted(TRUNCATION_REASONS)}, not {self.truncated!r}")


DOM_PREFIX = "urn:dom:"  # WARC-Target-URI of a rendered page's DOM: "urn:dom:" + the page's URL


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """The DOM a browser rendered from a page (serialised HTML), kept as a `resource` record.

    The browser's own requests are archived as ordinary exchanges; this is what the page looked
    like after its scripts ran, which `process` extracts instead of the HTML as fetched.
    """

    url: str  # the page's URL
    dom: bytes  # document.documentElement.outerHTML with its doctype, UTF-8
    fetched_at: datetime  # when rendering ended
    reason: str  # why it was rendered: "always", or the auto decision ("empty-mount:#app", ...)
    timed_out: bool = False  # cut at the render timeout: the DOM as far as it got
    requests: int = 0  # requests the page made in the browser


@dataclass(frozen=True, slots=True)
class RevisitTarget:
    """The earlier capture a revisit record points at."""

    uri: str
    date: str  # WARC-Date of the original record
    record_id: str


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class RecordStamp:
    """Where record ids and the clock come from; replace both in tests for byte-exact output."""

    new_id: Callable[[], str] = field(default=_new_record_id)
    now: Callable[[], datetime] = field(default=_utcnow)


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds, always UTC ("2026-11-22T10:00:00.123456Z")."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=True))


def reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def request_target(url: str) -> tuple[str, str]:
    """(Host header value, request-target with path and query) for a URL."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return parts.netloc, target


_TOKEN_CHARS = "!#$&'*+-.^_`|~"  # besides letters and digits (RFC 9110 token)


def _ascii_value(value: str) -> str:
    """A header value as warcio stores it: non-ASCII %-encoded (RFC 8187), never a crash.

    warcio's own encoding fails on some values ("\u00e9; x=\u00e9" raises UnicodeEncodeError),
    which killed the writer on every fetch of such a page; those are %-encoded whole instead.
    """
    if value.isascii():
        return value
    probe = StatusAndHeaders("", [("X", value)], protocol="")
    try:
        probe.to_ascii_bytes()
    except UnicodeError:
        return quote(value, safe="")
    encoded: str = probe.headers[0][1]
    return encoded


def _storable(name: str, value: str) -> tuple[str, str, bool]:
    """The field as stored: ASCII, and its line one the reader accepts (at most MAX_LINE bytes
    with CRLF); True when the value had to be cut for that."""
    name = (name if name.isascii() else quote(name, safe=_TOKEN_CHARS))[: MAX_LINE // 2]
    value = _ascii_value(value)
    room = MAX_LINE - len(name) - 4
    if len(value) <= room:
        return name, value, False
    return name, value[:room], True


def _http_headers(
    statusline: str, protocol: str, headers: Iterable[tuple[str, str]]
) -> tuple[StatusAndHeaders, bool]:
    """The HTTP head to store, and whether a field had to be cut to fit the reader's line limit.

    Capture bounds what it sends and receives well below that limit (crawler/components/cookies.py,
    crawler/components/head_limits.py); this guarantees it for any exchange, so that no record is written
    that the reader, `seedcrawl check` and `process` would refuse.
    """
    kept, cut = [], False
    for name, value in headers:
        name, value, shortened = _storable(_RENAMED_HEADERS.get(name.lower(), name), value)
        kept.append((name, value))
        cut = cut or shortened
    return StatusAndHeaders(statusline, kept, protocol=protocol), cut


class RecordFactory:
    """Turns exchanges into warcio records (not yet written)."""

    def __init__(self, stamp: RecordStamp | None = None) -> None:
        self.stamp = stamp or RecordStamp()
        self._builder = RecordBuilder(warc_version="1.1")
        # warcio asks its builder for ids and dates; route both through the stamp.
        self._builder._make_warc_id = self.stamp.new_id

    def warcinfo(self, filename: str, info: dict[str, str]) -> Any:
        headers = StatusAndHeaders("", [], protocol="WARC/1.1")
        headers.add_header("WARC-Type", "warcinfo")
        headers.add_header("WARC-Record-ID", self.stamp.new_id())
        headers.add_header("WARC-Filename", filename)
        headers.add_header("WARC-Date", warc_date(self.stamp.now()))
        body = "".join(f"{key}: {value}\r\n" for key, value in info.items() if value).encode("utf-8")
        return self._builder.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(body),
            length=len(body),
            warc_headers=headers,
            warc_content_type="application/warc-fields",
        )

    def response(self, exchange: HttpExchange, warcinfo_id: str) -> Any:
        statusline = f"{exchange.status} {reason_phrase(exchange.status)}"
        http_headers, cut = _http_headers(statusline, exchange.protocol, exchange.response_headers)
        warc_headers = self._common_headers(exchange, warcinfo_id)
        if exchange.truncated or cut:
            warc_headers["WARC-Truncated"] = exchange.truncated or "length"
        return self._builder.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict=warc_headers,
            http_headers=http_headers,
        )

    def revisit(
        self,
        exchange: HttpExchange,
        warcinfo_id: str,
        payload_digest: str,
        original: RevisitTarget,
        profile: str = REVISIT_IDENTICAL,
    ) -> Any:
        statusline = f"{exchange.status} {reason_phrase(exchange.status)}"
        http_headers, cut = _http_headers(statusline, exchange.protocol, exchange.response_headers)
        warc_headers = self._common_headers(exchange, warcinfo_id)
        warc_headers["WARC-Refers-To"] = original.record_id
        if cut:
            warc_headers["WARC-Truncated"] = "length"
        record = self._builder.create_revisit_record(
            exchange.url,
            payload_digest,
            original.uri,
            original.date,
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        record.rec_headers.replace_header("WARC-Profile", profile)
        return record

    def rendered(self, page: RenderedPage, warcinfo_id: str) -> Any:
        """A `resource` record `urn:dom:<url>` holding the rendered DOM, and why it was rendered."""
        warc_headers = {
            "WARC-Record-ID": self.stamp.new_id(),
            "WARC-Date": warc_date(page.fetched_at),
            "WARC-Warcinfo-ID": warcinfo_id,
            # Extension fields (WARC 1.1 section 5): what made the crawl render this page.
            "WARC-Rendered-Reason": _ascii_value(page.reason)[:200],
            "WARC-Rendered-Requests": str(page.requests),
        }
        if page.timed_out:
            # The page never settled: its DOM is archived as far as it got at the render timeout.
            warc_headers["WARC-Truncated"] = "time"
        return self._builder.create_warc_record(
            DOM_PREFIX + page.url,
            "resource",
            payload=BytesIO(page.dom),
            length=len(page.dom),
            warc_headers_dict=warc_headers,
            warc_content_type="text/html; charset=utf-8",
        )

    def request(self, exchange: HttpExchange, warcinfo_id: str, concurrent_to: str) -> Any:
        host, target = request_target(exchange.url)
        headers = [(name, value) for name, value in exchange.request_headers if name.lower() != "host"]
        # warcio keeps a request line as protocol=method, statusline="target HTTP/1.1".
        http_headers, cut = _http_headers(
            f"{target} {exchange.request_protocol}", exchange.method, [("Host", host), *headers]
        )
        warc_headers = {
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Warcinfo-ID": warcinfo_id,
            "WARC-Concurrent-To": concurrent_to,
        }
        if cut:
            warc_headers["WARC-Truncated"] = "length"
        body = exchange.request_body
        return self._builder.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict=warc_headers,
            http_headers=http_headers,
        )

    def _common_headers(self, exchange: HttpExchange, warcinfo_id: str) -> dict[str, str]:
        headers = {
            "WARC-Record-ID": self.stamp.new_id(),
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Warcinfo-ID": warcinfo_id,
        }
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        return headers
