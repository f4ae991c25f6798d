"""A page with 80,000 links: the crawl follows at most SEEDCRAWL_MAX_LINKS_PER_PAGE of them.

Every link costs a canonicalisation and a frontier lookup on the reactor's thread, so a page of
80,000 held the whole crawl (every other host) for about 30 s in one callback. The time itself is
measured in bench/links.py; here, that the work done for one page is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from seedcrawl.crawler import settings
from tests.faults.running import Crawl, Crawled, assert_archive_whole, crawl
from tests.faults.webs import FaultWeb
from tests.support.testweb import Response

pytestmark = pytest.mark.slow

LINKS = 80_000


def flood() -> Response:
    items = "".join(f'<li><a href="/b/{k}">story {k}</a></li>' for k in range(LINKS))
    body = f"<html><head><title>All stories</title></head><body><ul>{items}</ul></body></html>"
    return Response(body=body.encode(), headers=[("Content-Type", "text/html; charset=utf-8")])


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.219") as web:
        site = web.add_site("flood", "127.0.0.211")
        page = flood()
        page.body = page.body.replace(
            b"</ul>", f'<li><a href="{web.url("sentinel")}">x</a></li></ul>'.encode()
        )
        site.add("/", page)
        out = tmp_path_factory.mktemp("flood") / "out"
        result = crawl(out, [web.url("flood")], "--max-pages", "3", timeout=300)
        yield Crawled(web, result)


def stats(crawl: Crawl) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"'(seedcrawl/[\w/]+)': (\d+)", crawl.log_text)}


def test_links_followed_from_one_page_are_bounded(crawled: Crawled) -> None:
    found = stats(crawled.crawl)
    assert found["seedcrawl/links/pages_over_limit"] == 1
    admitted = found.get("seedcrawl/frontier/admitted", 0)
    assert admitted <= settings.SEEDCRAWL_MAX_LINKS_PER_PAGE + 1  # the seed and the first links
    assert found["seedcrawl/frontier/seen"] <= settings.SEEDCRAWL_MAX_LINKS_PER_PAGE + 2


def test_archive_whole_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []  # the last link, out of scope, was never even looked at
