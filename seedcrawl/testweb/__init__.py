"""A small web of news sites on loopback addresses, for tests, the demo crawl and benchmarks.

The generic core serves any `Site` (a path -> response table) with one threaded HTTP/1.1 server per
site (`SiteServer`), logging every request (`RequestLog`). `DemoWeb` builds four news sites and an
out-of-scope sentinel host on top of it, with a ground-truth `Manifest` of what each URL serves.

    from seedcrawl.testweb import DemoWeb
    with DemoWeb(port=0) as web:
        web.seed_urls, web.requests(), web.manifest
"""

from seedcrawl.testweb.demo import DemoWeb, SiteInfo
from seedcrawl.testweb.responses import Raw, RawExchange, Request, Response, error_page, page, redirect
from seedcrawl.testweb.routes import Site, StaticSite
from seedcrawl.testweb.served import LoggedRequest
from seedcrawl.testweb.server import ServerGroup, SiteServer
from seedcrawl.testweb.serving import main
from tests.support.testweb.manifest import ArticleTruth, Manifest, PageTruth
from tests.support.testweb.request_log import RequestLog

__all__ = [
    "ArticleTruth",
    "DemoWeb",
    "LoggedRequest",
    "Manifest",
    "PageTruth",
    "Raw",
    "RawExchange",
    "Request",
    "RequestLog",
    "Response",
    "ServerGroup",
    "Site",
    "SiteInfo",
    "SiteServer",
    "StaticSite",
    "error_page",
    "main",
    "page",
    "redirect",
]
