"""seedcrawl.archive.check: the strict check passes good files and names what is wrong with broken ones."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seedcrawl.archive.check import Code, check_file, check_folder
from seedcrawl.archive.digests import DigestStore
from seedcrawl.archive.reader import iter_records
from seedcrawl.archive.records import HttpExchange, RecordFactory
from seedcrawl.archive.writer import RotatingWarcWriter
from tests.support.warcs import (
    BROKEN,
    GOLDEN_NAME,
    Golden,
    WarcBuilder,
    build_golden,
    edit_header,
    html_page,
    member_offsets,
    record_id,
    set_version,
    split_members,
    warcio_check,
)

FIXTURES = Path(__file__).parent / "fixtures" / "warc"


@pytest.fixture
def golden(tmp_path: Path) -> Golden:
    return build_golden(tmp_path / GOLDEN_NAME)


def test_golden_file_passes_both_checks(golden: Golden) -> None:
    report = check_file(golden.path, expected_records=8)
    assert report.ok, report.problems
    assert dict(report.records) == golden.types and report.total == 8
    assert warcio_check(golden.path)[0] == 0


def test_committed_fixtures_match_the_builder(tmp_path: Path) -> None:
    # compare records, not gzip bytes: another zlib build may compress the same bytes differently
    rebuilt = build_golden(tmp_path / GOLDEN_NAME).path.read_bytes()
    committed = (FIXTURES / GOLDEN_NAME).read_bytes()
    assert [gzip.decompress(m) for m in split_members(rebuilt)] == [
        gzip.decompress(m) for m in split_members(committed)
    ]
    assert check_file(FIXTURES / GOLDEN_NAME).ok
    assert {p.name for p in FIXTURES.glob("broken-*.warc.gz")} == {f"broken-{n}.warc.gz" for n in BROKEN}


# broken copy -> (problem code, index of the gzip member it is reported at; -1 = just past the end)
EXPECTED = {
    "truncated": (Code.FORMAT, 7),
    "content-length": (Code.FORMAT, 2),
    "payload-digest": (Code.DIGEST, 2),
    "no-warcinfo": (Code.WARCINFO, 0),
    "trailing-garbage": (Code.FORMAT, -1),
    "two-in-one-member": (Code.FORMAT, 1),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_is_reported_where_it_breaks(golden: Golden, tmp_path: Path, name: str) -> None:
    data = golden.path.read_bytes()
    broken = BROKEN[name](data)
    path = tmp_path / f"broken-{name}.warc.gz"
    path.write_bytes(broken)
    code, index = EXPECTED[name]
    offsets = member_offsets(data)
    where = len(data) if index == -1 else offsets[index]
    report = check_file(path)
    found = [(p.offset, p.code) for p in report.problems]
    assert (where, code) in found, report.problems
    assert [(p.offset, p.code) for p in check_file(FIXTURES / path.name).problems] == found


def test_warcio_check_passes_a_truncated_file_that_we_reject(golden: Golden, tmp_path: Path) -> None:
    """Why we need our own check: warcio drops the broken last gzip member without a word."""
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(BROKEN["truncated"](golden.path.read_bytes()))
    code, output = warcio_check(path)
    assert code == 0, output
    report = check_file(path)
    assert Code.FORMAT in report.codes()
    assert "truncated gzip member" in report.problems[0].message
    assert report.total == 7  # the revisit is lost


def test_warcio_check_agrees_on_digest_damage(golden: Golden, tmp_path: Path) -> None:
    path = tmp_path / "digest.warc.gz"
    path.write_bytes(BROKEN["payload-digest"](golden.path.read_bytes()))
    code, output = warcio_check(path)
    assert code == 1 and "payload digest failed" in output
    assert Code.DIGEST in check_file(path).codes()


Mutation = Callable[[bytes], bytes]
# indexes in the golden file: 0 warcinfo, 1 request, 2 response (plain), 3 request, 4 response
# (gzip), 5 request, 6 response (cookies), 7 revisit
RULES: dict[str, tuple[Mutation, Code, int]] = {
    "WARC/1.0": (lambda d: set_version(d, 4, "WARC/1.0"), Code.VERSION, 4),
    "no WARC-Date": (lambda d: edit_header(d, 2, "WARC-Date", None), Code.HEADER, 2),
    "bad WARC-Date": (lambda d: edit_header(d, 2, "WARC-Date", "22 Nov 2026"), Code.HEADER, 2),
    "record id not <uri>": (lambda d: edit_header(d, 6, "WARC-Record-ID", "urn:uuid:x"), Code.HEADER, 6),
    "duplicate record id": (
        lambda d: edit_header(d, 5, "WARC-Record-ID", record_id(2)),
        Code.DUPLICATE_ID,
        5,
    ),
    "other warcinfo": (lambda d: edit_header(d, 4, "WARC-Warcinfo-ID", record_id(99)), Code.WARCINFO, 4),
    "request pairs nothing": (
        lambda d: edit_header(d, 3, "WARC-Concurrent-To", record_id(99)),
        Code.CONCURRENT,
        3,
    ),
    "request pairs a request": (
        lambda d: edit_header(d, 3, "WARC-Concurrent-To", record_id(2)),
        Code.CONCURRENT,
        3,
    ),
    "request unpaired": (lambda d: edit_header(d, 1, "WARC-Concurrent-To", None), Code.CONCURRENT, 1),
    "angle brackets": (
        lambda d: edit_header(d, 6, "WARC-Target-URI", "<https://news.example.test/cookies>"),
        Code.TARGET_URI,
        6,
    ),
    "response without target": (lambda d: edit_header(d, 2, "WARC-Target-URI", None), Code.TARGET_URI, 2),
    "response content type": (lambda d: edit_header(d, 2, "Content-Type", "text/html"), Code.HTTP, 2),
    "revisit without date": (lambda d: edit_header(d, 7, "WARC-Refers-To-Date", None), Code.REVISIT, 7),
    "revisit without uri": (lambda d: edit_header(d, 7, "WARC-Refers-To-Target-URI", None), Code.REVISIT, 7),
    "revisit profile": (lambda d: edit_header(d, 7, "WARC-Profile", "dedup"), Code.REVISIT, 7),
    "WARC-Truncated value": (lambda d: edit_header(d, 4, "WARC-Truncated", "because"), Code.TRUNCATED, 4),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_structural_rules(golden: Golden, tmp_path: Path, rule: str) -> None:
    mutate, code, index = RULES[rule]
    data = golden.path.read_bytes()
    path = tmp_path / "mutated.warc.gz"
    path.write_bytes(mutate(data))
    report = check_file(path)
    assert (member_offsets(data)[index], code) in {(p.offset, p.code) for p in report.problems}, (
        report.problems
    )


def test_a_bad_gzip_trailer_is_found(golden: Golden, tmp_path: Path) -> None:
    """The CRC-32 and size at the end of each member are checked, as `gzip -t` does."""
    data = bytearray(golden.path.read_bytes())
    offsets = member_offsets(bytes(data))
    data[offsets[5] - 8] ^= 0xFF  # first CRC byte of member 4
    path = tmp_path / "crc.warc.gz"
    path.write_bytes(bytes(data))
    report = check_file(path)
    [crc] = [p for p in report.problems if p.code == Code.FORMAT]
    assert crc.offset == offsets[4] and "incorrect data check" in crc.message
    assert report.total == 7  # the other records are still read and checked


def test_valid_truncation_values_pass(golden: Golden, tmp_path: Path) -> None:
    path = tmp_path / "t.warc.gz"
    for value in ("length", "time", "disconnect", "unspecified"):
        path.write_bytes(edit_header(golden.path.read_bytes(), 4, "WARC-Truncated", value))
        assert check_file(path).ok


def _single(tmp_path: Path, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK") -> Path:
    builder = WarcBuilder("single.warc.gz")
    builder.warcinfo()
    builder.exchange("https://e.test/", "2026-11-22T10:00:00Z", body, headers, status)
    return builder.save(tmp_path / "single.warc.gz")


def test_http_body_labels_must_match_the_stored_body(tmp_path: Path) -> None:
    page = html_page("Label")
    decoded_but_gzip = _single(tmp_path, page, [("Content-Encoding", "gzip")])
    assert warcio_check(decoded_but_gzip)[0] == 0  # warcio cannot tell
    # A server's own mislabel, archived as sent, is a valid archive: the check warns (issue 13).
    report = check_file(decoded_but_gzip)
    assert Code.HTTP in report.warning_codes() and report.ok
    dechunked_but_chunked = _single(tmp_path, page, [("Transfer-Encoding", "chunked")])
    assert Code.HTTP in check_file(dechunked_but_chunked).codes()
    really_chunked = _single(tmp_path, b"3\r\nabc\r\n0\r\n\r\n", [("Transfer-Encoding", "chunked")])
    assert check_file(really_chunked).ok
    really_gzip = _single(tmp_path, gzip.compress(page), [("Content-Encoding", "gzip")])
    assert check_file(really_gzip).ok


def test_expected_record_count(golden: Golden) -> None:
    assert check_file(golden.path, expected_records=8).ok
    report = check_file(golden.path, expected_records=10)
    assert [(p.offset, p.code) for p in report.problems] == [(None, Code.RECORD_COUNT)]


@pytest.mark.parametrize(
    "content", [b"", b"plain text, not gzip\n", gzip.compress(b"gzip, but not a WARC\r\n\r\n", mtime=0)]
)
def test_non_warc_files_are_reported_not_raised(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.warc.gz"
    path.write_bytes(content)
    report = check_file(path)
    assert not report.ok and report.total == 0 and Code.RECORD_COUNT in report.codes()


def _exchange(url: str, body: bytes, headers: list[tuple[str, str]]) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("Accept-Encoding", "gzip")],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        response_headers=headers,
        body=body,
        fetched_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
    )


def test_files_from_our_writer_pass(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    writer = RotatingWarcWriter(
        warc_dir, RecordFactory(), max_file_size=2000, digests=DigestStore(tmp_path / "digests.sqlite")
    )
    gz_page = gzip.compress(html_page("Writer"))
    for i in range(6):  # identical payloads become revisits; rotation makes several files
        cookies = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        writer.write_exchange(
            _exchange(f"https://w.test/{i}", gz_page, [("Content-Encoding", "gzip"), *cookies])
        )
        writer.write_exchange(
            _exchange(f"https://w.test/p{i}", html_page(str(i)), [("Transfer-Encoding", "chunked")])
        )
    files = writer.close()
    assert len(files) > 1
    folder = check_folder(warc_dir)
    assert folder.ok, [(r.file.name, r.problems) for r in folder.reports]
    assert sum(r.total for r in folder.reports) == writer.records_written + len(files)  # + one warcinfo each
    assert sum(r.records["revisit"] for r in folder.reports) == 5
    assert all(warcio_check(p)[0] == 0 for p in files)


def test_folder_report_lists_unclosed_files(golden: Golden, tmp_path: Path) -> None:
    open_file = tmp_path / "next-00002.warc.gz.open"
    open_file.write_bytes(b"")
    report = check_folder(tmp_path)
    assert [r.file for r in report.reports] == [golden.path] and report.reports[0].ok
    assert report.open_files == [open_file] and not report.ok
    os.remove(open_file)
    assert check_folder(tmp_path).ok


@pytest.mark.parametrize(
    ("protocol", "status", "warned"),
    [
        ("HTTP/1.1", 200, False),
        ("HTTP/1.0", 404, False),
        ("HTTP/2", 200, False),
        ("HTTP/1.1", 999, True),
        ("HTTP/1.1", 600, True),
        ("HTTP/1.1", 99, True),
        ("HTTP/1.1", 0, True),
        ("FTP/1.1", 200, True),
        ("HTTP/10.0", 200, True),
        ("/1.1", 200, True),  # Twisted accepts an empty protocol name too
    ],
)
def test_every_status_line_our_writer_archives_is_valid(
    tmp_path: Path, protocol: str, status: int, warned: bool
) -> None:
    """A server's odd status line, archived as sent, is a warning; the request line says HTTP/1.1."""
    writer = RotatingWarcWriter(tmp_path, RecordFactory())
    page = html_page("Odd")
    writer.write_exchange(replace(_exchange("https://o.test/x", page, []), protocol=protocol, status=status))
    [path] = writer.close()
    report = check_file(path)
    assert report.ok, report.problems
    assert (Code.HTTP in report.warning_codes()) is warned
    [request] = [r for r in iter_records(path) if r.type == "request"]
    assert request.http_line == "GET /x HTTP/1.1"


def test_a_status_line_without_a_code_is_a_problem(tmp_path: Path) -> None:
    path = _single(tmp_path, html_page("No code"), [], status="OK")
    assert Code.HTTP in check_file(path).codes()
