"""One threaded HTTP/1.1 server per site, bound to its own loopback address."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import logging
import socket
import socketserver
import sys
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from seedcrawl.testweb.responses import (
    Raw,
    RawExchange,
    Request,
    Response,
    error_page,
    http_date,
    not_modified,
)
from seedcrawl.testweb.routes import Site
from seedcrawl.testweb.served import LoggedRequest, RequestSink, pick_headers

logger = logging.getLogger(__name__)


def check_loopback(host: str) -> str:
    """Refuse anything but an IPv4 loopback address: the test web must never be reachable from outside."""
    address = ipaddress.ip_address(host)
    if address.version != 4 or not address.is_loopback:
        raise ValueError(f"test servers bind to 127.0.0.0/8 addresses only, not {host!r}")
    return host


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], site: Site, log: RequestSink | None, latency: float) -> None:
        self.site = site
        self.log = log
        self.latency = latency
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name with getfqdn(), a DNS query we do not want.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections, whose threads would otherwise serve on after stop()."""
        with self._open_lock:
            open_now = list(self._open)
        for conn in open_now:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (and stop() cutting connections) are routine here, not worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        logger.error("error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "seedcrawl-testweb/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are dropped after this many seconds
    disable_nagle_algorithm = True  # head and body go out in separate writes; Nagle would stall them

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the RequestLog is the record; per-request stderr lines would drown test output

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed requests and unknown methods are answered through the same path, so they are logged.
        self.close_connection = True
        request = Request(
            site=self.server.site.name,
            method=getattr(self, "command", None) or "",
            path=getattr(self, "path", None) or "",
            headers=tuple(self.headers.items()) if hasattr(self, "headers") else (),
        )
        self._send(request, error_page(int(code), explain or message or ""), time.time())

    def _dispatch(self) -> None:
        received = time.time()
        request = Request(
            site=self.server.site.name,
            method=self.command,
            path=self.path,
            headers=tuple(self.headers.items()),
            body=self._read_body(),
        )
        if self.server.latency > 0:
            time.sleep(self.server.latency)
        try:
            answer = self.server.site.resolve(request)
        except Exception:
            logger.exception("handler for %s %s failed", request.method, request.path)
            answer = error_page(500, "The page handler failed.")
        try:
            if isinstance(answer, Raw):
                self._run_raw(request, answer, received)
            else:
                self._send(request, answer, received)
        except OSError:
            self.close_connection = True  # the client went away mid-response

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True  # not worth decoding; the connection cannot be reused
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True  # cannot tell where the body ends
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _record(self, request: Request, received: float, status: int | None, body_bytes: int) -> None:
        if self.server.log is None:
            return
        self.server.log.append(
            LoggedRequest(
                time=received,
                site=request.site,
                host=f"{self.server.server_name}:{self.server.server_port}",
                method=request.method,
                path=request.path,
                headers=pick_headers(list(request.headers)),
                status=status,
                body_bytes=body_bytes,
            )
        )

    def _send(self, request: Request, response: Response, received: float) -> None:
        response = not_modified(request, response) or response
        if response.delay > 0:
            time.sleep(response.delay)
        bodyless = response.status < 200 or response.status in (204, 304)
        body = b"" if bodyless else response.body
        headers = list(response.headers)
        if response.gzip and body:
            body = gzip.compress(body, mtime=0)  # mtime 0: same bytes on every run
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        if response.etag:
            headers.append(("ETag", response.etag))
        if response.last_modified:
            headers.append(("Last-Modified", http_date(response.last_modified)))
        if not bodyless:
            if response.chunked:
                headers.append(("Transfer-Encoding", "chunked"))
            else:
                headers.append(("Content-Length", str(len(body))))
        send_body = not bodyless and request.method != "HEAD"
        # Logged before sending, so a client holding the response always finds its entry.
        self._record(request, received, response.status, len(body) if send_body else 0)
        self.send_response(response.status, response.reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not send_body:
            return
        if response.chunked:
            size = max(1, response.chunk_size)
            for start in range(0, len(body), size):
                chunk = body[start : start + size]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def _run_raw(self, request: Request, raw: Raw, received: float) -> None:
        exchange = RawExchange(request, self.connection, self.wfile)
        try:
            raw.handler(exchange)
        except OSError:
            pass  # resets and hang-ups are what raw handlers are for
        finally:
            self._record(request, received, exchange.status, exchange.body_bytes)
            self.close_connection = not exchange.keep_alive


class SiteServer:
    """Serves one `Site` on `host:port` from a daemon thread; `port=0` picks a free port.

    `latency` seconds are slept before every response. Every exchange is reported to `log` when
    given (tests pass a request log; the demo needs none).
    """

    def __init__(
        self,
        site: Site,
        host: str = "127.0.0.10",
        port: int = 0,
        *,
        log: RequestSink | None = None,
        latency: float = 0.0,
    ) -> None:
        self.site = site
        self.host = check_loopback(host)
        self.log = log
        self.latency = latency
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not bound yet; call bind() or start()")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def bind(self) -> SiteServer:
        """Take the address without serving yet, so that the port is known before routes are built."""
        if self._httpd is None:
            self._httpd = _HTTPServer((self.host, self._requested_port), self.site, self.log, self.latency)
        return self

    def start(self) -> SiteServer:
        self.bind()
        assert self._httpd is not None
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"testweb-{self.site.name}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and release the address. Safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        if thread is not None:
            httpd.shutdown()
            thread.join(timeout=5)
        httpd.close_connections()
        httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServerGroup:
    """Several `SiteServer`s started and stopped together; a base for generated test webs."""

    def __init__(self, servers: list[SiteServer]) -> None:
        self.servers = servers
        self._stack = ExitStack()

    @property
    def seeds(self) -> list[str]:
        return [server.base_url for server in self.servers]

    @property
    def hosts(self) -> list[str]:
        return [server.host for server in self.servers]

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Self:
        for server in self.servers:
            self._stack.enter_context(server)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
