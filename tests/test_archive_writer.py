"""The WARC writer: deterministic bytes, revisits, rotation, and no partial record on failure."""

from __future__ import annotations

import gzip
import itertools
import random
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from seedcrawl.archive.digests import DigestStore
from seedcrawl.archive.records import HttpExchange, RecordFactory, RecordStamp
from seedcrawl.archive.writer import OPEN_SUFFIX, ArchiveWriteError, RotatingWarcWriter

MOMENT = datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC)


def fixed_stamp() -> RecordStamp:
    counter = itertools.count()
    return RecordStamp(
        new_id=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(counter):012d}>", now=lambda: MOMENT
    )


def exchange(
    url: str = "http://127.0.0.1:8000/a?x=1&y=2",
    body: bytes | None = None,
    status: int = 200,
    **extra: object,
) -> HttpExchange:
    fields: dict[str, object] = {
        "url": url,
        "method": "GET",
        "request_headers": [("User-Agent", "seedcrawl-test"), ("Accept-Encoding", "gzip, deflate")],
        "request_body": b"",
        "protocol": "HTTP/1.1",
        "status": status,
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        "body": gzip.compress(b"<html><body><p>Hello</p></body></html>", mtime=0) if body is None else body,
        "fetched_at": MOMENT,
        "ip_address": "127.0.0.1",
    }
    fields.update(extra)
    return HttpExchange(**fields)  # type: ignore[arg-type]


def records(path: Path) -> list[tuple[str, object]]:
    with path.open("rb") as stream:
        return [(r.rec_type, r.rec_headers) for r in ArchiveIterator(stream)]


def write_all(
    tmp: Path, exchanges: list[HttpExchange], digests: DigestStore | None = None, max_file_size: int = 10**9
) -> list[Path]:
    writer = RotatingWarcWriter(
        tmp,
        RecordFactory(fixed_stamp()),
        info={"software": "test"},
        digests=digests,
        max_file_size=max_file_size,
    )
    for item in exchanges:
        writer.write_exchange(item)
    return writer.close()


def test_fixed_ids_and_dates_give_byte_identical_records(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    [a] = write_all(first, [exchange(), exchange(status=404, body=b"missing")])
    [b] = write_all(second, [exchange(), exchange(status=404, body=b"missing")])
    assert a.name == b.name
    assert gzip.decompress(a.read_bytes()) == gzip.decompress(b.read_bytes())


def test_records_keep_what_the_server_sent(tmp_path: Path) -> None:
    [path] = write_all(tmp_path, [exchange()])
    text = gzip.decompress(path.read_bytes())
    assert text.count(b"WARC/1.1\r\n") == 3
    assert b"WARC-Type: warcinfo" in text.split(b"WARC/1.1\r\n")[1]
    assert b"GET /a?x=1&y=2 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n" in text
    assert b"HTTP/1.1 200 OK\r\n" in text
    assert text.count(b"Set-Cookie: ") == 2
    assert b"WARC-IP-Address: 127.0.0.1" in text
    assert b"WARC-Date: 2026-11-22T10:00:00.123456Z" in text
    with path.open("rb") as stream:
        kinds = {}
        for record in ArchiveIterator(stream):
            kinds[record.rec_type] = record
            if record.rec_type == "response":
                # the stored payload is the gzip body exactly as transferred
                assert record.raw_stream.read() == exchange().body
    assert kinds["request"].rec_headers.get_header("WARC-Concurrent-To") == kinds[
        "response"
    ].rec_headers.get_header("WARC-Record-ID")


def test_each_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    [path] = write_all(tmp_path, [exchange(), exchange(url="http://127.0.0.1:8000/b")])
    data, members = path.read_bytes(), 0
    while data:
        inflater = zlib.decompressobj(wbits=31)
        chunk = inflater.decompress(data)
        assert chunk.startswith(b"WARC/1.1\r\n") and chunk.count(b"WARC/1.1\r\n") == 1
        data, members = inflater.unused_data, members + 1
    assert members == 5  # warcinfo + two request/response pairs


def test_same_payload_becomes_revisit_across_writers(tmp_path: Path) -> None:
    store = DigestStore(tmp_path / "digests.sqlite3")
    write_all(tmp_path, [exchange(url="http://127.0.0.1:8000/original")], digests=store)
    [second] = write_all(
        tmp_path,
        [
            exchange(url="http://127.0.0.1:8000/copy"),
            exchange(url="http://127.0.0.1:8000/gone", status=404, body=b""),
        ],
        digests=store,
    )
    with second.open("rb") as stream:
        types = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(stream)]
    assert ("revisit", "http://127.0.0.1:8000/copy") in types
    assert ("response", "http://127.0.0.1:8000/gone") in types  # empty bodies never become revisits
    with second.open("rb") as stream:
        revisit = next(r for r in ArchiveIterator(stream) if r.rec_type == "revisit")
    assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == "http://127.0.0.1:8000/original"
    assert revisit.rec_headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")


def test_digest_store_rebuilds_from_the_warc_files(tmp_path: Path) -> None:
    [first] = write_all(tmp_path, [exchange(url="http://127.0.0.1:8000/original")])
    digest = dict(records(first))["response"].get_header("WARC-Payload-Digest")  # type: ignore[attr-defined]
    store = DigestStore(tmp_path / "fresh.sqlite3")
    assert store.sync([first]) == 1  # a store that never saw the file reads it
    target = store.lookup(digest)
    assert target is not None and target.uri == "http://127.0.0.1:8000/original"
    first.unlink()
    store.sync([])  # the file is gone, so nothing may point into it any more
    assert store.lookup(digest) is None


