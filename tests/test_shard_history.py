"""The capture history crawl shards share in Redis (a real redis-server): a payload one shard archived
is a revisit for another, and a later run asks every known article conditionally, whichever shard
fetched it before, even when the number of shards changed and with it who owns a host."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.crawler.sharding.shard_history import RedisCaptureHistory, history_prefix
from seedcrawl.crawler.sharding.shards import shard_of
from seedcrawl.pipelines.runner import ProcessOptions, process_folder
from tests.support.cli import crawl
from tests.support.redis_server import redis_server
from tests.support.testweb import DemoWeb

BODY = gzip.compress(b"<html><body><p>The same story, syndicated.</p></body></html>", mtime=0)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def exchange(url: str, body: bytes = BODY, etag: str = '"v1"') -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("Host", url.split("/")[2])],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("ETag", etag),
            ("Last-Modified", "Wed, 02 Dec 2026 10:00:00 GMT"),
        ],
        body=body,
        fetched_at=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        ip_address="127.0.0.1",
    )


def shard_writer(folder: Path, redis_url: str, name: str) -> RotatingWarcWriter:
    history = RedisCaptureHistory(redis_url, history_prefix(folder))
    return RotatingWarcWriter(folder, RecordFactory(RecordStamp()), prefix=name, digests=history)


def record_types(path: Path) -> dict[str, tuple[str, str | None]]:
    with path.open("rb") as stream:
        return {
            r.rec_headers.get_header("WARC-Target-URI"): (
                r.rec_type,
                r.rec_headers.get_header("WARC-Refers-To"),
            )
            for r in ArchiveIterator(stream)
            if r.rec_type in ("response", "revisit")
        }


def test_a_payload_one_shard_archived_is_a_revisit_for_another(tmp_path: Path, redis_url: str) -> None:
    first = shard_writer(tmp_path, redis_url, "seedcrawl-shard0of2")
    second = shard_writer(tmp_path, redis_url, "seedcrawl-shard1of2")
    original = first.write_exchange(exchange("http://127.0.0.1:8000/story")).response
    # Same run, the other shard, another host: the payload is not stored again.
    copy = second.write_exchange(exchange("http://127.0.0.2:8000/copy-of-story"))
    assert copy.revisit_of is not None and copy.revisit_of.record_id == original.record_id
    [path_a] = first.close()
    [path_b] = second.close()
    assert record_types(path_b)["http://127.0.0.2:8000/copy-of-story"] == ("revisit", original.record_id)
    # Either shard (or a later run's) reads the other's validators.
    reader = RedisCaptureHistory(redis_url, history_prefix(tmp_path))
    seen = reader.last_capture("http://127.0.0.1:8000/story")
    assert seen is not None and seen.etag == '"v1"' and seen.original.record_id == original.record_id
    assert reader.sync([path_a, path_b]) == 0  # both files were marked when their shard closed them


def test_the_history_is_rebuilt_from_the_warc_files(tmp_path: Path, redis_url: str) -> None:
    writer = RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp()), prefix="seedcrawl-shard0of2")
    writer.write_exchange(exchange("http://127.0.0.1:8000/one", etag='"e1"'))
    writer.write_exchange(exchange("http://127.0.0.1:8000/two", body=gzip.compress(b"other"), etag='"e2"'))
    [path] = writer.close()  # written without any history, as after a lost Redis
    history = RedisCaptureHistory(redis_url, history_prefix(tmp_path))
    assert history.sync([path]) == 1
    one = history.last_capture("http://127.0.0.1:8000/one")
    assert one is not None and one.etag == '"e1"'
    assert history.lookup(one.payload_digest) is not None
    # Another shard's file being written (or closed since the listing) is not gone.
    being_written = path.with_name(path.name + ".open")
    path.rename(being_written)
    watching = RedisCaptureHistory(redis_url, history_prefix(tmp_path), warc_dir=tmp_path)
    assert watching.sync([]) == 0
    assert watching.last_capture("http://127.0.0.1:8000/one") is not None
    being_written.unlink()  # a file that is gone no longer backs revisits or validators
    assert watching.sync([]) == 0
    assert history.last_capture("http://127.0.0.1:8000/one") is None
    assert history.lookup(one.payload_digest) is None


def test_a_capture_goes_on_when_redis_is_gone(tmp_path: Path) -> None:
    # Nothing listens there: the history finds nothing and the capture is written whole.
    history = RedisCaptureHistory("redis://127.0.0.1:1/0", "gone")
    writer = RotatingWarcWriter(tmp_path, RecordFactory(RecordStamp()), digests=history)
    writer.write_exchange(exchange("http://127.0.0.1:8000/a"))
    writer.write_exchange(exchange("http://127.0.0.1:8000/b"))
    [path] = writer.close()
    assert {kind for kind, _ in record_types(path).values()} == {"response"}


@pytest.mark.slow
def test_a_later_run_with_more_shards_asks_conditionally_for_what_any_shard_fetched(
    tmp_path: Path, redis_url: str
) -> None:
    out = tmp_path / "out"
    shards = ["--redis", redis_url, "-s", "SEEDCRAWL_RETRY_AFTER_MAX=1", "--depth", "8"]
    with DemoWeb(port=0, first_host="127.0.0.130", sentinel_host="127.0.0.5") as web:
        crawl(out, web.seed_urls, "--shards", "2", "--run-id", "first", *shards, timeout=300)
        process_folder(out, ProcessOptions(workers=1))
        known = {
            json.loads(line)["url"] for line in (out / "corpus" / "articles.jsonl").read_text().splitlines()
        } & set(web.manifest.articles)
        web.clear_log()
        crawl(out, web.seed_urls, "--shards", "3", "--refetch", "--run-id", "second", *shards, timeout=300)
        refetch = [entry for entry in web.requests() if entry.url in known]

    def host(url: str) -> str:
        return url.split("/")[2]

    moved = {url for url in known if shard_of(host(url), 2) != shard_of(host(url), 3)}
    assert len(known) >= 20 and moved, "some articles change shard between the runs"
    assert {entry.url for entry in refetch} == known
    for entry in refetch:  # asked with the validators another shard may have archived
        assert "If-None-Match" in entry.headers and "If-Modified-Since" in entry.headers, entry.url
        assert entry.status == 304, entry.url
    not_modified = {}
    for path in (out / "warc").glob("*-shard*of3-*.warc.gz"):
        with path.open("rb") as stream:
            for r in ArchiveIterator(stream):
                if r.rec_type == "revisit" and "server-not-modified" in r.rec_headers.get_header(
                    "WARC-Profile"
                ):
                    not_modified[r.rec_headers.get_header("WARC-Target-URI")] = r.rec_headers.get_header(
                        "WARC-Refers-To"
                    )
    first_run = set()
    for path in (out / "warc").glob("*-shard*of2-*.warc.gz"):
        with path.open("rb") as stream:
            first_run |= {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)}
    for url in moved:  # each 304 points back at the record another shard archived in the first run
        assert not_modified.get(url) in first_run, url
    # The shards kept no history of their own: it is the folder's, in Redis.
    assert not list((out / "state").glob("shard*/payload-digests.sqlite3"))
    client = redis.Redis.from_url(redis_url)
    assert client.hlen(history_prefix(out) + ":urls") >= len(known)
    client.close()
