"""The package's servers with a request log, and the demo web with its ground truth.

`python -m tests.support.testweb` serves the demo web like `python -m seedcrawl.testweb`, and can
also write the request log (--log) and the ground-truth manifest (--manifest).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seedcrawl.testweb import demo, server
from seedcrawl.testweb.routes import Site
from seedcrawl.testweb.served import LoggedRequest
from seedcrawl.testweb.serving import build_parser, serve
from tests.support.testweb.manifest import ArticleTruth, Manifest, PageTruth
from tests.support.testweb.request_log import RequestLog
from tests.support.testweb.truth import newsroom_truth


class SiteServer(server.SiteServer):
    """A `SiteServer` whose requests go to `log` (a new one unless shared)."""

    log: RequestLog

    def __init__(
        self,
        site: Site,
        host: str = "127.0.0.10",
        port: int = 0,
        *,
        log: RequestLog | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(site, host, port, log=log if log is not None else RequestLog(), latency=latency)


class DemoWeb(demo.DemoWeb):
    """The demo web with a request log and the ground truth of what it serves."""

    log: RequestLog

    def __init__(
        self,
        port: int = 0,
        latency: float = 0.0,
        *,
        first_host: str = "127.0.0.10",
        sentinel_host: str = "127.0.0.2",
    ) -> None:
        super().__init__(port, latency, first_host=first_host, sentinel_host=sentinel_host, log=RequestLog())

    def requests(self, site: str | None = None) -> list[LoggedRequest]:
        """Every request handled so far (all sites and the sentinel), or one site's."""
        return self.log.entries(site)

    def clear_log(self) -> None:
        self.log.clear()

    def write_log(self, path: str | Path) -> int:
        return self.log.write_jsonl(path)

    @property
    def manifest(self) -> Manifest:
        """Ground truth for what is served right now (reflects publish() and update())."""
        articles: dict[str, ArticleTruth] = {}
        pages: dict[str, PageTruth] = {}
        sentinel = self.sentinel
        for name in self.sites:
            room_articles, room_pages, links = newsroom_truth(self._rooms[name])
            articles.update(room_articles)
            pages.update(room_pages)
            for url in links:
                pages[url] = PageTruth(url, demo.SENTINEL, "sentinel", 200)
        return Manifest(tuple(self.seed_urls), sentinel.base_url + "/", articles, pages)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("python -m tests.support.testweb")
    parser.add_argument("--log", metavar="PATH", help="write the request log as JSONL here on exit")
    parser.add_argument("--manifest", metavar="PATH", help="write the ground-truth manifest as JSON here")
    args = parser.parse_args(argv)

    def started(web: demo.DemoWeb) -> None:
        if args.manifest and isinstance(web, DemoWeb):
            web.manifest.write_json(args.manifest)

    def stopping(web: demo.DemoWeb) -> None:
        if args.log and isinstance(web, DemoWeb):
            web.write_log(args.log)

    web = DemoWeb(port=args.port, latency=args.latency, first_host=args.first_host)
    return serve(web, started=started, stopping=stopping)
