"""Fault table, size rows: gzip / brotli / deflate bombs, a 50 MB page, 50 MB without any coding.

Two crawls: one with the default DOWNLOAD_MAXSIZE (20 MiB), one with DOWNLOAD_MAXSIZE=5000000.
Each crawl and the processing of its folder run as child processes whose peak memory is measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from seedcrawl.crawler import settings
from tests.faults.running import RSS_BOUND_MB, Crawl, Run, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import MIB, FaultWeb, article, bombs, encoded, home, stream

pytestmark = pytest.mark.slow

HUGE = 50_000_000
SMALL_LIMIT = 5_000_000
TEXT = b"<p>" + b"All work and no play makes a very long page. " * 1400 + b"</p>\n"  # ~64 KB


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl
    processing: Run
    limit: int
    bombs: dict[str, bytes]


@pytest.fixture(scope="module")
def default_limit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.129") as web:
        site = web.add_site("size", "127.0.0.121")
        made = bombs(256 * MIB)
        for coding, body in made.items():
            site.add(f"/{coding}", encoded(body, coding))
        site.add("/huge", stream(HUGE, "text/html", chunk=TEXT, declare=True))
        site.add("/endless", stream(HUGE, "text/html", chunk=TEXT))
        site.add("/after", article(5))
        site.add("/", home([*(f"/{c}" for c in made), "/huge", "/endless", "/after", web.url("sentinel")]))
        out = tmp_path_factory.mktemp("size") / "out"
        result = crawl(out, [web.url("size")])
        yield Crawled(web, result, process(out), settings.DOWNLOAD_MAXSIZE, made)


@pytest.fixture(scope="module")
def small_limit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.128") as web:
        site = web.add_site("raw", "127.0.0.122")
        site.add("/zeros", stream(HUGE, "text/html"))
        site.add("/text", stream(HUGE, "text/html; charset=utf-8", chunk=TEXT))
        site.add("/after", article(6))
        site.add("/", home(["/zeros", "/text", "/after", web.url("sentinel")]))
        out = tmp_path_factory.mktemp("raw") / "out"
        result = crawl(out, [web.url("raw")], "-s", f"DOWNLOAD_MAXSIZE={SMALL_LIMIT}")
        yield Crawled(web, result, process(out), SMALL_LIMIT, {})


@pytest.fixture(params=["default_limit", "small_limit"])
def crawled(request: pytest.FixtureRequest) -> Crawled:
    fixture: Crawled = request.getfixturevalue(request.param)
    return fixture


def test_archive_whole_memory_bounded_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.crawl.run.peak_rss_mb < RSS_BOUND_MB
    assert crawled.processing.peak_rss_mb < RSS_BOUND_MB
    assert crawled.web.entries("sentinel") == []
    articles, _ = corpus(crawled.crawl.out)
    assert [url for url in articles if url.endswith("/after")]  # the rest of the site was crawled


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_bomb_is_archived_as_sent_and_rejected(default_limit: Crawled, coding: str) -> None:
    web, result = default_limit.web, default_limit.crawl
    assert [e.status for e in web.entries("size", f"/{coding}")] == [200]  # rejected, not retried
    [record] = result.responses(web.url("size", f"/{coding}"))
    assert record.truncated is None
    assert record.http_header("Content-Encoding") == coding
    assert record.raw_payload == default_limit.bombs[coding]  # the compressed bytes, as transferred
    articles, rejects = corpus(result.out)
    assert record.target_uri not in articles and record.target_uri in rejects


def test_bombs_are_counted_in_the_summary(default_limit: Crawled) -> None:
    assert default_limit.crawl.summary["errors"]["decompressed_too_large"] == 3


@pytest.mark.parametrize(
    ("fixture", "site", "path"),
    [
        ("default_limit", "size", "/huge"),  # Content-Length: 50 MB, refused at the head
        ("default_limit", "size", "/endless"),  # no Content-Length, cut at the limit
        ("small_limit", "raw", "/zeros"),
        ("small_limit", "raw", "/text"),
    ],
)
def test_oversized_body_is_cut_at_the_limit_and_archived_truncated(
    request: pytest.FixtureRequest, fixture: str, site: str, path: str
) -> None:
    crawled: Crawled = request.getfixturevalue(fixture)
    web, result = crawled.web, crawled.crawl
    assert len(web.entries(site, path)) == 1  # not retried
    [record] = result.responses(web.url(site, path))
    assert record.truncated == "length"
    assert len(record.raw_payload) <= crawled.limit + MIB  # at most one read past the limit
    if path != "/huge":
        assert len(record.raw_payload) >= crawled.limit
    articles, rejects = corpus(result.out)
    assert record.target_uri not in articles
    assert [r["reason"] for r in rejects[record.target_uri or ""]] == ["truncated"]
    assert crawled.crawl.summary["errors"]["truncated_length"] >= 1
