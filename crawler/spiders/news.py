"""The news spider: seeds, feeds, sitemaps and links through a disk-backed, best-first frontier.

Run it through `seedcrawl crawl` or directly:
    scrapy crawl news -a seeds=https://example.com/ -a max_pages=100 -s SEEDCRAWL_OUTPUT=out

Callbacks never yield requests. Everything found goes into the frontier (crawler/run/frontier.py),
and the spider hands Scrapy only what can be downloaded now: at most SEEDCRAWL_FRONTIER_WINDOW
requests out at once, and per host no more than it may fetch in parallel. It tops them up with
the best parked requests after every response and whenever the engine goes idle. So the order is
decided over the whole frontier (best-first with a topic, breadth-first without), the budget is
spent on the best requests rather than the first found, and what waits stays in SQLite.

Every archived HTML page's requisites (crawler/discover/requisites.py: stylesheets, scripts, images,
fonts, media) are parked too, as `Kind.REQUISITE`: from any host, once per run, above pages in
priority so a page's capture completes soon after it, outside the page budget. Their callback
follows no links; a stylesheet is parsed for its own `url()`/`@import`, a few levels deep.

A resumed run (crawler/run/resume.py) first replays what it archived (crawler/run/replay.py): those
pages go through the callbacks' link-following code, read back from the WARC files, not fetched.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from seedcrawl.crawler.chromium.rendering import PageRendering
from seedcrawl.crawler.components.frontier_mw import ADMITTED_META
from seedcrawl.crawler.discover.canonical import declared_canonical
from seedcrawl.crawler.discover.discovery import (
    DiscoveryError,
    autodiscover,
    parse_document,
    sitemaps_from_robots,
)
from seedcrawl.crawler.discover.focus import REQUISITE_PRIORITY, Focus, link_contexts
from seedcrawl.crawler.discover.links import page_links
from seedcrawl.crawler.discover.listing import looks_like_listing
from seedcrawl.crawler.discover.requisites import (
    REQUISITE_META,
    css_requisites,
    html_requisites,
    is_stylesheet,
)
from seedcrawl.crawler.discover.scope_rules import PageRules, patterns_setting, scope_hosts
from seedcrawl.crawler.discover.seeds import SeedError, parse_seed_list, scope_for
from seedcrawl.crawler.discover.sites import SiteDiscovery
from seedcrawl.crawler.discover.urls import Scope, canonicalize_url, trusted_canonical
from seedcrawl.crawler.run.crawl_state import CrawlState
from seedcrawl.crawler.run.frontier import Frontier, Kind
from seedcrawl.crawler.run.frontier_store import Entry
from seedcrawl.crawler.run.incremental import KnownArticles
from seedcrawl.crawler.run.revalidate import Revalidator
from seedcrawl.crawler.spiders.handout import HOST_META, KIND_META, request_for

logger = logging.getLogger(__name__)


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
        self._allow_hosts = _as_list(allow_hosts)
        self.max_pages = int(max_pages) if max_pages not in (None, "", 0, "0") else None
        # Set once, from the settings, by _configure() (from_crawler, the only way Scrapy makes a spider).
        self.scope: Scope
        self.rules: PageRules
        self._requisites: bool  # SEEDCRAWL_REQUISITES
        self._css_levels: int  # SEEDCRAWL_REQUISITES_CSS_DEPTH
        self._max_requisites: int  # SEEDCRAWL_MAX_REQUISITES_PER_PAGE, 0 for all
        # Set once by start(), from the CrawlState opened once the capture extension holds the
        # output folder's lock; nothing reads them before (no request is out).
        self._window: int  # requests out at once
        self._per_host: int  # requests out at once per host
        self._max_links: int  # links followed per page, 0 for all (SEEDCRAWL_MAX_LINKS_PER_PAGE)
        self.frontier: Frontier | None = None
        self.focus = Focus(None)
        self._known: KnownArticles | None = None
        self._revalidator = Revalidator(None, None, None)
        self._sites: SiteDiscovery | None = None
        self._state: CrawlState | None = None
        self._out: Counter[str] = Counter()  # requests handed out and not finished, by host
        self._rendering: PageRendering | None = None  # --browser auto/always with Chromium
        self._awaiting_render = 0  # pages out of their hosts' slots, waiting for (or in) the browser

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._on_response, signal=signals.response_received)
        return spider

    # -- set-up and tear-down ----------------------------------------------------------------------

    def _configure(self, crawler: Crawler) -> None:
        """Scope and requisites, from the settings (crawler/discover/scope_rules.py)."""
        settings = crawler.settings
        mode = str(settings.get("SEEDCRAWL_SCOPE") or "host")
        self.scope = scope_for(self.seed_urls, [*self._allow_hosts, *scope_hosts(mode, self.seed_urls)])
        self.rules = PageRules.build(
            mode,
            self.seed_urls,
            patterns_setting(settings.get("SEEDCRAWL_INCLUDE")),
            patterns_setting(settings.get("SEEDCRAWL_EXCLUDE")),
            patterns_setting(settings.get("SEEDCRAWL_EXCLUDE_REQUISITES")),
        )
        self._requisites = settings.getbool("SEEDCRAWL_REQUISITES", True)
        self._css_levels = max(0, settings.getint("SEEDCRAWL_REQUISITES_CSS_DEPTH", 3))
        self._max_requisites = max(0, settings.getint("SEEDCRAWL_MAX_REQUISITES_PER_PAGE", 0))

    async def start(self) -> AsyncIterator[Any]:
        self._state = state = CrawlState.open(
            self.crawler, self.scope, self.max_pages, self._replayed, self.rules, self._requisites
        )
        self.frontier, self.focus, self._known = state.frontier, state.focus, state.known
        self._revalidator, self._sites = state.revalidator, state.sites
        self._window, self._per_host = state.window, state.per_host
        self._max_links = max(0, self.crawler.settings.getint("SEEDCRAWL_MAX_LINKS_PER_PAGE"))
        self._rendering = PageRendering.from_crawler(self.crawler, {REQUISITE_META: True})
        if self._rendering is not None:
            self._rendering.start_ahead()
        robots = not self.crawler.settings.getbool("ROBOTSTXT_OBEY")
        if state.shard is not None:  # before the seeds (another shard's go there) and the replay
            state.shard.start(state.frontier)
        state.sites.admit_seeds(self.seed_urls, robots, state.known.listings() if state.known else ())
        for _ in state.replay.steps(state.sites) if state.replay is not None else ():
            await sleep(0)  # a signal is handled between batches; a stopped crawl replays no further
            if not self.crawler.crawling:
                return
        if state.shard is not None:
            state.shard.poll(self._feed)
        for entry in state.frontier.take(self._window, self._per_host, self._out):
            yield self._request(entry)

    def _replayed(self, entry: Entry, response: Response) -> None:
        """An archived 2xx response of a resumed run, as its callback would have seen it."""
        response.meta[KIND_META] = kind = Kind(entry.kind)
        response.meta[ADMITTED_META] = entry.url  # as a fetched response's: its level is found by it
        if kind is Kind.REQUISITE:
            self._stylesheet(response, entry.depth)
        elif kind.is_discovery:
            self._discover(response)
        elif isinstance(response, TextResponse):
            self._follow(response)

    async def _on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self._rendering is not None:
            await self._rendering.close()  # the browser ends with the crawl, SIGTERM or not
        if self._state is not None:
            self._state.close(self.crawler)

    # -- handing requests to Scrapy ----------------------------------------------------------------

    def _request(self, entry: Entry) -> scrapy.Request:
        self._out[entry.host] += 1
        callbacks = {
            Kind.SEED: self.parse_page,
            Kind.PAGE: self.parse_page,
            Kind.REQUISITE: self.parse_requisite,
        }
        callback = callbacks.get(Kind(entry.kind), self.parse_discovery)
        return request_for(entry, callback, self.on_error, self._revalidator, self._inc)

    def _feed(self) -> int:
        """Hand the best parked requests to Scrapy, as many as hosts can download now."""
        engine = self.crawler.engine
        if engine is None or self.frontier is None or engine.spider is None:
            return 0
        room = self._window - sum(self._out.values()) - self._awaiting_render
        entries = self.frontier.take(room, self._per_host, self._out) if room > 0 else []
        for entry in entries:
            logger.debug("handing out %s (%s, priority %d)", entry.url, entry.kind, entry.priority)
            engine.crawl(self._request(entry))
        return len(entries)

    def _finished(self, meta: dict[str, Any]) -> None:
        host = meta.get(HOST_META)
        if host is not None and self._out[host] > 0:
            self._out[host] -= 1
        self._feed()

    def _on_idle(self, spider: scrapy.Spider) -> None:
        # Idle means nothing is in flight: any count left over (a request that vanished without
        # a callback) must not hold its host back for the rest of the crawl.
        self._out.clear()
        if self._feed():
            raise DontCloseSpider
        shard = self._state.shard if self._state is not None else None
        if shard is not None and not shard.may_close():  # other shards may still send URLs
            self._feed()
            raise DontCloseSpider

    # -- callbacks -----------------------------------------------------------------------------

    async def parse_page(self, response: Response, **kwargs: Any) -> None:
        self._count(response)
        reason: str | None = None  # why the page must be rendered in the browser, if it must
        try:
            if response.status == 304:
                self._inc("seedcrawl/incremental/not_modified")  # archived as a revisit; nothing new
            elif isinstance(response, TextResponse):
                self._follow(response)
                if self._rendering is not None:
                    reason = self._rendering.reason_for(response)
        finally:
            if reason is not None:
                self._awaiting_render += 1  # before the release below hands its room out again
            self._finished(response.meta)
        if reason is None or self._rendering is None:
            return
        # Out of the host's slots, in the crawl's window: a page waiting for (or in) the browser no
        # longer holds one of its host's slots, or a few shells would stall that host's HTTP crawl
        # for seconds; it still counts against the window, which bounds the pages held in memory
        # (and finished on SIGTERM) when many wait. The browser's own requests go through the
        # downloader, whose per-host slots and delays keep them polite.
        try:
            rendered = await self._rendering.render(response, reason)
            if rendered is not None:
                self._follow_rendered(rendered)
        finally:
            self._awaiting_render -= 1
            self._feed()

    def parse_requisite(self, response: Response, **kwargs: Any) -> None:
        try:
            self._inc("seedcrawl/requisites")
            self._inc(f"seedcrawl/host/{urlparse_cached(response).netloc}/requisites")
            if response.status == 304:
                self._inc("seedcrawl/requisites/not_modified")  # archived as a revisit
            else:
                self._stylesheet(response, int(response.meta.get("depth", 0)))
        finally:
            self._finished(response.meta)

    def _stylesheet(self, response: Response, level: int) -> None:
        """A stylesheet's own requisites (fonts, images, imports), `SEEDCRAWL_REQUISITES_CSS_DEPTH` deep."""
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if level >= self._css_levels or not isinstance(response, TextResponse):
            return
        if is_stylesheet(content_type, response.url):
            self._admit_requisites(css_requisites(response.text, response.url), level + 1, response.url)

    def _admit_requisites(self, urls: list[str], level: int, via: str) -> None:
        assert self.frontier is not None
        limit = self._max_requisites or len(urls)
        if len(urls) > limit:
            self._inc("seedcrawl/requisites/over_limit")
        for url in urls[:limit]:
            self.frontier.admit_requisite(url, level, via, REQUISITE_PRIORITY)

    def _follow_rendered(self, rendered: TextResponse) -> None:
        """Links (and, with `auto`, requisites) the page's scripts added: admitted like the page's
        own (the frontier drops repeats)."""
        assert self.frontier is not None
        if self._requisites and self._rendering is not None and self._rendering.dom_requisites:
            # The browser did not load them (crawler/chromium/dom_only.py): fetched over HTTP.
            self._admit_requisites(html_requisites(rendered.selector.root, rendered.url), 0, rendered.url)
        depth = int(rendered.meta.get("depth", 0)) + 1
        limit = self._max_links or None
        for n, link in enumerate(page_links(rendered)):
            if limit is not None and n >= limit:
                break
            priority = self.focus.link_priority(link.url, link.text, 0.0, depth)
            self.frontier.admit(link.url, Kind.PAGE, priority, depth, rendered.url)

    def _follow(self, response: TextResponse) -> None:
        assert self.frontier is not None and self._sites is not None
        if self._requisites:  # before the canonical check: this copy is archived too
            self._admit_requisites(html_requisites(response.selector.root, response.url), 0, response.url)
        page = canonicalize_url(response.url) or response.url
        declared = declared_canonical(response.selector.root, response.url)
        canonical = trusted_canonical(response.url, declared, self.scope) if declared else None
        if canonical is not None and canonical != page and not self.frontier.claim_canonical(page, canonical):
            return  # a second copy of a page already fetched: its links are followed there
        score = self.focus.page_score(response.selector) if self.focus.enabled else 0.0
        if self.focus.enabled:
            self._inc("seedcrawl/focus/scored_pages")
            self._inc("seedcrawl/focus/relevant_pages", int(self.focus.is_relevant(score)))
        depth = int(response.meta.get("depth", 0)) + 1
        # Every link costs a canonicalisation and a frontier lookup on the reactor's thread: a page
        # of 80,000 links held the crawl for 30 s. Links past the limit (in document order) are
        # not followed from this page; such pages are counted (seedcrawl/links/pages_over_limit).
        limit = self._max_links or None
        contexts = link_contexts(response.selector, response.url, limit) if self.focus.enabled else {}
        for n, link in enumerate(page_links(response)):
            if limit is not None and n >= limit:
                self._inc("seedcrawl/links/pages_over_limit")
                break
            anchor = f"{link.text} {contexts.get(link.url, '')}"
            priority = self.focus.link_priority(link.url, anchor, score, depth)
            self.frontier.admit(link.url, Kind.PAGE, priority, depth, response.url)
        kind = Kind(response.meta.get(KIND_META, Kind.PAGE))
        if self._sites.wants_autodiscovery(page, kind, looks_like_listing(page)):
            try:
                announced = autodiscover(response.body, response.url)
            except DiscoveryError as exc:
                logger.debug("no autodiscovery on %s: %s", response.url, exc)
                announced = []
            self._sites.admit_links(announced, depth - 1, response.url)
        if kind is Kind.SEED:
            self._sites.try_fallbacks(response.url, 0)

    def parse_discovery(self, response: Response, **kwargs: Any) -> None:
        try:
            if response.status in (404, 410):
                self._inc("seedcrawl/discovery/fallback_absent")  # a guessed location: expected
                return
            self._count(response)
            self._discover(response)
        finally:
            self._finished(response.meta)

    def _discover(self, response: Response) -> None:
        self._inc("seedcrawl/discovery/documents")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        try:
            found = parse_document(response.body, response.url, content_type)
        except DiscoveryError as exc:
            self._inc(f"seedcrawl/discovery/refused/{type(exc).__name__}")
            logger.warning("discovery document refused: %s: %s", response.url, exc)
            return
        self._inc(f"seedcrawl/discovery/kind/{found.kind}")
        assert self._sites is not None
        level = self._sites.level_of(response.meta.get(ADMITTED_META) or response.url) + 1
        depth = int(response.meta.get("depth", 0))
        admitted = self._sites.admit_links(found.links, depth, response.url, level)
        self._inc("seedcrawl/discovery/new_urls", admitted)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self._finished(request.meta if request is not None else {})

    def _on_response(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        # robots.txt as fetched by the robots middleware (decoded: this signal fires after the
        # downloader middlewares); its Sitemap: lines lead to the site's sitemaps.
        if (
            self._sites is None
            or ADMITTED_META in request.meta
            or not request.meta.get("dont_obey_robotstxt")
            or urlparse_cached(request).path != "/robots.txt"
            or not 200 <= response.status < 300
        ):
            return
        self._sites.admit_links(sitemaps_from_robots(response.body, response.url), 0, response.url)
        self._feed()

    def _count(self, response: Response) -> None:
        self._inc("seedcrawl/pages")
        self._inc(f"seedcrawl/host/{urlparse_cached(response).netloc}/pages")

    def _inc(self, key: str, count: int = 1) -> None:
        if count and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)


def _as_list(value: Iterable[str] | str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)
