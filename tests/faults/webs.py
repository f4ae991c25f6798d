"""Misbehaving web servers for the fault-table tests (the fault table of reliability.md).

`FaultWeb` serves a few `Site`s, each on its own loopback address, plus a sentinel host that no
crawl may ever reach; every site's home page links to the sentinel, so a crawler that leaves its
scope shows up in the sentinel's log. The route factories below misbehave the way real servers do:
failing a few times, resetting or closing a connection mid-body, never answering, dripping, and
sending bombs.
"""

from __future__ import annotations

import html
import select
import socket
import threading
import zlib
from collections.abc import Callable, Sequence
from types import TracebackType

import brotli

from seedcrawl.testweb.stories import load_corpus
from tests.support.testweb import (
    LoggedRequest,
    Raw,
    RawExchange,
    Request,
    RequestLog,
    Response,
    Site,
    SiteServer,
)

Answer = Response | Raw
Handler = Callable[[Request], Answer]
MIB = 1 << 20


class FaultWeb:
    """Sites on their own loopback addresses, one shared request log, and a silent sentinel.

    Each site serves from the moment it is added (routes may still be added later); leaving the
    `with` block stops them all.
    """

    def __init__(self, sentinel_host: str) -> None:
        self.log = RequestLog()
        # Handlers that hang (no answer, drips) wait on this, so stopping the web frees their threads.
        self.release = threading.Event()
        self._servers: dict[str, SiteServer] = {}
        self.sentinel = self.add_site("sentinel", sentinel_host)
        self.sentinel.add("/", Response(body=b"<p>out of scope: a request here is a crawler bug</p>"))

    def add_site(self, name: str, host: str, fallback: Handler | None = None) -> Site:
        """A new site serving at `host`; `fallback` answers the paths no route matches."""
        site = Site(name) if fallback is None else Site(name, fallback=fallback)
        self._servers[name] = SiteServer(site, host=host, log=self.log).start()
        return site

    def url(self, site: str, path: str = "/") -> str:
        return self._servers[site].base_url + path

    def entries(self, site: str, path: str | None = None) -> list[LoggedRequest]:
        """What `site` served, optionally only requests for `path` (query string included)."""
        return [e for e in self.log.entries(site) if path is None or e.path == path]

    def __enter__(self) -> FaultWeb:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release.set()
        for server in self._servers.values():
            server.stop()


# -- pages ------------------------------------------------------------------------------------------


def html_page(title: str, paragraphs: Sequence[str], links: Sequence[str] = (), *, head: str = "") -> str:
    """A plain article page, long enough for the extractor to keep it."""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    anchors = "".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in links)
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>{html.escape(title)}</title></head><body>\n"
        f"<nav><ul>{anchors}</ul></nav>\n"
        f"<article><h1>{html.escape(title)}</h1>\n{body}</article>\n</body></html>\n"
    )


def story(index: int) -> tuple[str, tuple[str, ...]]:
    """A distinct real article (title, paragraphs): near-duplicate pages would be deduplicated away."""
    filler = [
        f.story for f in load_corpus().filler if f.story.lang == "en" and sum(map(len, f.story.body)) > 1700
    ]
    chosen = filler[index % len(filler)]
    return chosen.title, chosen.body


def article(index: int, links: Sequence[str] = ()) -> Response:
    title, paragraphs = story(index)
    body = html_page(title, paragraphs, links).encode("utf-8")
    return Response(body=body, headers=[("Content-Type", "text/html; charset=utf-8")])


def home(links: Sequence[str]) -> Response:
    body = html_page("Home", ["Links to everything this site serves."], links).encode("utf-8")
    return Response(body=body, headers=[("Content-Type", "text/html; charset=utf-8")])


# -- misbehaviour -----------------------------------------------------------------------------------


def in_turn(*answers: Answer | Handler) -> Handler:
    """The n-th request gets the n-th answer (or what the n-th handler makes of it); the last repeats."""
    lock = threading.Lock()
    served = [0]

    def handler(request: Request) -> Answer:
        with lock:
            n = served[0]
            served[0] += 1
        answer = answers[min(n, len(answers) - 1)]
        return answer if isinstance(answer, Response | Raw) else answer(request)

    return handler


def _head(exchange: RawExchange, length: int | None, content_type: str = "text/html; charset=utf-8") -> None:
    headers = [("Content-Type", content_type)]
    if length is not None:
        headers.append(("Content-Length", str(length)))
    exchange.send_head(200, headers)


