"""Rebuilding a resumed run's frontier from its WARC files, without a network or a spider.

Two runs write into one folder: "old" archived a listing page; "new" archived the same listing
again (an identical-payload revisit, whose payload is in the old run's file), an article, a
redirect to that article, and a 503. Replaying "new" must follow links through all of them, fetch
nothing it archived, and leave parked exactly what it still has to fetch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import Response, TextResponse

from seedcrawl.archive.digests import DigestStore
from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.crawler.discover.links import page_links
from seedcrawl.crawler.discover.urls import Scope
from seedcrawl.crawler.run.frontier import Frontier, FrontierConfig, Kind, Verdict
from seedcrawl.crawler.run.frontier_store import Entry, FrontierStore, url_key
from seedcrawl.crawler.run.incremental import KnownArticles
from seedcrawl.crawler.run.replay import Replay, ReplayOptions, run_files
from tests.test_frontier import Stats

SITE = "http://news.example"
OPTIONS = ReplayOptions(
    retry_statuses=frozenset({429, 500, 502, 503, 504}), max_body=1 << 20, max_redirects=5
)


def exchange(
    path: str, status: int = 200, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()
) -> HttpExchange:
    return HttpExchange(
        url=SITE + path,
        method="GET",
        request_headers=[("User-Agent", "test")],
        request_body=b"",
        protocol="HTTP/1.1",
        status=status,
        response_headers=[("Content-Type", "text/html; charset=utf-8"), *headers],
        body=body,
        fetched_at=datetime(2026, 11, 22, tzinfo=UTC),
        ip_address="127.0.0.1",
    )


def links(*paths: str) -> bytes:
    return ("<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in paths) + "</body></html>").encode()


def write_run(folder: Path, run_id: str, digests: DigestStore, exchanges: list[HttpExchange]) -> None:
    writer = RotatingWarcWriter(
        folder,
        RecordFactory(RecordStamp()),
        prefix=f"run-{run_id}",
        info={"seedcrawl-run-id": run_id},
        digests=digests,
    )
    for item in exchanges:
        writer.write_exchange(item)
    writer.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    digests = DigestStore(tmp_path / "digests.sqlite3")
    listing = links("/a", "/b", "/old")
    write_run(warc_dir, "old", digests, [exchange("/list", body=listing)])
    write_run(
        warc_dir,
        "new",
        digests,
        [
            exchange("/list", body=listing),  # same payload: written as a revisit
            exchange("/a", body=links("/c")),
            exchange("/b", status=503, body=b"busy"),
            exchange("/old", status=301, headers=(("Location", "/a"),)),
        ],
    )
    digests.close()
    return warc_dir


def test_replay_follows_archived_links_and_parks_only_what_is_left_to_fetch(archive: Path) -> None:
    stats = Stats()
    frontier = Frontier(FrontierStore(None), Scope.parse(["news.example"]), stats, FrontierConfig())
    replayed: list[str] = []

    def handle(entry: Entry, response: Response) -> None:
        replayed.append(response.url)
        assert isinstance(response, TextResponse)
        for link in page_links(response):
            frontier.admit(link.url, Kind.PAGE, 0, entry.depth + 1, response.url)

    files = run_files(archive, "new")
    assert [path.name.startswith("run-new") for path in files] == [True]
    replay = Replay(frontier, archive, stats, OPTIONS, handle)
    assert replay.load(files) == 3  # /list (through the old run's payload), /a, /old; not the 503
    frontier.admit(SITE + "/list", Kind.SEED, 0, 0)
    replay.run(_NoSites())  # type: ignore[arg-type]

    # /list's payload came from the old run's file; /a was replayed once, not again for /old's redirect
    assert sorted(replayed) == [SITE + "/a", SITE + "/list"]
    parked = sorted(entry.url for entry in frontier.take(10))
    assert parked == [SITE + "/b", SITE + "/c"]  # the 503 is retried; /c was never fetched
    assert stats.values["seedcrawl/resume/replayed"] == 3  # /list, /a and the redirect /old
    assert stats.values["seedcrawl/resume/captures_to_retry"] == 1


def test_only_the_runs_own_files_are_read(archive: Path) -> None:
    assert [p.name.split("-")[1] for p in run_files(archive, "old")] == ["old"]
    assert run_files(archive, "never") == []


class _NoSites:
    """No robots.txt was archived in these runs, so SiteDiscovery is never asked for anything."""

    def admit_links(self, *args: object) -> int:
        raise AssertionError("no robots.txt to read Sitemap: lines from")


def test_a_page_the_run_archived_is_replayed_even_when_processing_made_it_known(tmp_path: Path) -> None:
    """Processing between the crash and the resume adds the run's articles to the corpus; they must
    still be replayed (their links lead on), while other known articles are still skipped."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [{"id": str(n), "url": f"{SITE}/2019/story-{n}"} for n in (1, 2)]
    (corpus / "articles.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    known = KnownArticles(tmp_path / "known.sqlite3")
    known.sync(corpus)
    frontier = Frontier(FrontierStore(None), Scope.parse(["news.example"]), Stats(), FrontierConfig(), known)
    frontier.store.note_archived(url_key(f"{SITE}/2019/story-1"), "run.warc.gz", 0)
    assert frontier.admit(f"{SITE}/2019/story-1", Kind.PAGE, 0, 1) is Verdict.ADMITTED
    assert frontier.admit(f"{SITE}/2019/story-2", Kind.PAGE, 0, 1) is Verdict.KNOWN
