"""What a crawl keeps on disk while it runs, opened when the crawl starts and closed when it ends.

The spider's frontier (crawler/run/frontier.py) and everything around it: the topic focus, the known
articles of incremental runs, the validators for conditional refetches, per-site discovery, and
in a resumed run the replay of what the run archived before (crawler/run/replay.py). It is opened in
the spider's `start()`, once the capture extension holds the output folder's lock and has
recovered the folder, so that nothing here reads a WARC file still being cut back.

Without an output folder (`scrapy crawl news` with no SEEDCRAWL_OUTPUT) the frontier lives in a
scratch folder removed at the end.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.http import Response

from seedcrawl.crawler.discover.focus import Focus, profile_for_crawl
from seedcrawl.crawler.discover.scope_rules import PageRules
from seedcrawl.crawler.discover.sites import SiteDiscovery
from seedcrawl.crawler.discover.urls import Scope
from seedcrawl.crawler.run.frontier import Frontier, FrontierConfig
from seedcrawl.crawler.run.frontier_store import Entry, FrontierStore
from seedcrawl.crawler.run.incremental import KnownArticles, incremental_enabled
from seedcrawl.crawler.run.replay import Replay, open_replay
from seedcrawl.crawler.run.revalidate import Revalidator, open_capture_history
from seedcrawl.crawler.sharding.shard_link import ShardLink
from seedcrawl.crawler.sharding.shards import ShardSpec, crawl_layout
from seedcrawl.outdir.layout import Layout

logger = logging.getLogger(__name__)

FRONTIER_FILE = "frontier.sqlite3"
KNOWN_FILE = "known-urls.sqlite3"


@dataclass
class CrawlState:
    layout: Layout | None
    frontier: Frontier
    focus: Focus
    known: KnownArticles | None
    revalidator: Revalidator
    sites: SiteDiscovery
    window: int  # requests out at once, at most
    per_host: int  # requests out at once per host, at most
    replay: Replay | None  # a resumed run's archive, to replay before fetching anything
    scratch: Path | None = None
    shard: ShardLink | None = (
        None  # a crawl shard's exchange with the others (crawler/sharding/shard_link.py)
    )

    @classmethod
    def open(
        cls,
        crawler: Crawler,
        scope: Scope,
        max_pages: int | None,
        replayed: Callable[[Entry, Response], None],
        rules: PageRules | None = None,
        requisites: bool = False,
    ) -> CrawlState:
        settings = crawler.settings
        layout = crawl_layout(settings)  # a shard's state is in a folder of its own
        scratch = None if layout is not None else Path(tempfile.mkdtemp(prefix="seedcrawl-frontier-"))
        state_dir = layout.state_dir if layout is not None else scratch
        assert state_dir is not None
        focus = Focus(
            profile_for_crawl(settings, layout.state_dir if layout else None),
            settings.getfloat("SEEDCRAWL_LISTING_PRIORITY"),
        )
        known = None
        if layout is not None and incremental_enabled(settings, layout.corpus_dir):
            known = KnownArticles(state_dir / KNOWN_FILE)
            added = known.sync(layout.corpus_dir)
            logger.info("incremental run: %d known article URLs (%d new)", len(known), added)
        config = FrontierConfig(
            max_pages=max_pages,
            depth_limit=settings.getint("DEPTH_LIMIT"),
            refetch=settings.getbool("SEEDCRAWL_REFETCH"),
            rules=rules or PageRules(),
        )
        store = FrontierStore(state_dir / FRONTIER_FILE, settings.getint("SEEDCRAWL_FRONTIER_COMMIT_EVERY"))
        assert crawler.stats is not None
        frontier = Frontier(store, scope, crawler.stats, config, known)
        # Requisites are asked for conditionally when an earlier run captured them.
        history = None
        if config.refetch or requisites:
            shard = ShardSpec.from_settings(settings)
            history = open_capture_history(state_dir, shard, layout.root if layout is not None else None)
        return cls(
            layout=layout,
            frontier=frontier,
            focus=focus,
            known=known,
            revalidator=Revalidator(history, known, layout.warc_dir if layout is not None else None),
            sites=SiteDiscovery(
                frontier,
                focus,
                fallbacks=settings.getbool("SEEDCRAWL_DISCOVERY_FALLBACKS"),
                max_nesting=settings.getint("SEEDCRAWL_SITEMAP_MAX_NESTING"),
                max_per_host=settings.getint("SEEDCRAWL_DISCOVERY_MAX_PER_HOST"),
            ),
            window=max(1, settings.getint("SEEDCRAWL_FRONTIER_WINDOW")),
            per_host=max(
                1,
                settings.getint("SEEDCRAWL_FRONTIER_PER_HOST")
                or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            ),
            replay=open_replay(crawler, frontier, layout, replayed),
            scratch=scratch,
            shard=ShardLink.open(crawler),
        )

    def close(self, crawler: Crawler) -> None:
        if crawler.stats is not None:
            crawler.stats.set_value("seedcrawl/frontier/left_parked", self.frontier.parked)
            crawler.stats.set_value("seedcrawl/frontier/seen", self.frontier.store.seen_count())
        self.frontier.close()
        if self.shard is not None:
            self.shard.close()
        if self.known is not None:
            self.known.close()
        self.revalidator.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
