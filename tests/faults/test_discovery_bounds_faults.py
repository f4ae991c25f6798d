"""Sitemap index chains and floods: discovery documents are bounded like pages are.

One site's sitemap indexes each list the next index and a sitemap of one article, 30 deep; another
site's index lists 50 sitemaps. Discovery documents are exempt from the depth limit, so before these
bounds only a time limit stopped a chain (1,146 indexes in 15 s): now a chain stops at
SEEDCRAWL_SITEMAP_MAX_NESTING levels, a host gets at most SEEDCRAWL_DISCOVERY_MAX_PER_HOST
documents, and every document counts against --max-pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.running import Crawl, assert_archive_whole, crawl
from tests.faults.webs import Answer, FaultWeb, article, home
from tests.support.testweb import Request, Response

pytestmark = pytest.mark.slow

CHAIN = 30
WIDE = 50
PER_HOST = 12  # the chain needs 11 documents within the nesting bound, the wide site would use 51
NESTING = 5  # the default


def xml(text: str) -> Response:
    return Response(body=text.encode(), headers=[("Content-Type", "application/xml")])


def index(*urls: str) -> Response:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return xml(
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    )


def urlset(*urls: str) -> Response:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return xml(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )


def robots(sitemap: str) -> Response:
    return Response(
        body=f"User-agent: *\nAllow: /\nSitemap: {sitemap}\n".encode(),
        headers=[("Content-Type", "text/plain")],
    )


def numbered(make: object) -> object:
    def handler(request: Request) -> Answer:
        n = int(request.route_path.rsplit("/", 1)[1].split(".")[0])
        return make(n)  # type: ignore[operator, no-any-return]

    return handler


@dataclass
class Crawled:
    web: FaultWeb
    crawl: Crawl
    paged: Crawl


def served(web: FaultWeb, site: str, prefix: str) -> list[str]:
    return sorted({e.path for e in web.entries(site) if e.path.startswith(prefix)})


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.209") as web:
        chain = web.add_site("chain", "127.0.0.201")
        base = web.url("chain", "")
        chain.add("/robots.txt", robots(f"{base}/index/0.xml"))
        for n in range(CHAIN):
            chain.add(f"/index/{n}.xml", index(f"{base}/index/{n + 1}.xml", f"{base}/pages/{n}.xml"))
            chain.add(f"/pages/{n}.xml", urlset(f"{base}/a/{n}"))
            chain.add(f"/a/{n}", article(70 + n))
        chain.add("/", home([web.url("sentinel")]))
        wide = web.add_site("wide", "127.0.0.202")
        wbase = web.url("wide", "")
        wide.add("/robots.txt", robots(f"{wbase}/wide.xml"))
        wide.add("/wide.xml", index(*(f"{wbase}/s/{k}.xml" for k in range(WIDE))))
        for k in range(WIDE):
            wide.add(f"/s/{k}.xml", urlset(f"{wbase}/w/{k}"))
            wide.add(f"/w/{k}", article(k))
        wide.add("/", home([web.url("sentinel")]))
        out = tmp_path_factory.mktemp("chains") / "out"
        seeds = [web.url("chain"), web.url("wide")]
        result = crawl(out, seeds, "-s", f"SEEDCRAWL_DISCOVERY_MAX_PER_HOST={PER_HOST}", timeout=180)
        web.log.clear()
        paged_out = tmp_path_factory.mktemp("paged") / "out"
        paged = crawl(paged_out, [web.url("chain")], "--max-pages", "4", timeout=180)
        yield Crawled(web, result, paged)


def stat(crawl: Crawl, name: str) -> int:
    found = re.search(rf"'seedcrawl/discovery/refused/{name}': (\d+)", crawl.log_text)
    return int(found.group(1)) if found else 0


def test_archives_whole_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert_archive_whole(crawled.paged.out)
    assert crawled.web.entries("sentinel") == []


def test_a_sitemap_index_chain_stops_at_the_nesting_bound(crawled: Crawled) -> None:
    responses = {r.target_uri for r in crawled.crawl.records() if r.type in ("response", "revisit")}
    base = crawled.web.url("chain", "")
    indexes = {u for u in responses if u and u.startswith(f"{base}/index/")}
    assert indexes == {f"{base}/index/{n}.xml" for n in range(NESTING + 1)}  # levels 0 to 5
    articles = {u for u in responses if u and u.startswith(f"{base}/a/")}
    assert articles == {f"{base}/a/{n}" for n in range(NESTING)}  # what the fetched levels list
    assert stat(crawled.crawl, "too_nested") >= 1


def test_a_host_gets_a_bounded_number_of_discovery_documents(crawled: Crawled) -> None:
    responses = [r.target_uri or "" for r in crawled.crawl.records() if r.type in ("response", "revisit")]
    wbase = crawled.web.url("wide", "")
    documents = [u for u in responses if u.startswith(wbase) and u.endswith(".xml")]
    assert len(documents) == PER_HOST
    assert stat(crawled.crawl, "host_limit") >= 1


def test_discovery_documents_count_against_max_pages(crawled: Crawled) -> None:
    summary = crawled.paged.summary
    assert summary["budget_exhausted"] is True
    fetched = [r for r in crawled.paged.records() if r.type in ("response", "revisit")]
    # robots.txt is fetched by the robots middleware for its rules, outside the budget
    assert len([r for r in fetched if not (r.target_uri or "").endswith("/robots.txt")]) <= 4
