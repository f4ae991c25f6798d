"""What a route answers: a `Response` spec the server sends, or a `Raw` exchange for fault injection."""

from __future__ import annotations

import hashlib
import html
import socket
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from io import BufferedIOBase
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class Request:
    """An incoming request, as handed to route handlers."""

    site: str
    method: str
    path: str  # request target exactly as received, query string included
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def route_path(self) -> str:
        """The path without query string: what routes are keyed by."""
        return urlsplit(self.path).path or "/"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


@dataclass(slots=True)
class Response:
    """A complete HTTP response for the server to send.

    Headers are a list of pairs so that repeated headers (two Set-Cookie) survive. The server adds
    Content-Length or Transfer-Encoding, Content-Encoding for `gzip`, and ETag/Last-Modified from the
    validators, and answers 304 itself when a conditional request matches them.
    """

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None  # None: the standard phrase for the status
    gzip: bool = False  # send Content-Encoding: gzip whatever the client accepts
    chunked: bool = False  # send Transfer-Encoding: chunked instead of Content-Length
    chunk_size: int = 1024
    delay: float = 0.0  # extra seconds to wait before sending, on top of the server latency
    etag: str | None = None
    last_modified: datetime | None = None


class RawExchange:
    """The connection of one request, for handlers that misbehave on purpose.

    The handler writes whatever bytes it likes; `send_head` and `write` also keep the status and body
    byte count that go into the request log. The server closes the connection after the handler
    returns unless it sets `keep_alive`.
    """

    def __init__(self, request: Request, connection: socket.socket, wfile: BufferedIOBase) -> None:
        self.request = request
        self.connection = connection
        self.wfile = wfile
        self.status: int | None = None
        self.body_bytes = 0
        self.keep_alive = False
        self._head_sent = False

    def send_head(self, status: int, headers: Sequence[tuple[str, str]] = (), reason: str = "") -> None:
        """Write a status line and headers (no Content-Length or Date is added)."""
        lines = [f"HTTP/1.1 {status} {reason or _reason(status)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        self.wfile.flush()
        self.status = status
        self._head_sent = True

    def write(self, data: bytes) -> None:
        """Write bytes as they are; once a head was sent they count as body bytes."""
        self.wfile.write(data)
        self.wfile.flush()
        if self._head_sent:
            self.body_bytes += len(data)

    def reset(self) -> None:
        """Abort the connection with a TCP RST instead of an orderly close."""
        # Zero linger time makes close() discard unsent data and send RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


RawHandler = Callable[[RawExchange], None]


@dataclass(frozen=True, slots=True)
class Raw:
    """A route answer that takes over the connection (resets, slow drips, short bodies, bombs)."""

    handler: RawHandler


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def http_date(moment: datetime) -> str:
    """RFC 9110 date, e.g. 'Tue, 12 May 2015 10:00:00 GMT'."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def page(
    body: bytes,
    content_type: str,
    *,
    status: int = 200,
    modified: datetime | None = None,
    headers: Sequence[tuple[str, str]] = (),
    gzip: bool = False,
    chunked: bool = False,
) -> Response:
    """A response with Content-Type and, for 200s, validators (ETag from the body, Last-Modified)."""
    validators = status == 200
    return Response(
        status=status,
        body=body,
        headers=[("Content-Type", content_type), *headers],
        gzip=gzip,
        chunked=chunked,
        etag=etag_of(body) if validators else None,
        last_modified=modified.replace(microsecond=0) if validators and modified else None,
    )


def error_page(status: int, detail: str = "", headers: Sequence[tuple[str, str]] = ()) -> Response:
    title = f"{status} {_reason(status)}"
    text = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{html.escape(detail)}</p></body></html>\n"
    )
    return Response(
        status=status,
        body=text.encode("utf-8"),
        headers=[("Content-Type", "text/html; charset=utf-8"), *headers],
    )


def redirect(location: str, status: int = 301) -> Response:
    text = f'<!DOCTYPE html>\n<html><body><p>Moved to <a href="{html.escape(location)}">here</a>.</p></body></html>\n'
    return Response(
        status=status,
        body=text.encode("utf-8"),
        headers=[("Location", location), ("Content-Type", "text/html; charset=utf-8")],
    )


def not_modified(request: Request, response: Response) -> Response | None:
    """The 304 to send instead of `response` when the request's validators match it, else None.

    If-None-Match wins over If-Modified-Since, as RFC 9110 says; ETags compare weakly.
    """
    if response.status != 200 or request.method not in ("GET", "HEAD"):
        return None
    if_none_match = request.header("If-None-Match")
    if if_none_match is not None:
        if response.etag is None:
            return None
        tags = {_opaque(tag) for tag in if_none_match.split(",")}
        if "*" not in tags and _opaque(response.etag) not in tags:
            return None
    else:
        since = _parse_date(request.header("If-Modified-Since"))
        if since is None or response.last_modified is None or response.last_modified > since:
            return None
    kept = [(n, v) for n, v in response.headers if n.lower() in ("cache-control", "expires", "vary")]
    return Response(status=304, headers=kept, etag=response.etag, last_modified=response.last_modified)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
