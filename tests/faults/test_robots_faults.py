"""Fault table, robots.txt rows: a disallow, a 503, no answer, a 5 MB robots.txt.

Each robots.txt behaviour gets a host of its own (robots.txt is per host), all in one crawl.
RFC 9309: a 5xx or unreachable robots.txt disallows the whole host; only the first 500 KiB of
a robots.txt need be read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.running import RSS_BOUND_MB, Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import Answer, FaultWeb, article, home, no_answer
from tests.support.testweb import Response, error_page

pytestmark = pytest.mark.slow

TIMEOUT = 2
RULES = b"User-agent: *\nDisallow: /private/\n"
PADDING = b"# " + b"a long comment line to pad the robots.txt out " * 20 + b"\n"


def robots(body: bytes) -> Response:
    return Response(body=body, headers=[("Content-Type", "text/plain")])


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.159") as web:
        answers: dict[str, Answer] = {
            "disallow": robots(RULES),
            "unavailable": error_page(503),
            "silent": no_answer(web.release),
            "huge": robots(RULES + PADDING * (5_000_000 // len(PADDING))),
            "redirected": Response(status=301, headers=[("Location", web.url("sentinel", "/robots.txt"))]),
        }
        for n, (name, answer) in enumerate(answers.items()):
            site = web.add_site(name, f"127.0.0.{151 + n}")
            site.add("/robots.txt", answer)
            site.add("/", home(["/public", "/private/secret", web.url("sentinel")]))
            site.add("/public", article(13 + n))
            site.add("/private/secret", article(18 + n))
        out = tmp_path_factory.mktemp("robots") / "out"
        result = crawl(out, [web.url(name) for name in answers], "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}")
        process(out)
        yield Crawled(web, result)


def test_archive_whole_bounded_and_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []
    run = crawled.crawl.run
    assert run.seconds < 3 * TIMEOUT + 10  # the silent robots.txt costs its attempts, no more
    assert run.peak_rss_mb < RSS_BOUND_MB


@pytest.mark.parametrize("site", ["disallow", "huge"])
def test_disallowed_path_is_never_requested(crawled: Crawled, site: str) -> None:
    requested = {e.path for e in crawled.web.entries(site)}
    assert requested == {"/robots.txt", "/", "/public"}
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url(site, "/public") in articles
    assert crawled.crawl.summary["errors"]["robots_forbidden"] >= 2


@pytest.mark.parametrize("site", ["unavailable", "silent", "redirected"])
def test_unreachable_robots_txt_disallows_the_host(crawled: Crawled, site: str) -> None:
    requested = {e.path for e in crawled.web.entries(site)}
    assert requested == {"/robots.txt"}
    assert crawled.crawl.summary["errors"]["robots_unreachable"] >= 3


def test_huge_robots_txt_was_sent_whole(crawled: Crawled) -> None:
    [fetch] = crawled.web.entries("huge", "/robots.txt")
    assert fetch.body_bytes > 4_900_000  # the fault happened: 5 MB went over the wire
    [record] = crawled.crawl.responses(crawled.web.url("huge", "/robots.txt"))
    assert len(record.raw_payload) == fetch.body_bytes  # and it is archived as fetched
