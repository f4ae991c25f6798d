"""A focused crawl spends a budget that cannot cover the web on the articles about its topic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.settings import Settings

from bench.focusweb import FocusWeb, FocusWebConfig
from seedcrawl.contract.topic import TopicProfile
from seedcrawl.crawler.discover.focus import Focus, link_contexts, profile_for_crawl
from seedcrawl.testweb.stories import load_corpus
from tests.support.cli import crawl, run_seedcrawl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def web() -> Iterator[FocusWeb]:
    # Two sites of 60 articles, 6 of them on the topic each: one with descriptive URLs, a feed and
    # a sitemap index, one with slug-and-id URLs and a Google News sitemap.
    with FocusWeb(
        FocusWebConfig(sites=2, articles_per_site=60, on_topic_share=0.1, first_host="127.0.0.70")
    ) as web:
        yield web


@pytest.fixture(scope="module")
def topic_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seed articles the project started from (bundled with the demo web), as text files."""
    folder = tmp_path_factory.mktemp("topic")
    paths = []
    for key, story in sorted(load_corpus().seeds.items()):
        paths.append(folder / f"{key}.txt")
        paths[-1].write_text(story.title + "\n\n" + "\n\n".join(story.body), encoding="utf-8")
    return paths


def on_topic_fetched(web: FocusWeb, out: Path, budget: int, *args: str) -> int:
    web.log.clear()
    crawl(out, web.seed_urls, "--max-pages", str(budget), "--depth", "20", *args)
    fetched = {entry.url for entry in web.log.entries() if not entry.path.endswith("/robots.txt")}
    assert len(fetched) <= budget
    return len(fetched & web.on_topic)


def test_with_a_small_budget_the_on_topic_articles_are_fetched(
    web: FocusWeb, topic_files: list[Path], tmp_path: Path
) -> None:
    budget = web.page_count() // 3
    topic = [arg for path in topic_files for arg in ("--topic-file", str(path))]
    focused = on_topic_fetched(web, tmp_path / "focused", budget, *topic)
    breadth_first = on_topic_fetched(web, tmp_path / "bfs", budget)
    assert focused >= 0.9 * len(web.on_topic)
    assert focused >= 2 * breadth_first
    # the profile is left where `seedcrawl process` looks for it
    saved = TopicProfile.load(tmp_path / "focused" / "state" / "topic.json")
    assert saved.terms == TopicProfile.from_files(topic_files).terms


def test_later_runs_keep_the_saved_topic(tmp_path: Path) -> None:
    first = profile_for_crawl(Settings({"SEEDCRAWL_TOPIC": "kerry lavrov sochi"}), tmp_path)
    assert first is not None and (tmp_path / "topic.json").is_file()
    assert profile_for_crawl(Settings(), tmp_path) == first  # no topic given: the saved one
    assert profile_for_crawl(Settings(), None) is None  # no topic, nothing saved: breadth-first


def test_a_bad_topic_is_a_usage_error(tmp_path: Path) -> None:
    missing = run_seedcrawl(
        [
            "crawl",
            "--out",
            str(tmp_path / "o"),
            "--topic-file",
            str(tmp_path / "nope.txt"),
            "http://127.0.0.1:9/",
        ]
    )
    assert missing.returncode == 2 and "nope.txt" in missing.stderr.splitlines()[-1]
    empty = run_seedcrawl(
        ["crawl", "--out", str(tmp_path / "o"), "--topic", "the and of", "http://127.0.0.1:9/"]
    )
    assert empty.returncode == 2 and "topic" in empty.stderr.splitlines()[-1]


def test_teasers_lift_vague_headlines_and_listings_stay_reachable(topic_files: list[Path]) -> None:
    from parsel import Selector

    focus = Focus(TopicProfile.from_files(topic_files), listing_floor=0.3)
    listing = Selector(
        text='<ul><li><a href="/a/183921">A thaw, for now</a><p>Kerry and Lavrov met in Sochi for four hours.</p></li>'
        '<li><a href="/a/183925">Markets close higher</a><p>Stocks rose on Friday.</p></li></ul>'
        '<nav><a href="/world/?page=2">Older</a></nav>'
    )
    contexts = link_contexts(listing, "http://news.example/world/")
    vague = focus.link_priority(
        "http://news.example/a/183921", "A thaw " + contexts["http://news.example/a/183921"], 0.2, 2
    )
    other = focus.link_priority(
        "http://news.example/a/183925", "Markets " + contexts["http://news.example/a/183925"], 0.2, 2
    )
    older = focus.link_priority("http://news.example/world/?page=2", "Older", 0.0, 2)
    assert vague > older > other
    assert Focus(None).link_priority("http://news.example/a/183921", "Kerry", 1.0, 3) == -3  # breadth-first
