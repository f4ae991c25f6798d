"""A crawl of the demo web, judged the way an archivist would judge it.

One crawl (module fixture) is checked for: strict WARC validity, a request/response pair for
exactly each request the servers logged, nothing fetched that robots.txt or the scope forbids, and
replay in real pywb returning the bytes the servers sent.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import WarcRecord, iter_records
from tests.support.cli import crawl, run_seedcrawl
from tests.support.pywb import PywbFactory
from tests.support.testweb import DemoWeb, LoggedRequest

pytestmark = pytest.mark.slow


@dataclass
class Crawled:
    out: Path
    log: list[LoggedRequest]
    records: list[WarcRecord]
    summary: dict[str, object]


@pytest.fixture(scope="module")
def crawled(demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    out = tmp_path_factory.mktemp("crawl") / "out"
    demo_web.clear_log()
    crawl(out, demo_web.seed_urls, "--depth", "8", "--run-id", "e2e")
    records = [record for path in sorted((out / "warc").glob("*.warc.gz")) for record in iter_records(path)]
    summary = json.loads((out / "logs" / "crawl-e2e.json").read_text())
    return Crawled(out, demo_web.requests(), records, summary)


def test_warc_files_pass_the_strict_check(crawled: Crawled) -> None:
    files = sorted((crawled.out / "warc").glob("*.warc.gz"))
    assert files and not list((crawled.out / "warc").glob("*.open"))
    for path in files:
        assert subprocess.run(["gzip", "-t", str(path)], check=False).returncode == 0
    warcio = Path(sys.executable).with_name("warcio")
    assert (
        subprocess.run([str(warcio), "check", *map(str, files)], capture_output=True, check=False).returncode
        == 0
    )
    report = check_folder(crawled.out / "warc")
    assert report.ok, [problem for r in report.reports for problem in r.problems]
    # every record the crawl says it wrote is in the files, no more and no fewer
    assert sum(1 for r in crawled.records if r.type != "warcinfo") == crawled.summary["warc_records"]


def test_records_match_the_requests_the_servers_logged(crawled: Crawled) -> None:
    by_id = {r.record_id: r for r in crawled.records}
    archived = Counter()
    for request in (r for r in crawled.records if r.type == "request"):
        [response_id] = request.concurrent_to
        response = by_id[response_id]
        assert response.target_uri == request.target_uri
        archived[(request.target_uri, response.http_status)] += 1
    served = Counter((entry.url, entry.status) for entry in crawled.log)
    assert archived == served
    assert len(crawled.log) > 100  # the whole demo web, not a stub of it


def test_request_lines_and_headers_are_kept(crawled: Crawled) -> None:
    requests = {r.target_uri: r for r in crawled.records if r.type == "request"}
    logged_query = next(e for e in crawled.log if "?" in e.path)
    request = requests[logged_query.url]
    assert request.http_line == f"GET {logged_query.path} HTTP/1.1"
    assert request.http_header("Host") == logged_query.host
    cookies = [
        r for r in crawled.records if r.type == "response" and len(r.http_header_all("Set-Cookie")) == 2
    ]
    assert cookies, "a page sent two Set-Cookie headers; both must be archived"
    gzipped = [
        r for r in crawled.records if r.type == "response" and r.http_header("Content-Encoding") == "gzip"
    ]
    assert gzipped and all(r.raw_payload[:2] == b"\x1f\x8b" for r in gzipped)  # stored as transferred
    assert all(r.warc_header("WARC-IP-Address") for r in crawled.records if r.type == "response")


def test_nothing_forbidden_or_out_of_scope_was_requested(crawled: Crawled, demo_web: DemoWeb) -> None:
    assert not [e for e in crawled.log if e.site == "sentinel"]
    assert not [e for e in crawled.log if e.path.startswith("/private/")]
    sentinel = urlsplit(demo_web.sentinel_url).hostname
    assert not [r for r in crawled.records if urlsplit(r.target_uri or "").hostname == sentinel]
    robots = [e for e in crawled.log if e.path == "/robots.txt"]
    assert sorted(e.site for e in robots) == sorted(demo_web.sites)  # once per site
    assert crawled.summary["errors"]["robots_forbidden"] >= 1  # type: ignore[index]
    assert crawled.summary["errors"]["out_of_scope"] >= 1  # type: ignore[index]


def _fetch(url: str, accept_encoding: str) -> bytes:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request(
            "GET",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={"Accept-Encoding": accept_encoding},
        )
        return connection.getresponse().read()  # undoes chunking, never content coding
    finally:
        connection.close()


def test_pywb_replays_every_captured_page_byte_for_byte(crawled: Crawled, pywb_factory: PywbFactory) -> None:
    warcs = sorted((crawled.out / "warc").glob("*.warc.gz"))
    server = pywb_factory(warcs, index=crawled.out / "indexes" / "index.cdxj")
    pages = [r for r in crawled.records if r.type == "response" and r.http_status == 200]
    assert len(pages) > 50
    for record in pages:
        url = record.target_uri or ""
        found = [line for line in server.cdx(url) if line.get("status") == "200"]
        assert found, f"CDX lookup does not find {url}"
        timestamp = found[0]["timestamp"]
        replayed = server.replay_id(timestamp, url, {"Accept-Encoding": "gzip"})
        assert replayed.status == 200
        sent = _fetch(url, "gzip")  # the demo web serves the same bytes every time
        assert replayed.body == sent == record.raw_payload, url


def test_check_command_passes_the_crawl_and_fails_a_truncated_copy(crawled: Crawled, tmp_path: Path) -> None:
    ok = run_seedcrawl(["check", str(crawled.out)])
    assert ok.returncode == 0 and "all valid" in ok.stderr
    [first, *_] = sorted((crawled.out / "warc").glob("*.warc.gz"))
    # cut halfway through the middle record's gzip member: a cut at a member boundary (as half
    # the file's size once happened to be) leaves whole records, a valid file
    records = list(iter_records(first, max_payload=0))
    middle = records[len(records) // 2]
    (tmp_path / "cut.warc.gz").write_bytes(first.read_bytes()[: middle.offset + middle.length // 2])
    bad = run_seedcrawl(["check", str(tmp_path)])
    assert bad.returncode == 1 and "truncated gzip member" in bad.stdout
