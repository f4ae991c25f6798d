"""A crawl shard's side of the Redis exchange, driven by the spider (crawler/spiders/news.py).

The frontier routes every new URL through `owns`/`hand_off` (crawler/run/frontier.py), so a URL on
another shard's host is sent there instead of parked. Entries other shards send arrive in this
shard's inbox: read once when the crawl starts (before a resumed run replays its archive, so the
replay finds them parked), then polled every `SEEDCRAWL_SHARD_POLL` seconds and whenever the
spider goes idle. When the spider is idle and nothing new arrived, the shard runs the termination
check (crawler/sharding/shard_queue.py); when the crawl is over, the spider closes as `finished`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from seedcrawl.crawler.run.frontier import Frontier, Kind
from seedcrawl.crawler.run.frontier_store import Entry
from seedcrawl.crawler.sharding.shards import ShardSpec, crawl_layout

if TYPE_CHECKING:
    from seedcrawl.crawler.sharding.shard_queue import ShardQueue

logger = logging.getLogger(__name__)


class ShardLink:
    def __init__(self, crawler: Crawler, queue: ShardQueue) -> None:
        self.crawler = crawler
        self.queue = queue
        self.frontier: Frontier | None = None
        self._loop: Any = None
        self._closing = False

    @classmethod
    def open(cls, crawler: Crawler) -> ShardLink | None:
        """The link of a shard (SEEDCRAWL_SHARD set), or None for a crawl of its own."""
        spec = ShardSpec.from_settings(crawler.settings)
        layout = crawl_layout(crawler.settings)
        if spec is None or layout is None:
            return None
        from seedcrawl.crawler.sharding.shard_queue import (  # redis: only a shard needs it
            ShardQueue,
            namespace,
        )

        prefix = namespace(layout.root, str(crawler.settings.get("SEEDCRAWL_RUN_ID")))
        return cls(crawler, ShardQueue(spec, prefix))

    # -- the frontier's router ---------------------------------------------------------------------

    def owns(self, host: str) -> bool:
        return self.queue.owns(host)

    def hand_off(self, entry: Entry) -> bool:
        sent = self.queue.hand_off(entry)
        self._inc("seedcrawl/shard/handed_off" if sent else "seedcrawl/shard/handed_off_before")
        return sent

    # -- the inbox ---------------------------------------------------------------------------------

    def start(self, frontier: Frontier) -> int:
        """Route the frontier through this shard and read the whole inbox (a restart reads it again)."""
        self.frontier = frontier
        frontier.router = self
        frontier.shared_budget = self.queue  # --max-pages counts the pages of every shard
        self.queue.start()
        total = 0
        while admitted := self.receive():
            total += admitted
        logger.info("shard %s: %d URLs from other shards at start", self.queue.shard.label, total)
        return total

    def receive(self) -> int:
        """Admit what other shards sent since the last call; returns how many entries arrived."""
        assert self.frontier is not None
        entries = self.queue.pull()
        for entry in entries:
            self.frontier.admit(entry.url, Kind(entry.kind), entry.priority, entry.depth, entry.via)
        self._inc("seedcrawl/shard/received", len(entries))
        return len(entries)

    def poll(self, feed: Callable[[], int]) -> None:
        """Poll the inbox every SEEDCRAWL_SHARD_POLL seconds until the crawl ends."""
        interval = max(0.02, self.crawler.settings.getfloat("SEEDCRAWL_SHARD_POLL", 0.2))
        self._loop = create_looping_call(self._tick, feed)
        self._loop.start(interval, now=False)

    def _tick(self, feed: Callable[[], int]) -> None:
        engine = self.crawler.engine
        if self._closing or engine is None or engine.spider is None:
            return
        received = self.receive()
        fed = feed()
        if received or fed or not engine.spider_is_idle():
            return
        if self.queue.idle():
            self._close()

    def may_close(self) -> bool:
        """The spider is idle with nothing to hand out: True when the whole crawl is over."""
        if self._closing or self.queue.is_done():
            return True
        if self.receive():
            return False
        return self.queue.idle()

    def _close(self) -> None:
        engine = self.crawler.engine
        if self._closing or engine is None:
            return
        self._closing = True
        logger.info("shard %s: every shard is idle and every inbox read: done", self.queue.shard.label)
        deferred_from_coro(engine.close_spider_async(reason="finished"))

    def close(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.queue.close()

    def _inc(self, key: str, count: int = 1) -> None:
        if count and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)
