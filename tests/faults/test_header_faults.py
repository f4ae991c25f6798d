"""Headers that never end: many short lines, long lines, and one field folded forever.

Each server streams its head for hundreds of megabytes unless the crawler hangs up. The crawl
must drop the connection at its head limits, archive the status line and the headers that came
with WARC-Truncated, count `headers_too_large`, not retry, keep its memory bounded, and a
resumed run (the marker left as a SIGKILL leaves it) must get through the same pages again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from seedcrawl.archive.gzmembers import MAX_LINE
from seedcrawl.crawler import settings
from tests.faults.running import (
    RSS_BOUND_MB,
    Crawl,
    assert_archive_whole,
    corpus,
    crawl,
    process,
)
from tests.faults.webs import MIB, FaultWeb, article, endless_head, home

pytestmark = pytest.mark.slow

# Wire bytes each server would send if nobody hung up: far past any bound, and on the code before
# the limits (every line kept) enough to take the crawl well past RSS_BOUND_MB.
HEADS = {
    "/many": endless_head(lambda n: b"X-Many-%d: %s\r\n" % (n, b"m" * 20), 40 * MIB),
    "/long": endless_head(lambda n: b"X-Long-%d: %s\r\n" % (n, b"l" * 1000), 600 * MIB),
    "/folded": endless_head(
        lambda n: b"X-Folded: start\r\n" if n == 0 else b" " + b"f" * 1000 + b"\r\n", 600 * MIB
    ),
}


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.239") as web:
        site = web.add_site("heads", "127.0.0.231")
        for path, answer in HEADS.items():
            site.add(path, answer)
        site.add("/after", article(50))
        site.add("/", home([*HEADS, "/after", web.url("sentinel")]))
        out = tmp_path_factory.mktemp("heads") / "out"
        result = crawl(out, [web.url("heads")], timeout=180)
        process(out)
        yield Crawled(web, result)


def test_archive_whole_memory_bounded_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.crawl.run.peak_rss_mb < RSS_BOUND_MB
    assert crawled.web.entries("sentinel") == []
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url("heads", "/after") in articles  # the rest of the site was crawled


@pytest.mark.parametrize("path", list(HEADS))
def test_endless_head_is_cut_archived_truncated_and_not_retried(crawled: Crawled, path: str) -> None:
    web, result = crawled.web, crawled.crawl
    assert len(web.entries("heads", path)) == 1  # not retried
    [record] = result.responses(web.url("heads", path))
    assert record.truncated == "length"
    assert record.http_status == 200
    assert record.raw_payload == b""
    assert record.http_header("Content-Type") == "text/html; charset=utf-8"  # what came is kept
    assert len(record.http_headers) <= settings.SEEDCRAWL_MAX_HEADER_LINES + 1
    head = sum(len(name) + len(value) + 4 for name, value in record.http_headers)
    assert head <= settings.SEEDCRAWL_MAX_HEADER_BYTES
    assert all(len(name) + len(value) + 4 <= MAX_LINE for name, value in record.http_headers)
    articles, rejects = corpus(result.out)
    assert record.target_uri not in articles
    assert [r["reason"] for r in rejects[record.target_uri or ""]] == ["truncated"]


def test_cut_heads_are_counted_as_an_error_kind(crawled: Crawled) -> None:
    assert crawled.crawl.summary["errors"]["headers_too_large"] == len(HEADS)


def test_a_resumed_run_gets_through_the_same_pages(crawled: Crawled) -> None:
    out = crawled.crawl.out
    marker_path = out / "state" / "run.json"
    marker = json.loads(marker_path.read_text())
    marker["status"] = "running"  # what a SIGKILL in the middle of the run leaves
    marker_path.write_text(json.dumps(marker))
    again = crawl(out, [crawled.web.url("heads")], timeout=180)
    assert again.run.peak_rss_mb < RSS_BOUND_MB
    assert json.loads(marker_path.read_text())["attempts"][-1]["resumed"] is True
    assert_archive_whole(out)
    assert crawled.web.entries("sentinel") == []
