"""Downloader middleware that sends redirect hops through the frontier's seen-check.

Scrapy's own duplicate filter is off (the frontier's SQLite seen set replaces it, see
crawler/run/frontier.py), and RedirectMiddleware re-schedules each hop as a new request that no spider
code sees. Without this check a redirect to a page already fetched would fetch it again, a legacy
URL redirecting to a known article would defeat incremental runs, and two redirects to one page
would fetch it twice. Redirect loops stay bounded by REDIRECT_MAX_TIMES either way.

Requests the frontier handed out carry the canonical URL they were admitted under
(`ADMITTED_META`); a request whose URL no longer matches it is a redirect hop. Requests without it
(robots.txt fetches) are not the frontier's business. Retries copy the meta and the URL, so they
pass untouched.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from seedcrawl.crawler.discover.requisites import REQUISITE_META
from seedcrawl.crawler.discover.urls import canonicalize_url
from seedcrawl.crawler.run.frontier import Frontier, Verdict

logger = logging.getLogger(__name__)

ADMITTED_META = "seedcrawl_admitted"


class FrontierMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        admitted = request.meta.get(ADMITTED_META)
        frontier: Frontier | None = getattr(spider or self.crawler.spider, "frontier", None)
        if admitted is None or frontier is None:
            return
        if canonicalize_url(request.url) == admitted:
            return
        if request.meta.get(REQUISITE_META):
            verdict = frontier.claim_requisite_redirect(request.url)
        else:
            verdict = frontier.claim_redirect(request.url)
        if verdict is not Verdict.ADMITTED:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value(f"seedcrawl/frontier/redirect_{verdict}")
            logger.debug("redirect hop not followed (%s): %s", verdict, request.url)
            raise IgnoreRequest(f"redirect to a URL not to fetch ({verdict}): {request.url}")
        request.meta[ADMITTED_META] = canonicalize_url(request.url)