def test_truncated_body_is_marked(tmp_path: Path) -> None:
    [path] = write_all(tmp_path, [exchange(body=b"partial", truncated="length")])
    with path.open("rb") as stream:
        response = next(r for r in ArchiveIterator(stream) if r.rec_type == "response")
    assert response.rec_headers.get_header("WARC-Truncated") == "length"
    with pytest.raises(ValueError):
        exchange(truncated="because")


def test_rotation_closes_files_at_the_size_limit(tmp_path: Path) -> None:
    bodies = [
        exchange(url=f"http://127.0.0.1:8000/{n}", body=random.Random(n).randbytes(5000)) for n in range(6)
    ]
    files = write_all(tmp_path, bodies, max_file_size=12_000)
    assert len(files) > 1
    assert not list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    for path in files:
        assert records(path)[0][0] == "warcinfo"
    assert sum(len(records(path)) - 1 for path in files) == 12


class FailingAfter:
    """A file object whose writes fail with ENOSPC once `budget` bytes have been written."""

    def __init__(self, inner: object, budget: int) -> None:
        self.inner, self.budget = inner, budget

    def write(self, data: bytes) -> int:
        if self.inner.tell() + len(data) > self.budget:  # type: ignore[attr-defined]
            self.inner.write(data[: max(0, self.budget - self.inner.tell())])  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device")
        return self.inner.write(data)  # type: ignore[attr-defined,no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_failed_write_leaves_only_whole_records(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, RecordFactory(fixed_stamp()))
    writer.write_exchange(exchange())
    warc = writer._file()
    good_size = warc.size
    warc._out = FailingAfter(warc._out, good_size + 100)  # type: ignore[assignment]
    with pytest.raises(ArchiveWriteError):
        writer.write_exchange(exchange(url="http://127.0.0.1:8000/big", body=bytes(range(256)) * 400))
    assert warc.size == good_size
    warc._out = warc._out.inner  # type: ignore[attr-defined]
    [path] = writer.close()
    assert [kind for kind, _ in records(path)] == ["warcinfo", "response", "request"]


def test_not_modified_answer_becomes_a_revisit_of_the_last_capture(tmp_path: Path) -> None:
    store = DigestStore(tmp_path / "digests.sqlite3")
    first = exchange(
        url="http://127.0.0.1:8000/story",
        response_headers=[
            ("Content-Type", "text/html"),
            ("ETag", '"v1"'),
            ("Last-Modified", "Mon, 02 Dec 2019 09:00:00 GMT"),
        ],
    )
    write_all(tmp_path, [first], digests=store)
    seen = store.last_capture("http://127.0.0.1:8000/story")
    assert seen is not None and seen.etag == '"v1"' and seen.last_modified == "Mon, 02 Dec 2019 09:00:00 GMT"

    conditional = exchange(
        url="http://127.0.0.1:8000/story",
        status=304,
        body=b"",
        response_headers=[("ETag", '"v1"')],
        request_headers=[("If-None-Match", '"v1"')],
    )
    unconditional_304 = exchange(url="http://127.0.0.1:8000/other", status=304, body=b"", response_headers=[])
    [second] = write_all(tmp_path, [conditional, unconditional_304], digests=store)
    with second.open("rb") as stream:
        kept = [
            (r.rec_type, r.rec_headers)
            for r in ArchiveIterator(stream)
            if r.rec_type in ("revisit", "response")
        ]
    (kind, revisit), (other_kind, _) = kept
    assert kind == "revisit" and other_kind == "response"  # nothing to point at: stored as it came
    assert revisit.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert revisit.get_header("WARC-Refers-To") == seen.original.record_id
    assert revisit.get_header("WARC-Payload-Digest") == seen.payload_digest

    rebuilt = DigestStore(tmp_path / "rebuilt.sqlite3")
    rebuilt.sync(sorted(tmp_path.glob("*.warc.gz")))
    again = rebuilt.last_capture("http://127.0.0.1:8000/story")
    assert again is not None and again.original == seen.original and again.etag == '"v1"'


@pytest.mark.parametrize("value", ["c" * 300_000, "é; x=é" * 30_000])
def test_a_header_line_the_reader_would_refuse_is_cut_and_marked(tmp_path: Path, value: str) -> None:
    from seedcrawl.archive.check import check_folder
    from seedcrawl.archive.gzmembers import MAX_LINE
    from seedcrawl.archive.reader import iter_records

    huge = exchange(
        request_headers=[("Cookie", value)],
        response_headers=[("Content-Type", "text/html"), ("X-Huge", value)],
    )
    [path] = write_all(tmp_path, [huge, exchange(url="http://127.0.0.1:8000/next")])
    assert check_folder(tmp_path).ok  # the reader, check and process read every record
    found = {(r.type, r.target_uri): r for r in iter_records(path)}
    for kind in ("response", "request"):
        record = found[(kind, huge.url)]
        assert record.truncated == "length"
        assert all(len(name) + len(v.encode()) + 4 <= MAX_LINE for name, v in record.http_headers)
    assert found[("response", "http://127.0.0.1:8000/next")].truncated is None


def test_a_non_ascii_header_warcio_cannot_encode_is_stored_percent_encoded(tmp_path: Path) -> None:
    from seedcrawl.archive.check import check_folder
    from seedcrawl.archive.reader import iter_records

    odd = exchange(response_headers=[("Content-Disposition", "é; x=é"), ("X-Nom-é", "ok")])
    [path] = write_all(tmp_path, [odd])  # warcio alone raised UnicodeEncodeError: the writer died
    assert check_folder(tmp_path).ok
    [response] = [r for r in iter_records(path) if r.type == "response"]
    assert response.http_header("Content-Disposition") == "%C3%A9%3B%20x%3D%C3%A9"
    assert response.http_header("X-Nom-%C3%A9") == "ok"
    assert response.truncated is None
