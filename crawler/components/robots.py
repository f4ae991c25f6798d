"""robots.txt handling that fails closed, as RFC 9309 asks.

Scrapy's own middleware parses whatever body comes back, so a robots.txt answering 503 with an
HTML error page, or not answering at all, lets every path through. RFC 9309 section 2.3.1:
a 4xx ("unavailable") robots.txt allows everything; a 5xx or a network error ("unreachable")
disallows everything for that host. 429 counts as unreachable (the server asks us to back off).
Only the first 500 KiB are parsed, the minimum the RFC requires crawlers to read.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
_PARSE_LIMIT = 500 * 1024


def robots_policy(status: int) -> str:
    """'parse', 'allow-all' or 'disallow-all' for a final robots.txt status code."""
    if 200 <= status < 300:
        return "parse"
    if status == 429 or status >= 500:
        return "disallow-all"
    if 400 <= status < 500:
        return "allow-all"
    # A 3xx left over after redirects were followed: RFC 9309 lets us treat it as unavailable.
    return "allow-all"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        # Requests that arrive while robots.txt is being fetched all wait on one Deferred, and a
        # Deferred hands its result down one callback chain: the first waiter got the parser and
        # every later one None, which Scrapy reads as "no robots.txt" and lets through (found with
        # a CDN's requisites, a dozen of which wait at once). The parser is installed before the
        # Deferred fires, so every waiter reads it from there.
        installed = self._parsers.get(urlparse_cached(request).netloc)
        return parser if installed is None or isinstance(installed, Deferred) else installed

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        policy = robots_policy(response.status)
        body = {"parse": response.body[:_PARSE_LIMIT], "allow-all": b"", "disallow-all": _DISALLOW_ALL}[
            policy
        ]
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if policy == "disallow-all":
            logger.warning(
                "robots.txt for %s answered %d: disallowing the host (RFC 9309)", netloc, response.status
            )
            self._stats.inc_value("seedcrawl/robots_unreachable")
        await self._install(netloc, body, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # Unreachable (timeout, refused, reset, redirected out of scope): disallow the whole host.
        logger.warning(
            "robots.txt for %s could not be fetched (%s): disallowing the host (RFC 9309)",
            netloc,
            type(exc).__name__,
        )
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._stats.inc_value("seedcrawl/robots_unreachable")
        self._settle(netloc, build_from_crawler(self._parserimpl, self.crawler, _DISALLOW_ALL))

    async def _install(self, netloc: str, body: bytes, request: Request) -> None:
        parser = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        self._settle(netloc, parser)

    def _settle(self, netloc: str, parser: RobotParser) -> None:
        """Install the host's parser and wake the requests waiting for it."""
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)
