"""Read `.warc.gz` files: each record with the exact offset and length of its gzip member.

We split the file into gzip members with zlib ourselves (exact offsets, bounded memory) and let
warcio parse only the record inside each member: warcio's own iterator silently stops at a
truncated or corrupt member and reports wrong lengths for a member holding two records. A member
is accepted when it holds one record whose block is as long as its Content-Length, then CRLF CRLF.
Problems raise `WarcFormatError` at the member offset, or go to `on_error` while reading carries
on with the next readable member, so one bad record does not cost the rest of a file.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

import brotli
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from seedcrawl.archive.errors import ContentDecodingError, PayloadTooLarge, WarcFormatError
from seedcrawl.archive.gzmembers import CHUNK, GzipMember, find_member_start, iter_members

DEFAULT_MAX_PAYLOAD = 32 << 20
ErrorHandler = Callable[[WarcFormatError], None]
Headers = tuple[tuple[str, str], ...]


def _decode_one(data: bytes, coding: str, max_size: int) -> bytes:
    finished = True
    try:
        if coding == "br":
            d = brotli.Decompressor()
            out = d.process(data, output_buffer_limit=max_size + 1)
            finished = d.is_finished()
        elif coding in ("gzip", "x-gzip", "deflate"):
            # 47 takes a gzip or zlib header; some servers send raw deflate labelled "deflate"
            zlib_header = len(data) > 1 and (data[0] << 8 | data[1]) % 31 == 0
            z = zlib.decompressobj(47 if coding != "deflate" or zlib_header else -15)
            out = z.decompress(data, max_size + 1)
            finished = z.eof
        elif coding == "identity":
            out = data
        else:
            raise ContentDecodingError(coding, "unsupported coding")
    except (zlib.error, brotli.error) as exc:
        raise ContentDecodingError(coding, str(exc)) from exc
    if len(out) > max_size:
        raise PayloadTooLarge(max_size, "decoded payload")
    if not finished:
        raise ContentDecodingError(coding, "compressed stream ends early")
    return bytes(out)


def decode_body(
    raw: bytes, content_encoding: str | None, transfer_encoding: str | None, max_size: int
) -> bytes:
    """An HTTP body as stored -> its content: chunking and Content-Encoding undone, size bounded."""
    body = raw
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        # warcio's reader falls back to the bytes as they are when they are not really chunked
        # (our writer stores de-chunked bodies and renames the header, others do not)
        body = ChunkedDataReader(BytesIO(body)).read()
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        body = _decode_one(body, coding, max_size)
    if len(body) > max_size:
        raise PayloadTooLarge(max_size, "payload")
    return body


def _first(headers: Headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


class _WarcField:
    """A `WarcRecord` attribute read from its WARC headers: the first value, or None."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, record: WarcRecord | None, owner: type | None = None) -> str | None:
        return None if record is None else _first(record.warc_headers, self.name)


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One record: where it is, its WARC and HTTP headers, and its payload as stored."""

    file: str  # name of the WARC file holding it
    offset: int  # of its gzip member
    length: int  # of its gzip member, in bytes
    type: str
    version: str  # "WARC/1.1"
    warc_headers: Headers
    http_line: str | None  # the HTTP status or request line
    http_status: int | None
    http_headers: Headers  # in order, repeated names (Set-Cookie) kept
    raw_payload: bytes  # the HTTP body (or whole block) exactly as stored, at most max_payload bytes
    payload_length: int  # full length of the stored payload
    digest_problems: tuple[str, ...] = ()  # only looked for when reading with verify_digests

    record_id = _WarcField("WARC-Record-ID")
    date = _WarcField("WARC-Date")
    target_uri = _WarcField("WARC-Target-URI")
    content_type = _WarcField("Content-Type")  # e.g. "application/http; msgtype=response"
    payload_digest = _WarcField("WARC-Payload-Digest")
    warcinfo_id = _WarcField("WARC-Warcinfo-ID")
    refers_to = _WarcField("WARC-Refers-To")
    refers_to_target_uri = _WarcField("WARC-Refers-To-Target-URI")
    refers_to_date = _WarcField("WARC-Refers-To-Date")
    truncated = _WarcField("WARC-Truncated")  # the capture itself was cut short
    warc_filename = _WarcField("WARC-Filename")  # warcinfo records

    @property
    def concurrent_to(self) -> list[str]:
        return [v for k, v in self.warc_headers if k.lower() == "warc-concurrent-to"]

    @property
    def payload_complete(self) -> bool:
        return len(self.raw_payload) == self.payload_length

    def warc_header(self, name: str) -> str | None:
        return _first(self.warc_headers, name)

    def http_header(self, name: str) -> str | None:
        return _first(self.http_headers, name)

    def http_header_all(self, name: str) -> list[str]:
        return [v for k, v in self.http_headers if k.lower() == name.lower()]

    def decoded_payload(self, max_size: int = DEFAULT_MAX_PAYLOAD) -> bytes:
        """The body with transfer and content codings undone; raises PayloadError subclasses."""
        if not self.payload_complete:
            raise PayloadTooLarge(len(self.raw_payload), "stored payload (raise the reader's max_payload)")
        te, ce = self.http_header("Transfer-Encoding"), self.http_header("Content-Encoding")
        return decode_body(self.raw_payload, ce, te, max_size)


class _Loader(ArcWarcRecordLoader):  # type: ignore[misc]  # warcio is untyped
    """warcio's record parser without its repairs: headers are reported as stored, so that the
    check can see a bracketed or missing WARC-Target-URI (warcio strips or crashes on them)."""

    def _ensure_target_uri_format(self, rec_headers: Any) -> Any:
        return rec_headers.get_header("WARC-Target-URI")

    def load_http_headers(self, rec_type: str, uri: str | None, stream: Any, length: Any) -> Any:
        return super().load_http_headers(rec_type, (uri or "").strip("<>"), stream, length)


def _read_record(member: GzipMember, max_payload: int, verify_digests: bool = False) -> WarcRecord:
    try:
        rec = _Loader(verify_http=False, arc2warc=False).parse_record_stream(
            member, known_format="warc", check_digests=verify_digests
        )
    except (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError, ValueError) as exc:
        raise WarcFormatError(member.path, member.offset, f"unparseable WARC record: {exc}") from exc
    raw = rec.raw_stream.read(max_payload)
    total = len(raw)
    while chunk := rec.raw_stream.read(CHUNK):
        total += len(chunk)
    missing = int(getattr(rec.raw_stream, "limit", 0) or 0)
    tail, extra = member.drain(keep=9)
    if missing:
        raise WarcFormatError(
            member.path, member.offset, f"block is {missing} bytes short of its Content-Length"
        )
    if tail.startswith(b"\r\n\r\nWARC/"):
        raise WarcFormatError(member.path, member.offset, "more than one record in one gzip member")
    if tail != b"\r\n\r\n" or extra != 4:
        why = f"record does not end where its Content-Length says: then {tail!r}, {extra} bytes in all"
        raise WarcFormatError(member.path, member.offset, why)
    assert member.length is not None
    http = rec.http_headers
    status = http.get_statuscode() if http is not None and rec.rec_type in ("response", "revisit") else None
    return WarcRecord(
        file=member.path.name,
        offset=member.offset,
        length=member.length,
        type=rec.rec_type,
        version=rec.rec_headers.protocol,
        warc_headers=tuple(rec.rec_headers.headers),
        http_line=f"{http.protocol} {http.statusline}".strip() if http is not None else None,
        http_status=int(status) if status and status.isdigit() else None,
        http_headers=tuple(http.headers) if http is not None else (),
        raw_payload=raw,
        payload_length=total,
        digest_problems=tuple(rec.digest_checker.problems) if verify_digests else (),
    )


def _records_from(
    fh: BinaryIO, path: Path, start: int, opts: tuple[int, bool], on_error: ErrorHandler | None
) -> Generator[WarcRecord, None, int | None]:
    """Records from `start`; returns where to resume after a gzip-level error, or None at the end."""
    try:
        for member in iter_members(fh, path, start):
            try:
                record = _read_record(member, *opts)
            except WarcFormatError as err:
                if on_error is None or member.broken:
                    raise
                on_error(err)  # the member itself is whole: carry on with the next one
                continue
            yield record
    except WarcFormatError as err:
        if on_error is None:
            raise
        on_error(err)
        return find_member_start(fh, path, err.offset + 1)
    return None


def iter_records(
    path: Path,
    *,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    on_error: ErrorHandler | None = None,
    verify_digests: bool = False,
) -> Iterator[WarcRecord]:
    """Every record of a `.warc.gz`, in file order.

    Payloads are kept up to `max_payload` bytes each (the rest is counted, not kept). Without
    `on_error` the first problem raises `WarcFormatError`; with it, the problem is passed to
    `on_error` and reading goes on with the next readable member. With `verify_digests`, block
    and payload digests are checked the way `warcio check` does, into `digest_problems`.
    """
    path = Path(path)
    with path.open("rb") as fh:
        start: int | None = 0
        while start is not None:
            start = yield from _records_from(fh, path, start, (max_payload, verify_digests), on_error)


def read_record(path: Path, offset: int, *, max_payload: int = DEFAULT_MAX_PAYLOAD) -> WarcRecord:
    """The single record whose gzip member starts at `offset` (random access, e.g. from an index)."""
    path = Path(path)
    with path.open("rb") as fh:
        for member in iter_members(fh, path, offset):
            return _read_record(member, max_payload)
    raise WarcFormatError(path, offset, "no gzip member at this offset")


def closed_warcs(folder: Path) -> list[Path]:
    """Closed WARC files of a folder in name order; files still being written (`.open`) are not."""
    return sorted(p for p in Path(folder).iterdir() if p.name.endswith(".warc.gz") and p.is_file())


def iter_folder(
    folder: Path, *, max_payload: int = DEFAULT_MAX_PAYLOAD, on_error: ErrorHandler | None = None
) -> Iterator[WarcRecord]:
    """Every record of every closed WARC file of `folder`, files in name order."""
    for path in closed_warcs(folder):
        yield from iter_records(path, max_payload=max_payload, on_error=on_error)
