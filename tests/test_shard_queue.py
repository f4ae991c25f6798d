"""Which shard owns a host, and the Redis exchange between shards (against a real redis-server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.crawler.run.frontier_store import Entry
from seedcrawl.crawler.sharding.shard_queue import ShardQueue, namespace
from seedcrawl.crawler.sharding.shards import ShardSpec, registered_domain, shard_of
from seedcrawl.option_fields import from_values, to_json
from seedcrawl.options import CrawlOptions, RunOptions
from tests.support.redis_server import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def queues(redis_url: str, count: int, prefix: str) -> list[ShardQueue]:
    made = [ShardQueue(ShardSpec(i, count, redis_url), prefix) for i in range(count)]
    made[0].reset()
    for queue in made:
        queue.start()
    return made


def host_of(queue_index: int, count: int) -> str:
    return next(f"news{n}.com" for n in range(1000) if shard_of(f"news{n}.com", count) == queue_index)


def test_a_registered_domain_and_its_hosts_share_a_shard() -> None:
    assert registered_domain("www.bbc.co.uk:443") == registered_domain("m.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("127.0.0.5:8000") == "127.0.0.5"
    for count in (2, 3, 4):
        assert shard_of("www.bbc.co.uk", count) == shard_of("news.bbc.co.uk:8080", count)
    # the split is spread: 200 domains over 4 shards leave none empty
    assert {shard_of(f"site{n}.org", 4) for n in range(200)} == {0, 1, 2, 3}


def test_a_url_is_handed_once_and_arrives_at_its_owner(redis_url: str) -> None:
    first, second = queues(redis_url, 2, "test:handoff")
    url = f"http://{host_of(1, 2)}/a.html"
    assert first.hand_off(Entry(url, "page", 5, 2, "http://x.example/"))
    assert not second.hand_off(Entry(url, "page", 1, 1, None))  # seen: whoever sent it first wins
    assert first.pull() == []
    assert second.pull() == [Entry(url, "page", 5, 2, "http://x.example/")]
    assert second.pull() == []  # read once
    second.start()  # a restarted shard reads its inbox again from the start
    assert [e.url for e in second.pull()] == [url]


def test_the_crawl_ends_only_when_every_shard_is_idle_and_every_inbox_read(redis_url: str) -> None:
    first, second = queues(redis_url, 2, "test:end")
    assert not first.idle()  # the other shard is still busy
    first.hand_off(Entry(f"http://{host_of(1, 2)}/b.html", "page", 0, 1))
    assert not second.idle()  # its inbox holds an unread URL: it stays busy
    assert not first.idle()
    assert len(second.pull()) == 1
    assert not first.is_done()
    # the second shard fetches the page and sends one URL back before going idle
    second.hand_off(Entry(f"http://{host_of(0, 2)}/c.html", "page", 0, 2))
    assert not second.idle()  # the first shard has not read it: still idle, but its inbox is not
    assert len(first.pull()) == 1  # reading it makes the first shard busy again
    assert not second.idle()
    assert first.idle()
    assert first.is_done() and second.is_done()


def test_keys_are_per_folder_and_run(tmp_path: Path) -> None:
    a, b = namespace(tmp_path / "a", "r1"), namespace(tmp_path / "b", "r1")
    assert a != b and a.endswith(":r1") and a != namespace(tmp_path / "a", "r2")


def test_the_flow_passes_the_shard_options_to_the_crawl() -> None:
    run = RunOptions.from_parameters("/data/news", {"shards": 3, "redis": "redis://127.0.0.1:6379/0"})
    sent = to_json(run.crawl_options())  # what the crawl's child process is given
    assert sent["shards"] == 3 and sent["redis"] == "redis://127.0.0.1:6379/0"
    assert from_values(CrawlOptions, sent) == run.crawl_options()
    assert RunOptions.from_parameters("/d").crawl_options().shards == 1


def test_the_page_budget_is_the_runs_and_a_restarted_shard_counts_again(redis_url: str) -> None:
    first, second = queues(redis_url, 2, namespace(Path("/budget"), "run"))
    assert first.claim(5, budget=10) == 5
    assert second.claim(8, budget=10) == 5  # what the other shard left
    assert second.claim(1, budget=10) == 0 and first.spent() == second.spent() == 10
    # Restarted, a shard's resume hands out what it had archived again: its own count starts over.
    first.start()
    assert first.spent() == 5 and first.claim(10, budget=10) == 5


def test_a_shard_that_claims_pages_is_busy_again(redis_url: str) -> None:
    """A shard idle while the budget was out of its reach, then handing out pages, is not idle:
    the other shard going idle must not end the crawl under it."""
    first, second = queues(redis_url, 2, namespace(Path("/busy"), "run"))
    assert not first.idle()
    assert first.claim(3, budget=3) == 3  # e.g. pages parked before it went idle
    assert not second.idle() and not first.is_done()
    assert second.claim(1, budget=3) == 0  # a shard granted nothing stays idle
    assert first.idle() and first.is_done()
