"""A site: the table from request path to what answers it."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from seedcrawl.testweb.responses import Raw, Request, Response, error_page, page

Answer = Response | Raw
Handler = Callable[[Request], Answer]
# A route is a fixed response, a fixed raw exchange, or a function of the request.
Route = Response | Raw | Handler

# Static files get one fixed modification time so that validators are the same on every run.
STATIC_MODIFIED = datetime(2019, 11, 1, tzinfo=UTC)


def not_found(request: Request) -> Answer:
    return error_page(404, f"Nothing is published at {request.route_path}.")


class Site:
    """Maps a path (without query string) to a route; other paths go to `fallback` (404 by default).

    Routes may be added and removed while a server is serving the site.
    """

    def __init__(
        self,
        name: str,
        routes: Mapping[str, Route] | None = None,
        *,
        fallback: Handler = not_found,
    ) -> None:
        self.name = name
        self.fallback = fallback
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = dict(routes or {})

    def add(self, path: str, route: Route) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route paths start with '/': {path!r}")
        with self._lock:
            self._routes[path] = route

    def remove(self, path: str) -> None:
        with self._lock:
            self._routes.pop(path, None)

    def paths(self) -> list[str]:
        with self._lock:
            return sorted(self._routes)

    def resolve(self, request: Request) -> Answer:
        with self._lock:
            route = self._routes.get(request.route_path)
        if route is None:
            return self.fallback(request)
        if isinstance(route, Response | Raw):
            return route
        return route(request)


class StaticSite(Site):
    """Serves a fixed set of files: bytes get a Content-Type guessed from the path, and validators.

    Values may also be `Response` or `Raw` specs, e.g. to gzip-encode or break one of the pages.
    """

    def __init__(
        self,
        pages: Mapping[str, bytes | Response | Raw],
        name: str = "static",
        *,
        modified: datetime = STATIC_MODIFIED,
    ) -> None:
        routes: dict[str, Route] = {}
        for path, content in pages.items():
            if isinstance(content, bytes):
                routes[path] = page(content, guess_type(path), modified=modified)
            else:
                routes[path] = content
        super().__init__(name, routes)


def guess_type(path: str) -> str:
    if path.endswith("/"):
        return "text/html; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path, strict=False)
    if guessed is None:
        return "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/xml", "application/json"):
        return guessed + "; charset=utf-8"
    return guessed
