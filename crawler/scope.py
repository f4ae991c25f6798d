"""Downloader middleware that refuses every request outside the crawl's scope.

It sits first in the downloader chain, so it sees seeds, links, redirect targets (Scrapy
re-schedules a redirect as a new request) and robots.txt fetches alike: nothing out of scope is
ever sent, whatever pages link or redirect to.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.urls import Scope

logger = logging.getLogger(__name__)


class ScopeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        scope: Scope | None = getattr(spider, "scope", None)
        if scope is None:
            return  # a spider without a scope (e.g. a plain `scrapy crawl` of another spider)
        if not scope.contains(request.url):
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("seedcrawl/out_of_scope")
            logger.debug("out of scope, not requested: %s", request.url)
            raise IgnoreRequest(f"out of scope: {request.url}")
