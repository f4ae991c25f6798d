"""The frontier without a network: admission, order, budget, per-host limits, memory, known articles."""

from __future__ import annotations

import doctest
import importlib
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from seedcrawl.crawler.discover.listing import looks_like_listing
from seedcrawl.crawler.discover.urls import Scope
from seedcrawl.crawler.run.frontier import Frontier, FrontierConfig, Kind, Verdict
from seedcrawl.crawler.run.frontier_store import Entry, FrontierStore, url_key
from seedcrawl.crawler.run.incremental import KnownArticles

NOW = datetime(2026, 11, 22, tzinfo=UTC)
SITE = "http://news.example"


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: object) -> None:
        self.values[key] = value


def make(
    tmp_path: Path | None = None, known: KnownArticles | None = None, **config: Any
) -> tuple[Frontier, Stats]:
    stats = Stats()
    store = FrontierStore(tmp_path / "frontier.sqlite3" if tmp_path else None, commit_every=7)
    scope = Scope.parse(["news.example", "other.example"])
    return Frontier(store, scope, stats, FrontierConfig(now=NOW, **config), known), stats


def page(frontier: Frontier, url: str, priority: int = 0, depth: int = 1) -> Verdict:
    return frontier.admit(url, Kind.PAGE, priority, depth, via=SITE + "/")


