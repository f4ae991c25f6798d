"""Fault table, connection rows: reset mid-body, short body, no answer, one byte every 0.5 s.

One crawl with DOWNLOAD_TIMEOUT=2 and the default RETRY_TIMES=2 (three attempts per URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from seedcrawl.archive.reader import WarcRecord
from tests.faults.running import RSS_BOUND_MB, Crawl, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import FaultWeb, article, drip, home, in_turn, no_answer, reset_mid_body, short_body

pytestmark = pytest.mark.slow

TIMEOUT = 2
ATTEMPTS = 3
SENT = 1000  # body bytes sent before the connection breaks (every body here is longer)
FAULTS = ["/reset", "/reset-once", "/short", "/short-once", "/silent", "/drip"]


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl
    bodies: dict[str, bytes]  # the whole body each path declares


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.119") as web:
        site = web.add_site("conn", "127.0.0.111")
        site.add("/", home([*FAULTS, "/after", web.url("sentinel")]))
        pages = {path: article(20 + n) for n, path in enumerate(FAULTS)}
        bodies = {path: page.body for path, page in pages.items()}
        assert min(map(len, bodies.values())) > 2 * SENT
        site.add("/reset", reset_mid_body(bodies["/reset"], SENT))
        site.add("/reset-once", in_turn(reset_mid_body(bodies["/reset-once"], SENT), pages["/reset-once"]))
        site.add("/short", short_body(bodies["/short"], SENT))
        site.add("/short-once", in_turn(short_body(bodies["/short-once"], SENT), pages["/short-once"]))
        site.add("/silent", no_answer(web.release))
        site.add("/drip", drip(web.release))
        site.add("/after", article(30))
        out = tmp_path_factory.mktemp("conn") / "out"
        result = crawl(out, [web.url("conn")], "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}")
        process(out)
        yield Crawled(web, result, bodies)


def unmarked_partials(records: list[WarcRecord]) -> list[str]:
    """Responses shorter than their Content-Length and not marked WARC-Truncated."""
    found = []
    for record in records:
        declared = record.http_header("Content-Length")
        complete = declared is None or len(record.raw_payload) == int(declared)
        if record.type == "response" and not record.truncated and not complete:
            found.append(record.target_uri or "")
    return found


def test_archive_is_whole_with_no_unmarked_partial_body(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert unmarked_partials(crawled.crawl.records()) == []
    assert crawled.web.entries("sentinel") == []


@pytest.mark.parametrize("path", ["/reset", "/short"])
def test_broken_body_is_retried_and_archived_only_as_truncated(crawled: Crawled, path: str) -> None:
    served = crawled.web.entries("conn", path)
    assert [(e.status, e.body_bytes) for e in served] == [(200, SENT)] * ATTEMPTS  # the fault happened
    records = crawled.crawl.responses(crawled.web.url("conn", path))
    assert [r.truncated for r in records] == ["disconnect"] * ATTEMPTS
    body = crawled.bodies[path]
    assert all(0 < len(r.raw_payload) <= SENT and body.startswith(r.raw_payload) for r in records)
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url("conn", path) not in articles
    summary = crawled.crawl.summary
    assert summary["errors"]["retries_exhausted"] >= 1


@pytest.mark.parametrize("path", ["/reset-once", "/short-once"])
def test_broken_body_then_whole_is_captured_whole(crawled: Crawled, path: str) -> None:
    served = crawled.web.entries("conn", path)
    assert [e.body_bytes for e in served] == [SENT, len(crawled.bodies[path])]
    url = crawled.web.url("conn", path)
    whole = [r for r in crawled.crawl.responses(url) if not r.truncated]
    assert [r.raw_payload for r in whole] == [crawled.bodies[path]]
    articles, _ = corpus(crawled.crawl.out)
    assert url in articles


@pytest.mark.parametrize("path", ["/silent", "/drip"])
def test_stalled_server_costs_bounded_time_per_url(crawled: Crawled, path: str) -> None:
    served = crawled.web.entries("conn", path)
    assert len(served) == ATTEMPTS
    # Each attempt is given up after DOWNLOAD_TIMEOUT; the next starts right away.
    assert served[-1].time - served[0].time < (ATTEMPTS - 1) * (TIMEOUT + 1.5)
    assert crawled.crawl.summary["errors"]["DownloadTimeoutError"] >= ATTEMPTS
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url("conn", path) not in articles


def test_stalled_servers_do_not_hold_the_crawl_or_grow_memory(crawled: Crawled) -> None:
    run = crawled.crawl.run
    # The stalled URLs are fetched in parallel: the crawl waits for one chain of attempts, plus start-up.
    assert run.seconds < ATTEMPTS * TIMEOUT + 10
    assert run.peak_rss_mb < RSS_BOUND_MB
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url("conn", "/after") in articles
