"""The demo web `seedcrawl demo` serves: news sites on loopback addresses, and the server under them.

The generic core serves any `Site` (a path -> response table) with one threaded HTTP/1.1 server per
site (`SiteServer`). `DemoWeb` builds four news sites and an out-of-scope sentinel host on top of it.
Request logs and the ground truth of what is served are test tools: tests/support/testweb.

    from seedcrawl.testweb import DemoWeb
    with DemoWeb(port=0) as web:
        web.seed_urls
"""

from seedcrawl.testweb.demo import DemoWeb, SiteInfo
from seedcrawl.testweb.responses import Raw, RawExchange, Request, Response, error_page, page, redirect
from seedcrawl.testweb.routes import Site, StaticSite
from seedcrawl.testweb.served import LoggedRequest, RequestSink
from seedcrawl.testweb.server import ServerGroup, SiteServer

__all__ = [
    "DemoWeb",
    "LoggedRequest",
    "Raw",
    "RawExchange",
    "Request",
    "RequestSink",
    "Response",
    "ServerGroup",
    "Site",
    "SiteInfo",
    "SiteServer",
    "StaticSite",
    "error_page",
    "page",
    "redirect",
]