def reset_mid_body(body: bytes, sent: int) -> Raw:
    """Declares the whole body, sends its first `sent` bytes, then aborts with a TCP reset."""

    def handler(exchange: RawExchange) -> None:
        _head(exchange, len(body))
        exchange.write(body[:sent])
        exchange.reset()

    return Raw(handler)


def short_body(body: bytes, sent: int) -> Raw:
    """Declares the whole body but closes the connection cleanly after `sent` bytes."""

    def handler(exchange: RawExchange) -> None:
        _head(exchange, len(body))
        exchange.write(body[:sent])

    return Raw(handler)


def no_answer(release: threading.Event) -> Raw:
    """Reads the request and never answers; returns (and is logged) once the client hangs up."""

    def handler(exchange: RawExchange) -> None:
        connection = exchange.connection
        while not release.wait(0.05):
            readable, _, _ = select.select([connection], [], [], 0)
            if readable and connection.recv(1, socket.MSG_PEEK) == b"":
                return

    return Raw(handler)


def drip(release: threading.Event, interval: float = 0.5, length: int = 100_000) -> Raw:
    """Declares `length` bytes and sends one every `interval` seconds, until the client hangs up."""

    def handler(exchange: RawExchange) -> None:
        _head(exchange, length)
        for _ in range(length):
            if release.wait(interval):
                return
            exchange.write(b"x")  # raises once the client is gone, which ends the handler

    return Raw(handler)


def stream(total: int, content_type: str, *, chunk: bytes = b"\0" * 65536, declare: bool = False) -> Raw:
    """Sends `total` bytes of repeated `chunk`, with or without Content-Length (read until close)."""

    def handler(exchange: RawExchange) -> None:
        _head(exchange, total if declare else None, content_type)
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            exchange.write(piece)  # raises once the client hangs up
            sent += len(piece)

    return Raw(handler)


def _deflate_zeros(inflated: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MIB)
    parts = [compressor.compress(zeros) for _ in range(inflated // MIB)]
    return b"".join([*parts, compressor.flush()])


def bombs(inflated: int = 256 * MIB) -> dict[str, bytes]:
    """`inflated` zero bytes compressed, by Content-Encoding: a few hundred KB for hundreds of MB."""
    raw = _deflate_zeros(inflated)
    crc, adler = 0, 1
    zeros = bytes(MIB)
    for _ in range(inflated // MIB):
        crc, adler = zlib.crc32(zeros, crc), zlib.adler32(zeros, adler)
    gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw + crc.to_bytes(4, "little")
    gzip += (inflated & 0xFFFFFFFF).to_bytes(4, "little")
    deflate = b"\x78\xda" + raw + adler.to_bytes(4, "big")  # the zlib format RFC 9110 calls deflate
    compressor = brotli.Compressor(quality=5)
    br = b"".join([*(compressor.process(zeros) for _ in range(inflated // MIB)), compressor.finish()])
    return {"gzip": gzip, "deflate": deflate, "br": br}


def encoded(body: bytes, coding: str) -> Response:
    return Response(
        body=body, headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", coding)]
    )


def chain(prefix: str, hops: int, status: int = 302) -> Handler:
    """`prefix?n=k` redirects to `prefix?n=k+1`, `hops` times, then serves a page."""

    def handler(request: Request) -> Answer:
        n = int(request.query.get("n", ["0"])[0])
        if n >= hops:
            return home([])
        return Response(status=status, headers=[("Location", f"{prefix}?n={n + 1}")])

    return handler


def png(width: int = 64, height: int = 64) -> bytes:
    """A valid grey PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = b"".join(b"\0" + bytes(range(width % 256)) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def endless_head(line: Callable[[int], bytes], total: int, *, status_line: bytes = b"HTTP/1.1 200 OK") -> Raw:
    """A status line, then header lines `line(0)`, `line(1)`, ... for `total` bytes (or until the
    client hangs up), never the blank line that would end the head."""

    def handler(exchange: RawExchange) -> None:
        exchange.write(status_line + b"\r\nContent-Type: text/html; charset=utf-8\r\n")
        sent, n = 0, 0
        while sent < total:
            batch = b"".join(line(n + k) for k in range(64))  # one write per 64 lines
            n += 64
            exchange.write(batch)  # raises once the client hangs up
            sent += len(batch)

    return Raw(handler)
