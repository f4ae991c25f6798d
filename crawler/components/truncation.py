"""What happens to a response whose body was cut short, after it has been archived.

Capture has already written it with `WARC-Truncated`. A body stopped at DOWNLOAD_MAXSIZE, or a
head stopped at its limits, is dropped here (it is not the page); a body cut by a dropped connection is retried like any other
transient failure, and dropped when retries run out.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from seedcrawl.crawler.capture.exchange import TRUNCATED_META


class TruncatedResponseMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TruncatedResponseMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get(TRUNCATED_META) == "length":
            # A body past DOWNLOAD_MAXSIZE, or a head past SEEDCRAWL_MAX_HEADER_* (crawler/components/head_limits.py).
            raise IgnoreRequest(f"response cut at a size limit: {request.url}")
        if "dataloss" in response.flags:
            spider = spider or self.crawler.spider
            assert spider is not None
            retry = get_retry_request(request, spider=spider, reason="dataloss")
            if retry is None:
                raise IgnoreRequest(f"connection dropped mid-body, retries exhausted: {request.url}")
            return retry
        return response
