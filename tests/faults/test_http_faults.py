"""Fault table, HTTP status rows: 503 twice then 200, 503 for ever, 429 with Retry-After.

One crawl covers them all; each 429 case has a host of its own, since Retry-After holds a host.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from seedcrawl.crawler.components.retry_after import parse_retry_after
from seedcrawl.testweb.responses import http_date
from tests.faults.running import Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import FaultWeb, article, home, in_turn
from tests.support.testweb import Request, Response, error_page

pytestmark = pytest.mark.slow

RETRY_AFTER = 2  # seconds, as the 429 sends it
CAP = 3  # SEEDCRAWL_RETRY_AFTER_MAX for this crawl
PAGES = [f"/p/{n}" for n in range(8)]
PAGE_DELAY = 0.3  # without a hold, these pages would keep the host busy through the wait


def too_many(retry_after: str) -> Response:
    return error_page(429, "slow down", headers=[("Retry-After", retry_after)])


def in_two_seconds(request: Request) -> Response:
    # an HTTP date (second resolution): the wait it asks for is between 1 and 2 s
    return too_many(http_date(datetime.now(UTC) + timedelta(seconds=2)))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.109") as web:
        status = web.add_site("status", "127.0.0.101")
        status.add("/", home(["/flaky", "/down", "/after", web.url("sentinel")]))
        status.add("/flaky", in_turn(error_page(503), error_page(503), article(1)))
        status.add("/down", error_page(503, "down for ever"))
        status.add("/after", article(2))
        limited = web.add_site("limited", "127.0.0.102")
        limited.add("/limited", in_turn(too_many(str(RETRY_AFTER)), article(3)))
        for n, path in enumerate(PAGES):
            page = article(10 + n)
            page.delay = PAGE_DELAY
            limited.add(path, page)
        dated = web.add_site("dated", "127.0.0.103")
        dated.add("/dated", in_turn(in_two_seconds, article(4)))
        far = web.add_site("far", "127.0.0.104")
        far.add("/far", too_many("3600"))
        seeds = [
            web.url("status"),
            web.url("limited", "/limited"),
            *(web.url("limited", p) for p in PAGES),
            web.url("dated", "/dated"),
            web.url("far", "/far"),
        ]
        out = tmp_path_factory.mktemp("http") / "out"
        extra = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", f"SEEDCRAWL_RETRY_AFTER_MAX={CAP}"]
        result = crawl(out, seeds, *extra)
        process(out)
        yield Crawled(web, result)


def test_archive_is_whole_and_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []
    assert crawled.crawl.summary["errors"]["out_of_scope"] >= 1  # the link to it was seen


def test_503_twice_then_200_is_retried_and_captured(crawled: Crawled) -> None:
    web, result = crawled.web, crawled.crawl
    assert [e.status for e in web.entries("status", "/flaky")] == [503, 503, 200]
    url = web.url("status", "/flaky")
    assert sorted(r.http_status or 0 for r in result.responses(url)) == [200, 503, 503]
    articles, _ = corpus(result.out)
    assert url in articles and "Home" not in articles[url]["title"]


def test_503_for_ever_gives_up_counted_and_leaves_no_corpus_record(crawled: Crawled) -> None:
    web, result = crawled.web, crawled.crawl
    assert [e.status for e in web.entries("status", "/down")] == [503, 503, 503]  # RETRY_TIMES=2
    url = web.url("status", "/down")
    assert [r.http_status for r in result.responses(url)] == [503, 503, 503]  # every attempt archived
    articles, rejects = corpus(result.out)
    assert url not in articles and url in rejects
    summary = result.summary
    assert summary["errors"]["retries_exhausted"] >= 1
    assert summary["by_status"]["503"] == 5
    assert web.url("status", "/after") in articles  # the failures held nothing else up


@pytest.mark.parametrize(("site", "path", "least"), [("limited", "/limited", 2.0), ("dated", "/dated", 1.0)])
def test_429_is_not_retried_before_retry_after(crawled: Crawled, site: str, path: str, least: float) -> None:
    first, retry = crawled.web.entries(site, path)
    assert (first.status, retry.status) == (429, 200)
    assert retry.time - first.time >= least
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url(site, path) in articles


def test_retry_after_holds_the_whole_host(crawled: Crawled) -> None:
    entries = crawled.web.entries("limited")
    first = next(e for e in entries if e.status == 429)
    # Requests already on their way when the 429 arrived may land just after it; none later.
    during = [e.path for e in entries if first.time + 0.2 < e.time < first.time + RETRY_AFTER - 0.05]
    assert during == []
    later = [e.path for e in entries if e.time >= first.time + RETRY_AFTER - 0.05]
    assert len(later) >= 3, "the hold must have deferred pages, not found the host already done"
    assert sorted(e.path for e in entries if e.status == 200) == sorted(["/limited", *PAGES])


def test_retry_after_beyond_the_cap_gives_up_counted(crawled: Crawled) -> None:
    assert [e.status for e in crawled.web.entries("far", "/far")] == [429]
    summary = crawled.crawl.summary
    assert summary["errors"]["retry_after_too_long"] == 1
    # The crawl waited for nothing longer than the cap: all of it fits well inside an hour.
    assert crawled.crawl.run.seconds < 60


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        (" 7 ", 7.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # a date already past: no wait
        ("-5", None),
        ("later", None),
        ("", None),
        ("9" * 10_000, 999_999_999_999.0),  # bounded parse; far beyond any cap
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert parse_retry_after(value, now) == seconds
