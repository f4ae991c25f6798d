"""Fault table, sitemap row: entity expansion and external entities, plus a gzip bomb sitemap.

robots.txt announces every sitemap; a good one proves sitemaps are read at all, so that the
hostile ones being refused means something. Nothing the entities name may be fetched or read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.faults.running import RSS_BOUND_MB, Crawl, Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import MIB, FaultWeb, article, bombs
from tests.support.testweb import Response

pytestmark = pytest.mark.slow

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 or "")) * 10}">\n' for n in range(1, 10))
    + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>{base}/leaked-&lol9;</loc></url></urlset>\n"
)
ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{target}">]>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>\n'
)
PARAMETER = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "{target}"> %remote;]>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/listed-2</loc></url></urlset>\n'
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset SYSTEM "{target}">\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/listed-3</loc></url></urlset>\n'
)
GOOD = (
    '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>{base}/listed</loc></url></urlset>\n"
)
HOSTILE = ["/laughs.xml", "/xxe-file.xml", "/xxe-http.xml", "/parameter.xml"]


def xml(text: str) -> Response:
    return Response(body=text.encode(), headers=[("Content-Type", "application/xml")])


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    with FaultWeb(sentinel_host="127.0.0.179") as web:
        site = web.add_site("maps", "127.0.0.171")
        base, spy = web.url("maps", ""), web.url("sentinel", "")
        secret.write_text(f"{base}/leaked-from-file")
        maps = {
            "/laughs.xml": xml(LAUGHS.format(base=base)),
            "/xxe-file.xml": xml(ENTITY.format(target=secret.as_uri())),
            "/xxe-http.xml": xml(ENTITY.format(target=f"{spy}/xxe")),
            "/parameter.xml": xml(PARAMETER.format(target=f"{spy}/evil.dtd", base=base)),
            "/external-dtd.xml": xml(EXTERNAL_DTD.format(target=f"{spy}/urlset.dtd", base=base)),
            "/bomb.xml.gz": Response(
                body=bombs(256 * MIB)["gzip"], headers=[("Content-Type", "application/gzip")]
            ),
            "/sitemap.xml": xml(GOOD.format(base=base)),
        }
        for path, answer in maps.items():
            site.add(path, answer)
        robots = "User-agent: *\nAllow: /\n" + "".join(f"Sitemap: {base}{path}\n" for path in maps)
        site.add("/robots.txt", Response(body=robots.encode(), headers=[("Content-Type", "text/plain")]))
        for n, path in enumerate(["/", "/listed", "/listed-2", "/listed-3"]):
            site.add(path, article(24 + n))
        out = tmp_path_factory.mktemp("maps") / "out"
        result = crawl(out, [web.url("maps")])
        process(out)
        yield Crawled(web, result)


def refusals(crawl: Crawl) -> dict[str, int]:
    """`seedcrawl/discovery/refused/<kind>` counts from the stats dumped at the end of the log."""
    found = re.findall(r"'seedcrawl/discovery/refused/(\w+)': (\d+)", crawl.log_text)
    return {kind: int(count) for kind, count in found}


def test_archive_whole_memory_bounded_and_nothing_leaked(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []  # no external entity or DTD was fetched
    assert not [e.path for e in crawled.web.entries("maps") if e.path.startswith("/leaked")]
    assert crawled.crawl.run.peak_rss_mb < RSS_BOUND_MB
    articles, _ = corpus(crawled.crawl.out)
    assert not [a for a in articles.values() if "leaked" in a["text"] or "lol" in a["text"]]


def test_good_sitemap_is_read(crawled: Crawled) -> None:
    served = {e.path for e in crawled.web.entries("maps")}
    assert {"/sitemap.xml", "/listed"} <= served
    assert set(HOSTILE) <= served  # the hostile ones were fetched, so their refusal is real


def test_entity_declarations_are_refused(crawled: Crawled) -> None:
    assert refusals(crawled.crawl).get("UnsafeDocument") == len(HOSTILE)


def test_external_dtd_is_not_loaded_and_gzip_bomb_is_refused(crawled: Crawled) -> None:
    served = {e.path for e in crawled.web.entries("maps")}
    assert "/listed-3" in served  # the document itself is harmless once its DTD is not fetched
    assert refusals(crawled.crawl).get("DocumentTooLarge") == 1
