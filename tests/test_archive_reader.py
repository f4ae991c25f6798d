"""seedcrawl.archive.reader: records with exact member offsets, payloads raw and decoded, broken files."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from seedcrawl.archive.errors import ContentDecodingError, PayloadTooLarge, WarcFormatError
from seedcrawl.archive.reader import closed_warcs, iter_folder, iter_records, read_record
from tests.support.warcs import (
    Golden,
    WarcBuilder,
    build_golden,
    html_page,
    member_offsets,
    split_members,
    trailing_garbage,
    truncated,
    two_records_in_one_member,
)


@pytest.fixture
def golden(tmp_path: Path) -> Golden:
    return build_golden(tmp_path / "golden-00000.warc.gz")


def test_records_come_in_file_order_with_exact_member_offsets(golden: Golden) -> None:
    data = golden.path.read_bytes()
    records = list(iter_records(golden.path))
    assert [r.record_id for r in records] == golden.record_ids
    assert [r.type for r in records] == ["warcinfo", *["request", "response"] * 3, "revisit"]
    assert [r.offset for r in records] == member_offsets(data)
    assert [r.length for r in records] == [len(m) for m in split_members(data)]
    assert records[-1].offset + records[-1].length == len(data)
    assert {r.file for r in records} == {golden.path.name}


def test_offsets_agree_with_warcio(golden: Golden) -> None:
    with golden.path.open("rb") as fh:
        it = ArchiveIterator(fh)
        theirs = [(it.get_record_offset(), it.get_record_length()) for _ in it]
    assert [(r.offset, r.length) for r in iter_records(golden.path)] == theirs


def test_record_view_fields(golden: Golden) -> None:
    records = list(iter_records(golden.path))
    warcinfo, request, response = records[0], records[1], records[2]
    plain = golden.captures[0]
    assert warcinfo.warc_filename == golden.path.name and warcinfo.version == "WARC/1.1"
    assert response.target_uri == plain.url and response.date == plain.date
    assert response.http_status == 200 and response.http_line == "HTTP/1.1 200 OK"
    assert response.content_type == "application/http; msgtype=response"
    assert response.payload_digest is not None and response.payload_digest.startswith("sha1:")
    assert response.warcinfo_id == golden.record_ids[0]
    assert request.concurrent_to == [response.record_id] and request.http_status is None
    assert request.http_line == "GET /plain HTTP/1.1"
    revisit = records[-1]
    assert revisit.refers_to == plain.response_id
    assert (revisit.refers_to_target_uri, revisit.refers_to_date) == (plain.url, plain.date)
    assert revisit.payload_digest == response.payload_digest and revisit.raw_payload == b""


def test_repeated_headers_are_kept_in_order(golden: Golden) -> None:
    cookies = next(
        r for r in iter_records(golden.path) if r.type == "response" and "cookies" in (r.target_uri or "")
    )
    assert cookies.http_header_all("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert [name for name, _ in cookies.http_headers].count("Set-Cookie") == 2


def test_payload_raw_as_stored_and_decoded(golden: Golden) -> None:
    responses = [r for r in iter_records(golden.path) if r.type == "response"]
    for record, capture in zip(responses, golden.captures, strict=True):
        assert record.raw_payload == capture.body
        assert record.payload_complete and record.payload_length == len(capture.body)
    gzipped = responses[1]
    assert gzipped.raw_payload[:2] == b"\x1f\x8b"
    assert gzipped.decoded_payload() == gzip.decompress(golden.captures[1].body)
    assert responses[0].decoded_payload() == golden.captures[0].body  # no Content-Encoding


def test_read_record_at_an_offset_gives_the_same_record(golden: Golden) -> None:
    for record in iter_records(golden.path):
        assert read_record(golden.path, record.offset) == record


def _one_response(tmp_path: Path, body: bytes, headers: list[tuple[str, str]]) -> Path:
    builder = WarcBuilder("one.warc.gz")
    builder.warcinfo()
    builder.exchange("https://e.test/x", "2026-11-22T10:00:00Z", body, headers)
    return builder.save(tmp_path / "one.warc.gz")


PAGE = html_page("Encodings", "Same text, many codings. " * 20)


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(PAGE, mtime=0)),
        ("x-gzip", gzip.compress(PAGE, mtime=0)),
        ("deflate", zlib.compress(PAGE)),  # zlib-wrapped, as the RFC says
        ("deflate", zlib.compress(PAGE, wbits=-15)),  # raw deflate, as some servers send
        ("br", brotli.compress(PAGE)),
        ("identity", PAGE),
        ("gzip, br", brotli.compress(gzip.compress(PAGE, mtime=0))),  # applied in order listed
    ],
)
def test_content_encodings_decode(tmp_path: Path, coding: str, encoded: bytes) -> None:
    path = _one_response(tmp_path, encoded, [("Content-Type", "text/html"), ("Content-Encoding", coding)])
    record = next(r for r in iter_records(path) if r.type == "response")
    assert record.raw_payload == encoded
    assert record.decoded_payload() == PAGE


def test_chunked_bodies_are_dechunked_only_when_really_chunked(tmp_path: Path) -> None:
    chunked = b"5\r\nHello\r\n6\r\n world\r\n0\r\n\r\n"
    headers = [("Transfer-Encoding", "chunked")]
    really = next(r for r in iter_records(_one_response(tmp_path, chunked, headers)) if r.type == "response")
    assert really.decoded_payload() == b"Hello world"
    (tmp_path / "one.warc.gz").unlink()
    plain = next(r for r in iter_records(_one_response(tmp_path, PAGE, headers)) if r.type == "response")
    assert plain.decoded_payload() == PAGE


def test_decoding_is_bounded_and_typed(tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * (8 << 20), mtime=0)
    path = _one_response(tmp_path, bomb, [("Content-Encoding", "gzip")])
    record = next(r for r in iter_records(path) if r.type == "response")
    with pytest.raises(PayloadTooLarge):
        record.decoded_payload(max_size=1 << 20)
    assert len(record.decoded_payload(max_size=8 << 20)) == 8 << 20
    for coding, body in [("compress", b"whatever"), ("gzip", b"not gzip at all"), ("gzip", bomb[:100])]:
        (tmp_path / "one.warc.gz").unlink()
        path = _one_response(tmp_path, body, [("Content-Encoding", coding)])
        with pytest.raises(ContentDecodingError):
            next(r for r in iter_records(path) if r.type == "response").decoded_payload()


def test_max_payload_keeps_a_prefix_and_counts_the_rest(golden: Golden) -> None:
    record = next(r for r in iter_records(golden.path, max_payload=10) if r.type == "response")
    assert record.raw_payload == golden.captures[0].body[:10]
    assert record.payload_length == len(golden.captures[0].body) and not record.payload_complete
    with pytest.raises(PayloadTooLarge):
        record.decoded_payload()


def test_truncated_file_raises_at_the_last_member(golden: Golden, tmp_path: Path) -> None:
    data = golden.path.read_bytes()
    broken = tmp_path / "cut.warc.gz"
    broken.write_bytes(truncated(data))
    seen = []
    with pytest.raises(WarcFormatError) as caught:
        for record in iter_records(broken):
            seen.append(record.record_id)
    assert caught.value.offset == member_offsets(data)[-1] and caught.value.file == broken
    assert "truncated" in caught.value.reason and seen == golden.record_ids[:-1]


def test_on_error_reports_and_reads_on(golden: Golden, tmp_path: Path) -> None:
    data = golden.path.read_bytes()
    offsets = member_offsets(data)
    cases = {
        "garbage": (trailing_garbage(data), [len(data)], golden.record_ids),
        "merged": (
            two_records_in_one_member(data),
            [offsets[1]],
            golden.record_ids[:1] + golden.record_ids[3:],
        ),
    }
    for name, (broken, error_offsets, ids) in cases.items():
        path = tmp_path / f"{name}.warc.gz"
        path.write_bytes(broken)
        errors: list[WarcFormatError] = []
        assert [r.record_id for r in iter_records(path, on_error=errors.append)] == ids, name
        assert [e.offset for e in errors] == error_offsets, name


def test_corrupt_member_in_the_middle_is_skipped_and_the_rest_read(golden: Golden, tmp_path: Path) -> None:
    data = bytearray(golden.path.read_bytes())
    offsets = member_offsets(bytes(data))
    start, end = offsets[2], offsets[3]
    data[start + 20 : end - 10] = b"\xff" * (end - 30 - start)  # keep the gzip header, wreck the deflate data
    path = tmp_path / "corrupt.warc.gz"
    path.write_bytes(bytes(data))
    errors: list[WarcFormatError] = []
    ids = [r.record_id for r in iter_records(path, on_error=errors.append)]
    assert ids == golden.record_ids[:2] + golden.record_ids[3:]
    assert errors and errors[0].offset == start
    with pytest.raises(WarcFormatError):
        list(iter_records(path))


def test_folder_iteration_is_by_name_and_skips_open_files(tmp_path: Path) -> None:
    second = build_golden(tmp_path / "b-00002.warc.gz", first_id=100)
    first = build_golden(tmp_path / "a-00001.warc.gz", first_id=200)
    (tmp_path / "c-00003.warc.gz.open").write_bytes(first.path.read_bytes()[:50])
    (tmp_path / "notes.txt").write_text("not a WARC")
    assert closed_warcs(tmp_path) == [first.path, second.path]
    assert [r.record_id for r in iter_folder(tmp_path)] == first.record_ids + second.record_ids
