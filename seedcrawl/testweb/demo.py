"""The demo web: four news sites and an out-of-scope sentinel host, each on its own loopback address."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

from seedcrawl.testweb.catalog import SITES, placements
from seedcrawl.testweb.demo_feeds import sentinel_robots_txt
from seedcrawl.testweb.newsroom import FIXED_MODIFIED, Newsroom
from seedcrawl.testweb.responses import Request, Response, page
from seedcrawl.testweb.routes import Site
from seedcrawl.testweb.served import RequestSink
from seedcrawl.testweb.server import SiteServer, check_loopback
from seedcrawl.testweb.stories import load_corpus

# publish() and update() take their times from a clock that starts after the newest bundled article
# and advances one hour per call, so runs are reproducible and Last-Modified always moves forward.
CLOCK_START = datetime(2019, 12, 2, 9, 0, tzinfo=UTC)
SENTINEL = "sentinel"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    name: str  # "ledger", "eurasia", "capital", "courier" or "sentinel"
    title: str  # "The Daily Ledger"
    host: str
    port: int
    base_url: str  # "http://127.0.0.10:8000"


class _Clock:
    def __init__(self, start: datetime) -> None:
        self._next = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now, self._next = self._next, self._next + timedelta(hours=1)
        return now


def _sentinel_page(request: Request) -> Response:
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Sentinel host</title></head><body>'
        "<h1>Sentinel host</h1><p>This host is outside every crawl's scope. A request here is a crawler bug."
        "</p></body></html>\n"
    )
    return page(text.encode("utf-8"), "text/html; charset=utf-8", modified=FIXED_MODIFIED)


class DemoWeb:
    """Serves the demo news web; use as a context manager or call start() and stop().

    Every exchange goes to `log` when one is given (tests/support/testweb keeps a request log and
    the ground truth of what is served; `seedcrawl demo` needs neither).

    `port=0` gives every site its own ephemeral port; a fixed port is shared by all sites (they
    differ by address), so URLs stay the same across runs. Site i binds to `first_host` + i.
    """

    def __init__(
        self,
        port: int = 0,
        latency: float = 0.0,
        *,
        first_host: str = "127.0.0.10",
        sentinel_host: str = "127.0.0.2",
        log: RequestSink | None = None,
    ) -> None:
        first = ipaddress.IPv4Address(check_loopback(first_host))
        self._hosts = [check_loopback(str(first + i)) for i in range(len(SITES))]
        self._sentinel_host = check_loopback(sentinel_host)
        self.port = port
        self.latency = latency
        self.log = log
        self._clock = _Clock(CLOCK_START)
        self._rooms: dict[str, Newsroom] = {}
        self._servers: dict[str, SiteServer] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DemoWeb:
        if self._servers:
            return self
        rooms = {style.name: Newsroom(style, self._clock) for style in SITES}
        sentinel = Site(SENTINEL, fallback=_sentinel_page)
        sentinel.add("/robots.txt", page(sentinel_robots_txt().encode(), "text/plain; charset=utf-8"))
        sites = [*(room.site for room in rooms.values()), sentinel]
        hosts = [*self._hosts, self._sentinel_host]
        servers = {
            site.name: SiteServer(site, host, self.port, log=self.log, latency=self.latency)
            for site, host in zip(sites, hosts, strict=True)
        }
        try:
            for server in servers.values():
                server.bind()
        except BaseException:
            for server in servers.values():
                server.stop()
            raise
        for name, room in rooms.items():
            room.base_url = servers[name].base_url
            room.sentinel_url = servers[SENTINEL].base_url
        for placement in placements(load_corpus()):
            rooms[placement.site].add(placement)
        self._rooms, self._servers = rooms, servers
        for server in servers.values():
            server.start()
        return self

    def stop(self) -> None:
        servers, self._servers = self._servers, {}
        for server in servers.values():
            server.stop()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------

    def _info(self, name: str) -> SiteInfo:
        if not self._servers:
            raise RuntimeError("the demo web is not running; call start() first")
        server = self._servers[name]
        title = self._rooms[name].style.title if name in self._rooms else "Sentinel host"
        return SiteInfo(name, title, server.host, server.port, server.base_url)

    @property
    def sites(self) -> dict[str, SiteInfo]:
        """The in-scope news sites by name."""
        return {style.name: self._info(style.name) for style in SITES}

    @property
    def sentinel(self) -> SiteInfo:
        return self._info(SENTINEL)

    @property
    def sentinel_url(self) -> str:
        return self.sentinel.base_url + "/"

    @property
    def seed_urls(self) -> list[str]:
        """Home pages of the in-scope sites: where a crawl of the demo web starts."""
        return [info.base_url + "/" for info in self.sites.values()]

    # -- content ---------------------------------------------------------------------------------

    def publish(
        self,
        site: str,
        title: str,
        body: Sequence[str],
        *,
        section: str | None = None,
        byline: str | None = None,
        on_topic: bool = False,
        tags: Sequence[str] = (),
    ) -> str:
        """Add an article to `site` (home, section, feed and sitemap list it); returns its URL."""
        self._info(site)
        room = self._rooms[site]
        article = room.publish(title, body, section=section, byline=byline, on_topic=on_topic, tags=tags)
        return room.base_url + article.path

    def update(self, url: str, body: Sequence[str] | None = None, *, title: str | None = None) -> None:
        """Change an article's body and/or title; its ETag and Last-Modified change with it."""
        for room in self._rooms.values():
            if url.startswith(room.base_url + "/") and room.article_at(url[len(room.base_url) :]):
                room.update(url[len(room.base_url) :], body, title=title)
                return
        raise KeyError(f"no article at {url}")
