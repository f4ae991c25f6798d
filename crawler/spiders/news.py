"""The news spider: from seed URLs through every in-scope page, breadth-first, within a budget.

Run it through `seedcrawl crawl` or directly:
    scrapy crawl news -a seeds=https://example.com/ -a max_pages=100 -s SEEDCRAWL_OUTPUT=out
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.httpobj import urlparse_cached

from crawler.seeds import SeedError, parse_seed_list, scope_for
from crawler.urls import canonicalize_url


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        seeds: Iterable[str] | str | None = None,
        allow_hosts: Iterable[str] | str = (),
        max_pages: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seed_urls = parse_seed_list(seeds)
        if not self.seed_urls:
            raise SeedError("no seed URLs given")
        self.scope = scope_for(self.seed_urls, _as_list(allow_hosts))
        self.max_pages = int(max_pages) if max_pages not in (None, "", 0, "0") else None
        self.scheduled = 0
        self._seen: set[str] = set()
        self._links = LinkExtractor(unique=True)

    async def start(self) -> Any:
        for url in self.seed_urls:
            request = self._request(url, kind="seed")
            if request is not None:
                yield request

    def _request(self, url: str, *, kind: str, priority: int = 0) -> scrapy.Request | None:
        canonical = canonicalize_url(url)
        if canonical is None or canonical in self._seen:
            return None
        if self.max_pages is not None and self.scheduled >= self.max_pages:
            self.crawler.stats.inc_value("seedcrawl/budget_exhausted")
            return None
        self._seen.add(canonical)
        self.scheduled += 1
        return scrapy.Request(
            canonical, callback=self.parse, priority=priority, meta={"seedcrawl_kind": kind}
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("seedcrawl/pages")
        self.crawler.stats.inc_value(f"seedcrawl/host/{urlparse_cached(response).netloc}/pages")
        if not isinstance(response, TextResponse):
            return
        for link in self._links.extract_links(response):
            request = self._request(link.url, kind="link")
            if request is not None:
                yield request


def _as_list(value: Iterable[str] | str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)
