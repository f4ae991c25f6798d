"""Fault table, redirect rows: loops, a chain of 25, redirects to file:// and out of scope.

One crawl; every hop the crawler follows is a request the server logs, so hops are counted there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seedcrawl.crawler import settings
from tests.faults.running import Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import Answer, FaultWeb, Handler, article, chain, home, html_page
from tests.support.testweb import Response

pytestmark = pytest.mark.slow

HOPS = 25


def moved(location: str, status: int = 302) -> Response:
    return Response(status=status, headers=[("Location", location)])


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.139") as web:
        site = web.add_site("redir", "127.0.0.131")
        sentinel = web.url("sentinel", "")
        routes: dict[str, Answer | Handler] = {
            "/loop": moved("/loop2"),
            "/loop2": moved("/loop"),
            "/self": moved("/self", 301),
            "/chain": chain("/chain", HOPS),
            "/to-file": moved("file:///etc/passwd"),
            "/to-sentinel": moved(sentinel + "/redirected"),
            "/to-sentinel-307": moved(sentinel + "/redirected-307", 307),
            "/protocol-relative": moved("//" + sentinel.removeprefix("http://") + "/protocol-relative"),
            "/refresh": Response(
                body=html_page(
                    "Moved",
                    ["Moved."],
                    head=f'<meta http-equiv="refresh" content="0; url={sentinel}/refresh">',
                ).encode(),
                headers=[("Content-Type", "text/html; charset=utf-8")],
            ),
            "/after": article(7),
        }
        for path, route in routes.items():
            site.add(path, route)
        site.add("/", home([*routes, sentinel + "/"]))
        out = tmp_path_factory.mktemp("redirect") / "out"
        result = crawl(out, [web.url("redir")], "--depth", "50")
        process(out)
        yield Crawled(web, result)


def test_archive_is_whole_and_the_sentinel_saw_nothing(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []
    assert crawled.crawl.summary["errors"]["out_of_scope"] >= 4  # each redirect to it was refused
    articles, _ = corpus(crawled.crawl.out)
    assert crawled.web.url("redir", "/after") in articles


@pytest.mark.parametrize("paths", [("/loop", "/loop2"), ("/self",)])
def test_redirect_loop_is_bounded(crawled: Crawled, paths: tuple[str, ...]) -> None:
    hops = [e for e in crawled.web.entries("redir") if e.path in paths]
    assert 1 <= len(hops) <= settings.REDIRECT_MAX_TIMES + 1


def test_chain_of_25_is_cut_at_the_redirect_limit(crawled: Crawled) -> None:
    hops = [e for e in crawled.web.entries("redir") if e.path.startswith("/chain")]
    assert settings.REDIRECT_MAX_TIMES < HOPS
    assert len(hops) == settings.REDIRECT_MAX_TIMES + 1  # the first request, then at most 10 hops
    assert f"/chain?n={HOPS}" not in [e.path for e in hops]
    archived = [
        r for r in crawled.crawl.records() if r.type == "response" and "/chain" in (r.target_uri or "")
    ]
    assert len(archived) == len(hops)  # every hop taken is in the archive


def test_redirect_to_file_url_reads_nothing(crawled: Crawled) -> None:
    assert len(crawled.web.entries("redir", "/to-file")) == 1
    targets = {r.target_uri or "" for r in crawled.crawl.records() if r.type != "warcinfo"}
    assert not [t for t in targets if not t.startswith("http://")]
    assert "root:" not in crawled.crawl.out.joinpath("corpus", "articles.jsonl").read_text()
