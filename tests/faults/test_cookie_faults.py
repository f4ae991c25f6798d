"""Cookie flood: every page sets 200 new 1 KB cookies, and one sets a 5 KB cookie.

Before the bounds the crawler sent every cookie back (a Cookie header of hundreds of KB on the
second request), the WARC grew with the square of the pages, and its request records held header
lines the project's own reader refuses, so `seedcrawl check` failed and `process` called the
records corrupt. The crawler keeps cookies as browsers do, and the archive stays readable.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from seedcrawl.archive.gzmembers import MAX_LINE
from seedcrawl.crawler import settings
from tests.faults.running import Crawl, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import Answer, FaultWeb, article, home
from tests.support.testweb import Request, Response

pytestmark = pytest.mark.slow

PAGES = 12
PER_PAGE = 200  # more than a domain keeps, and a head under the head limit (~210 KB)
VALUE = "v" * 1000
HUGE = "h" * 5000  # over the 4 KiB a cookie may take


@dataclass
class CookieLog:
    """The Cookie header of every request the site received."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[str] = field(default_factory=list)

    def flooding(self, page: Response, name: str) -> object:
        def handler(request: Request) -> Answer:
            with self.lock:
                self.sent.append(request.header("Cookie") or "")
            cookies = [("Set-Cookie", f"{name}-{k}={VALUE}; Path=/") for k in range(PER_PAGE)]
            if name == "p0":
                cookies.append(("Set-Cookie", f"huge={HUGE}; Path=/"))
            return Response(body=page.body, headers=[*page.headers, *cookies])

        return handler


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl
    cookies: CookieLog


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    log = CookieLog()
    with FaultWeb(sentinel_host="127.0.0.249") as web:
        site = web.add_site("cookies", "127.0.0.241")
        paths = [f"/p/{n}" for n in range(PAGES)]
        for n, path in enumerate(paths):
            site.add(path, log.flooding(article(60 + n), f"p{n}"))  # type: ignore[arg-type]
        site.add("/", home([*paths, web.url("sentinel")]))
        out = tmp_path_factory.mktemp("cookies") / "out"
        # Two requests at a time, so that later requests carry what earlier pages set.
        result = crawl(out, [web.url("cookies")], "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", timeout=180)
        process(out)
        yield Crawled(web, result, log)


def test_archive_is_whole_and_readable_and_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)  # the reader accepts every record
    records = crawled.crawl.records()
    for record in records:
        assert all(len(name) + len(value) + 4 <= MAX_LINE for name, value in record.http_headers)
    assert not [r for r in records if r.type == "request" and r.truncated]  # nothing had to be cut
    assert crawled.web.entries("sentinel") == []
    articles, rejects = corpus(crawled.crawl.out)
    assert {crawled.web.url("cookies", f"/p/{n}") for n in range(PAGES)} <= set(articles)
    assert not [r for found in rejects.values() for r in found if "warc" in r["reason"]]


def test_cookies_sent_are_bounded_as_browsers_bound_them(crawled: Crawled) -> None:
    sent = crawled.cookies.sent
    assert len(sent) == PAGES
    assert any(sent)  # cookies are still sent back
    for header in sent:
        assert len(header.encode("latin-1")) <= settings.SEEDCRAWL_MAX_COOKIE_HEADER
        assert len(header.split("; ")) <= settings.SEEDCRAWL_MAX_COOKIES_PER_HOST
        assert HUGE not in header  # a cookie over 4 KiB is not kept


def test_request_headers_stay_small_against_what_was_served(crawled: Crawled) -> None:
    requests = [r for r in crawled.crawl.records() if r.type == "request"]
    head_bytes = sum(len(n) + len(v) + 4 for r in requests for n, v in r.http_headers)
    assert head_bytes < len(requests) * (settings.SEEDCRAWL_MAX_COOKIE_HEADER + 2048)
