"""The test web as tests and benchmarks use it: the package's demo web, plus a request log on every
server and the ground truth of what the demo web serves.

`SiteServer` and `DemoWeb` here are the package's, with a `RequestLog` by default, so a test can
compare what was served one-for-one with what a crawl archived.
"""

from seedcrawl.testweb import (
    LoggedRequest,
    Raw,
    RawExchange,
    Request,
    Response,
    ServerGroup,
    Site,
    SiteInfo,
    StaticSite,
    error_page,
    page,
    redirect,
)
from tests.support.testweb.manifest import ArticleTruth, Manifest, PageTruth
from tests.support.testweb.observed import DemoWeb, SiteServer, main
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
