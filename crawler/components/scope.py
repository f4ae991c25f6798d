"""Downloader middleware that refuses every request outside the crawl's scope.

It sits first in the downloader chain, so it sees seeds, links, redirect targets (Scrapy
re-schedules a redirect as a new request) and robots.txt fetches alike: nothing out of scope is
ever sent, whatever pages link or redirect to.

Page requisites (stylesheets, images, ... of archived pages: `REQUISITE_META`) are the one
exception: they are fetched from any host, as browsers and Heritrix fetch them, and so is the
robots.txt of a host serving them, which the robots middleware asks for before the first one
(RFC 9309 is obeyed there as anywhere). Nothing found on such a host is followed: the spider
parses no links from requisites, and the frontier scopes every page it is handed.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from seedcrawl.crawler.discover.requisites import REQUISITE_META
from seedcrawl.crawler.discover.urls import Scope

logger = logging.getLogger(__name__)


class ScopeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.requisite_hosts: set[str] = set()  # netlocs a requisite was sent to

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        scope: Scope | None = getattr(spider, "scope", None)
        if scope is None:
            return  # a spider without a scope (e.g. a plain `scrapy crawl` of another spider)
        netloc = urlparse_cached(request).netloc
        if request.meta.get(REQUISITE_META):
            self.requisite_hosts.add(netloc)
            return
        robots = request.meta.get("dont_obey_robotstxt") and urlparse_cached(request).path == "/robots.txt"
        if robots and netloc in self.requisite_hosts:
            return
        if not scope.contains(request.url):
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("seedcrawl/out_of_scope")
            logger.debug("out of scope, not requested: %s", request.url)
            raise IgnoreRequest(f"out of scope: {request.url}")
