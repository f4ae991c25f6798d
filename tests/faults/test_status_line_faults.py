"""Servers that answer oddly: status lines outside HTTP's grammar, and gzip labels on plain bodies.

The crawler archives each answer as it was transferred; the archive's own check accepts such a
faithful copy (the oddity is a warning, not a failure); the request record states the request
that went out (HTTP/1.1), whatever version the server claimed; and `process` still extracts a
plain body that its server labelled gzip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seedcrawl.archive.check import Code, check_file
from tests.faults.running import Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import FaultWeb, article, encoded, home, story
from tests.support.cli import run_seedcrawl
from tests.support.testweb import Raw, RawExchange

pytestmark = pytest.mark.slow

# path -> the status line the server sends, and the status line the archive keeps
ODD_LINES = {
    "/s999": ("HTTP/1.1 999 Whatever", "HTTP/1.1 999"),
    "/s600": ("HTTP/1.1 600 Beyond", "HTTP/1.1 600"),
    "/s099": ("HTTP/1.1 099 Early", "HTTP/1.1 99"),
    "/ftp": ("FTP/1.1 200 OK", "FTP/1.1 200"),
    "/http10": ("HTTP/10.0 200 OK", "HTTP/10.0 200"),
}


def status_line(line: str, index: int) -> Raw:
    body = article(index).body

    def handler(exchange: RawExchange) -> None:
        head = f"{line}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
        exchange.write(head.encode("latin-1") + body)

    return Raw(handler)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.149") as web:
        site = web.add_site("odd", "127.0.0.141")
        site.add("/", home([*ODD_LINES, "/gzip-plain", web.url("sentinel")]))
        for n, (path, (line, _)) in enumerate(sorted(ODD_LINES.items())):
            site.add(path, status_line(line, 20 + n))
        site.add("/gzip-plain", encoded(article(30).body, "gzip"))
        out = tmp_path_factory.mktemp("odd") / "out"
        result = crawl(out, [web.url("odd")])
        process(out)
        yield Crawled(web, result)


def test_the_archive_passes_its_own_check_with_warnings(crawled: Crawled) -> None:
    out = crawled.crawl.out
    assert_archive_whole(out)
    assert crawled.web.entries("sentinel") == []
    warned = [w for path in sorted((out / "warc").glob("*.warc.gz")) for w in check_file(path).warnings]
    assert len(warned) == len(ODD_LINES) + 1  # each odd status line, and the gzip label
    assert {w.code for w in warned} == {Code.HTTP}
    done = run_seedcrawl(["check", str(out)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" in done.stdout and "all valid" in done.stderr


@pytest.mark.parametrize("path", sorted(ODD_LINES))
def test_odd_status_lines_are_archived_as_sent(crawled: Crawled, path: str) -> None:
    _, kept = ODD_LINES[path]
    [response] = crawled.crawl.responses(crawled.web.url("odd", path))
    assert (response.http_line or "").startswith(kept + " ")
    assert response.raw_payload == article(20 + sorted(ODD_LINES).index(path)).body


def test_request_records_state_the_request_that_went_out(crawled: Crawled) -> None:
    requests = [r for r in crawled.crawl.records() if r.type == "request"]
    assert len(requests) >= len(ODD_LINES) + 2
    for request in requests:
        assert (request.http_line or "").endswith(" HTTP/1.1"), request.http_line


def test_a_plain_body_labelled_gzip_is_archived_as_sent_and_extracted(crawled: Crawled) -> None:
    url = crawled.web.url("odd", "/gzip-plain")
    [response] = crawled.crawl.responses(url)
    assert response.http_header("Content-Encoding") == "gzip"
    assert response.raw_payload == article(30).body
    articles, _ = corpus(crawled.crawl.out)
    _, paragraphs = story(30)
    assert url in articles and paragraphs[0][:60] in articles[url]["text"]


def test_the_odd_200s_are_extracted_and_the_rest_rejected_by_status(crawled: Crawled) -> None:
    articles, rejects = corpus(crawled.crawl.out)
    for path in ("/ftp", "/http10"):
        assert crawled.web.url("odd", path) in articles
    for path in ("/s999", "/s600", "/s099"):
        [reject] = rejects[crawled.web.url("odd", path)]
        assert reject["reason"] == "http_status"