@pytest.mark.parametrize(
    "module", ["seedcrawl.crawler.discover.listing", "seedcrawl.crawler.run.frontier_store"]
)
def test_doctests(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0


def test_tracking_parameters_fragments_and_query_order_are_one_url() -> None:
    frontier, _ = make()
    assert page(frontier, SITE + "/a/1?b=2&a=1") is Verdict.ADMITTED
    for twin in ("/a/1?a=1&b=2#comments", "/a/1?utm_source=x&a=1&fbclid=y&b=2", "/A/../a/1?a=1&b=2"):
        assert page(frontier, SITE + twin) is Verdict.REFOUND
    assert [e.url for e in frontier.take(10)] == [SITE + "/a/1?a=1&b=2"]
    assert page(frontier, SITE + "/a/1?b=2&a=1&gclid=z") is Verdict.SEEN


def test_session_ids_are_stripped_and_traps_refused_once() -> None:
    frontier, stats = make()
    assert page(frontier, SITE + "/visit;jsessionid=0A1B2C3D") is Verdict.ADMITTED
    assert page(frontier, SITE + "/visit;jsessionid=FFEE9988") is Verdict.REFOUND
    for _ in range(3):
        assert page(frontier, SITE + "/events/calendar/2091/05/") is Verdict.TRAP
        assert page(frontier, SITE + "/archive/?page=5000") is Verdict.TRAP
        assert page(frontier, "http://elsewhere.example/") is Verdict.OUT_OF_SCOPE
    assert stats.values["seedcrawl/trap/calendar"] == 1  # counted per URL, not per link to it
    assert stats.values["seedcrawl/trap/pagination"] == 1
    assert stats.values["seedcrawl/out_of_scope"] == 1
    assert page(frontier, "mailto:desk@news.example") is Verdict.INVALID


def test_best_first_then_first_found_and_refound_links_move_up() -> None:
    frontier, _ = make()
    for i, priority in enumerate([5, 9, 5, 1]):
        page(frontier, f"{SITE}/a/{i}", priority)
    page(frontier, f"{SITE}/a/3", 7)  # found again with a better anchor
    assert [e.url.rsplit("/", 1)[1] for e in frontier.take(10)] == ["1", "3", "0", "2"]


def test_depth_limit_refuses_without_forgetting_shorter_paths() -> None:
    frontier, _ = make(depth_limit=2)
    assert page(frontier, SITE + "/deep/", depth=3) is Verdict.TOO_DEEP
    assert page(frontier, SITE + "/deep/", depth=2) is Verdict.ADMITTED
    # feeds and sitemaps add no hop, so depth never keeps a discovery document out
    assert frontier.admit(SITE + "/feed.xml", Kind.FEED, 0, 9) is Verdict.ADMITTED


def test_budget_is_a_hard_cap_on_what_is_handed_out(tmp_path: Path) -> None:
    frontier, stats = make(tmp_path, max_pages=5)
    frontier.admit(SITE + "/sitemap.xml", Kind.SITEMAP, 100, 0)
    for i in range(10):
        page(frontier, f"{SITE}/a/{i}")
    assert len(frontier.take(3)) == 3
    assert len(frontier.take(10)) == 2
    assert frontier.take(10) == []
    assert stats.values["seedcrawl/budget_exhausted"] == 1
    assert frontier.parked == 6


def test_per_host_limit_keeps_the_rest_parked() -> None:
    frontier, _ = make()
    for i in range(6):
        page(frontier, f"{SITE}/a/{i}", priority=10 - i)
    page(frontier, "http://other.example/b/1", priority=0)
    taken = frontier.take(10, per_host=2, busy={"news.example": 1})
    assert [e.url for e in taken] == [f"{SITE}/a/0", "http://other.example/b/1"]
    assert frontier.parked == 5


def test_redirect_hops_and_canonical_links_fetch_each_page_once() -> None:
    frontier, stats = make()
    page(frontier, SITE + "/a/1")
    page(frontier, SITE + "/a/2")
    assert len(frontier.take(2)) == 2
    assert frontier.claim_redirect(SITE + "/a/2?utm_medium=x") is Verdict.SEEN  # already out
    page(frontier, SITE + "/a/3")
    assert frontier.claim_redirect(SITE + "/a/3") is Verdict.ADMITTED  # parked: fetched via the redirect
    assert frontier.parked == 0
    assert frontier.claim_canonical(SITE + "/print/1", SITE + "/a/1") is False  # a copy of a fetched page
    assert frontier.claim_canonical(SITE + "/print/4", SITE + "/a/4") is True  # stands for /a/4 ...
    assert page(frontier, SITE + "/a/4") is Verdict.SEEN  # ... which is then never fetched
    assert frontier.store.aliases() == {SITE + "/print/1": SITE + "/a/1", SITE + "/print/4": SITE + "/a/4"}
    assert stats.values["seedcrawl/canonical/duplicate_pages"] == 1


def corpus(folder: Path, **files: list[dict[str, Any]]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, lines in files.items():
        with (folder / f"{name}.jsonl").open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(line) + "\n" for line in lines)
    return folder


def test_known_articles_are_read_from_the_corpus_incrementally(tmp_path: Path) -> None:
    story = SITE + "/2015/05/{}/kerry-in-sochi"
    folder = corpus(
        tmp_path / "corpus",
        articles=[{"id": "1", "url": story.format(1) + "?utm_source=rss", "canonical_url": story.format(11)}],
        duplicates=[{"id": "2", "url": story.format(2), "duplicate_of": "1"}],
        rejects=[
            {"id": "3", "url": story.format(3), "reason": "not_article"},
            {"id": "4", "url": story.format(4), "reason": "http_status"},  # retried next run
            {"id": "5", "url": story.format(5), "reason": "off_topic"},
            {"id": "6", "url": SITE + "/tag/russia/", "reason": "not_article"},
        ],
    )
    known = KnownArticles(tmp_path / "known.sqlite3")
    assert known.sync(folder) == 5
    assert [day for day in (1, 11, 2, 3, 4, 5) if story.format(day) in known] == [1, 11, 2, 3, 5]
    assert list(known.listings()) == [SITE + "/tag/russia/"]  # fetched again by every later run
    assert known.sync(folder) == 0  # nothing new since
    with (folder / "articles.jsonl").open("a") as out:
        out.write(
            json.dumps({"id": "7", "url": story.format(7)}) + "\n" + '{"id": "8", "url": "http://news.exa'
        )
    assert known.sync(folder) == 1  # the torn last line waits for processing to finish or trim it
    (folder / "articles.jsonl").write_text(json.dumps({"id": "9", "url": story.format(9)}) + "\n")
    known.sync(folder)  # a file got shorter: rebuilt from what the files hold now
    assert story.format(9) in known and story.format(7) not in known and story.format(2) in known


def test_known_articles_are_skipped_free_unless_refetched(tmp_path: Path) -> None:
    article = SITE + "/a/{}-kerry-in-sochi"
    lines = [{"id": str(n), "url": article.format(n)} for n in range(3)] + [
        {"id": "9", "url": SITE + "/world/"}
    ]
    known = KnownArticles(tmp_path / "known.sqlite3")
    known.sync(corpus(tmp_path / "corpus", articles=lines))
    frontier, stats = make(known=known, max_pages=2)
    verdicts = [page(frontier, article.format(n)) for n in range(4)]
    assert verdicts == [Verdict.KNOWN] * 3 + [Verdict.ADMITTED]
    assert page(frontier, SITE + "/world/") is Verdict.ADMITTED  # listings are fetched every run
    assert frontier.admit(SITE + "/", Kind.SEED, 0, 0) is Verdict.ADMITTED
    assert len(frontier.take(10)) == 2 and stats.values["seedcrawl/incremental/known_skipped"] == 3
    again, _ = make(known=known, refetch=True)
    page(again, article.format(1))
    page(again, article.format(7))
    assert [(e.url, e.refetch) for e in again.take(5)] == [
        (article.format(1), True),
        (article.format(7), False),
    ]


def test_frontier_keeps_no_per_url_objects_in_memory(tmp_path: Path) -> None:
    frontier, _ = make(tmp_path)
    urls = [
        f"{SITE}/world/2015/05/{i % 28 + 1:02d}/story-{i}-kerry-meets-lavrov-in-sochi.html"
        for i in range(5_000)
    ]
    text_bytes = sum(len(url) for url in urls)  # what a Python set of these URLs holds, at least
    ours = [tracemalloc.Filter(True, str(Path(__file__).resolve().parents[1] / "crawler" / "*"))]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(ours)
        for url in urls:
            page(frontier, url)
        after = tracemalloc.take_snapshot().filter_traces(ours)
    finally:
        tracemalloc.stop()
    retained = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert frontier.parked == len(urls)
    assert retained < text_bytes / 10  # the seen set and the parked requests are in SQLite
    assert len(frontier.take(len(urls) + 1)) == len(urls)


def test_store_is_fresh_each_run(tmp_path: Path) -> None:
    path = tmp_path / "frontier.sqlite3"
    store = FrontierStore(path)
    store.park(url_key(SITE + "/"), Entry(SITE + "/", "seed", 1, 0))
    store.close()
    assert FrontierStore(path).state(url_key(SITE + "/")) is None


@pytest.mark.parametrize(
    ("url", "listing"),
    [
        ("/", True),
        ("/world/", True),
        ("/middle-east/", True),
        ("/tag/russia/", True),
        ("/politics/?page=3", True),
        ("/world/page/2/", True),
        ("/news/index.html", True),
        ("/news/world/us-russia-renew-high-level-talks-4001", False),
        ("/world/kerry-meets-putin-in-sochi/", False),
        ("/2019/11/19/economy-in-stress/", False),
        ("/a/183921", False),
        ("/story.php?id=1001", False),
    ],
)
def test_listing_pages_are_told_from_articles(url: str, listing: bool) -> None:
    assert looks_like_listing(SITE + url) is listing


class RunBudget:
    """The run's page count as crawl shards share it (crawler/sharding/shard_queue.py, in memory):
    `before_claim` runs once, just before the next claim, as another shard would at that moment."""

    def __init__(self) -> None:
        self.used = 0
        self.before_claim: list[Any] = []

    def spent(self) -> int:
        return self.used

    def claim(self, n: int, budget: int) -> int:
        while self.before_claim:
            self.before_claim.pop()()
        grant = max(0, min(n, budget - self.used))
        self.used += grant
        return grant


def two_shards(first_pages: int, second_pages: int) -> tuple[Frontier, Frontier, RunBudget, Stats]:
    """Two shards' frontiers sharing a budget of 5 pages, the first one's pages best first."""
    budget = RunBudget()
    (first, stats), (second, _) = make(max_pages=5), make(max_pages=5)
    first.shared_budget = second.shared_budget = budget
    for i in range(first_pages):
        page(first, f"{SITE}/first/{i}", priority=10 - i)
    for i in range(second_pages):
        page(second, f"http://other.example/second/{i}")
    return first, second, budget, stats


def test_shards_spend_the_whole_budget_and_a_page_lost_to_a_race_stays_parked() -> None:
    first, second, budget, _ = two_shards(2, 8)
    # A shard with room for 10 and 2 pages claims 2, not 10 to give 8 back: a claim held for a
    # moment would leave the other shard idle on a budget that is not spent.
    assert len(first.take(10)) == 2 and budget.spent() == 2
    assert len(second.take(10)) == 3 and budget.spent() == 5

    first, second, budget, stats = two_shards(3, 4)
    # the second shard claims 4 between the first one's reading of the count and its claim of 3
    budget.before_claim.append(lambda: second.take(10))
    taken = first.take(10)
    assert [entry.url for entry in taken] == [f"{SITE}/first/0"] and budget.spent() == 5
    assert first.parked == 2  # the pages the budget no longer allowed are parked, not lost
    assert first.take(10) == [] and stats.values["seedcrawl/budget_exhausted"] == 1
