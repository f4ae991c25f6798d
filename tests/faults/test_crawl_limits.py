"""Crawl-wide limits: bytes, time and pages end a crawl cleanly, with whole WARC files and the
reason in the summary. The site has far more than any limit lets through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.running import Crawl, assert_archive_whole, crawl
from tests.faults.webs import FaultWeb, article, home
from tests.support.testweb import LoggedRequest

pytestmark = pytest.mark.slow

PAGES = 200
MAX_BYTES = 100_000
MAX_TIME = 2
PAGE_DELAY = 0.1


@pytest.fixture(scope="module")
def web() -> Iterator[FaultWeb]:
    with FaultWeb(sentinel_host="127.0.0.189") as web:
        site = web.add_site("big", "127.0.0.181")
        for n in range(PAGES):
            page = article(n)
            page.delay = PAGE_DELAY  # keeps the time limit ahead of the end of the site
            site.add(f"/p/{n}", page)
        site.add("/", home([*(f"/p/{n}" for n in range(PAGES)), web.url("sentinel")]))
        yield web


LIMITS = {
    "bytes": ["-s", f"SEEDCRAWL_MAX_BYTES={MAX_BYTES}"],
    "time": ["-s", f"SEEDCRAWL_MAX_TIME={MAX_TIME}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"],
    "pages": ["--max-pages", "5"],
}


@dataclass
class Limited:
    crawl: Crawl
    served: list[LoggedRequest]  # what the site served during this crawl
    sentinel: list[LoggedRequest]


@pytest.fixture(scope="module")
def limited(web: FaultWeb, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Limited]:
    results = {}
    for name, args in LIMITS.items():
        web.log.clear()
        out = tmp_path_factory.mktemp(f"limit-{name}") / "out"
        result = crawl(out, [web.url("big")], *args)
        results[name] = Limited(result, web.entries("big"), web.entries("sentinel"))
    return results


@pytest.mark.parametrize("limit", list(LIMITS))
def test_limited_crawl_ends_cleanly_with_whole_files(limited: dict[str, Limited], limit: str) -> None:
    result = limited[limit]
    assert_archive_whole(result.crawl.out)
    records = [r for r in result.crawl.records() if r.type != "warcinfo"]
    assert len(records) == result.crawl.summary["warc_records"]  # every exchange written, whole
    assert len(result.served) < PAGES / 2  # stopped well before the end of the site
    assert result.sentinel == []


def test_byte_limit(limited: dict[str, Limited]) -> None:
    summary = limited["bytes"].crawl.summary
    assert summary["finish_reason"] == "max_bytes"
    largest = max(len(article(n).body) for n in range(PAGES))
    # Requests in flight when the limit is reached still finish (at most 8 per host here).
    assert MAX_BYTES <= summary["bytes"] <= MAX_BYTES + 8 * largest


def test_time_limit(limited: dict[str, Limited]) -> None:
    result = limited["time"].crawl
    assert result.summary["finish_reason"] == "max_time"
    assert MAX_TIME <= result.summary["seconds"] < MAX_TIME + 2
    assert result.run.seconds < MAX_TIME + 15  # start-up and shut-down included


def test_page_limit(limited: dict[str, Limited]) -> None:
    summary = limited["pages"].crawl.summary
    assert summary["budget_exhausted"] is True
    assert summary["pages"] <= 5
