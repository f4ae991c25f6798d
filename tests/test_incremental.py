"""Incremental runs into one folder: listings every time, articles only when new (or revalidated).

One demo web serves the whole story: a first crawl and `seedcrawl process`; a second run with
--refetch, where every known article is asked for conditionally and answers 304; then a new article
is published and a plain third run fetches the seeds, feeds, sitemaps and listings again but, of
all the articles, only the new one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from seedcrawl.archive.digests import CaptureInfo, DigestStore
from seedcrawl.archive.reader import iter_records
from seedcrawl.archive.records import RevisitTarget
from seedcrawl.crawler.run.incremental import KnownArticles
from seedcrawl.crawler.run.revalidate import Revalidator
from seedcrawl.pipelines.runner import ProcessOptions, process_folder
from tests.support.cli import crawl
from tests.support.testweb import DemoWeb, LoggedRequest
from tests.support.warcs import WarcBuilder

pytestmark = pytest.mark.slow
# The demo's /live/ pages answer 503 with Retry-After: 120; honouring it in full would hold each
# host for the whole cap on every run (a harmless extra setting where Retry-After is not handled).
NO_LONG_WAITS = ("-s", "SEEDCRAWL_RETRY_AFTER_MAX=1")


@dataclass
class Runs:
    web: DemoWeb
    out: Path
    known: set[str]  # article URLs the corpus holds after the first run
    refetch: list[LoggedRequest]
    new_article: str
    third: list[LoggedRequest]


def corpus_urls(out: Path) -> set[str]:
    urls = set()
    for name in ("articles", "duplicates", "rejects"):
        for line in (out / "corpus" / f"{name}.jsonl").read_text().splitlines():
            record = json.loads(line)
            if name != "rejects" or record["reason"] == "not_article":
                urls |= {record["url"], record.get("canonical_url") or record["url"]}
    return urls


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    out = tmp_path_factory.mktemp("incremental") / "out"
    with DemoWeb(port=0, first_host="127.0.0.20", sentinel_host="127.0.0.3") as web:
        crawl(out, web.seed_urls, "--depth", "8", "--run-id", "first", *NO_LONG_WAITS)
        process_folder(out, ProcessOptions(workers=1))
        known = corpus_urls(out) & set(web.manifest.articles)
        web.clear_log()
        crawl(out, web.seed_urls, "--depth", "8", "--refetch", *NO_LONG_WAITS)
        refetch = web.requests()
        new = web.publish(
            "ledger", "Kerry returns to Sochi for a second round", ["Kerry and Lavrov met again today."] * 3
        )
        web.clear_log()
        crawl(out, web.seed_urls, "--depth", "8", "--run-id", "third", *NO_LONG_WAITS)
        yield Runs(web, out, known, refetch, new, web.requests())


def test_a_later_run_fetches_listings_again_but_only_new_articles(runs: Runs) -> None:
    manifest = runs.web.manifest
    fetched = {entry.url for entry in runs.third}
    assert fetched & set(manifest.articles) == {runs.new_article}
    for kind in ("home", "section", "tag", "feed", "sitemap"):
        assert set(manifest.urls(kind)) <= fetched, kind
    summary = json.loads((runs.out / "logs" / "crawl-third.json").read_text())
    assert not summary["budget_exhausted"]


def test_refetch_revalidates_known_articles_with_conditional_requests(runs: Runs) -> None:
    assert len(runs.known) >= 40  # nearly the whole demo web's articles were processed
    articles = [entry for entry in runs.refetch if entry.url in runs.known]
    assert {entry.url for entry in articles} == runs.known
    for entry in articles:
        assert "If-None-Match" in entry.headers and "If-Modified-Since" in entry.headers, entry.url
        assert entry.status == 304, entry.url  # unchanged since the first run


def test_validators_come_from_the_capture_history_or_the_corpus_record(tmp_path: Path) -> None:
    url = "http://news.example/2015/05/12/kerry-in-sochi"
    builder = WarcBuilder("a.warc.gz")
    builder.warcinfo()
    builder.exchange(
        url, "2026-11-22T10:00:01Z", b"<p>Kerry</p>", [("ETag", '"v1"'), ("Content-Type", "text/html")]
    )
    warc = builder.save(tmp_path / "a.warc.gz")
    response = next(r for r in iter_records(warc) if r.type == "response")
    line = {"id": "1", "url": url, "warc": {"file": warc.name, "offset": response.offset}}
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "articles.jsonl").write_text(json.dumps(line) + "\n")
    known = KnownArticles(tmp_path / "known.sqlite3")
    known.sync(tmp_path / "corpus")
    assert Revalidator(None, known, tmp_path).headers(url) == {"If-None-Match": '"v1"'}

    history = DigestStore(tmp_path / "digests.sqlite3")
    target = RevisitTarget(url, "2026-11-23T10:00:00Z", "<urn:uuid:0>")
    history.note_capture(
        url, CaptureInfo(target, "sha1:X", '"v2"', "Mon, 23 Nov 2026 10:00:00 GMT"), "b.warc.gz"
    )
    history.commit()
    assert Revalidator(history, known, tmp_path).headers(url) == {
        "If-None-Match": '"v2"',
        "If-Modified-Since": "Mon, 23 Nov 2026 10:00:00 GMT",
    }
    assert Revalidator(history, known, tmp_path).headers(url + "/unknown") == {}
