"""Build small WARC files for tests: a golden one, and broken copies of it.

Record ids, dates and gzip headers are fixed, so a file built twice is byte-identical and tests can
name records by id. It is written with warcio, not our writer: reader and check are tested against
an independent producer. Broken copies are made by gzip-member surgery (split, edit, recompress),
which is how real damage looks: a cut-off last member, an edited header, bytes after the end.

Regenerate the committed fixtures with `python tests/support/warcs.py tests/fixtures/warc`.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import zlib
from base64 import b32encode
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

GOLDEN_NAME = "golden-00000.warc.gz"
HTML = b"<!doctype html><html><head><title>%s</title></head><body><p>%s</p></body></html>\n"


def record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


@dataclass(frozen=True)
class Capture:
    """One HTTP exchange as sent on the wire (body still content-encoded)."""

    url: str
    date: str  # WARC-Date, e.g. "2026-11-22T10:00:01Z"
    body: bytes
    headers: list[tuple[str, str]]
    status: str = "200 OK"
    response_id: str = ""
    request_id: str = ""

    @property
    def timestamp(self) -> str:
        return "".join(ch for ch in self.date if ch.isdigit())[:14]


class WarcBuilder:
    """Writes a WARC/1.1 file with one record per gzip member, warcinfo first."""

    def __init__(self, filename: str, first_id: int = 1) -> None:
        self.filename = filename
        self.warcinfo_id = ""
        self.ids: list[str] = []
        self._next = first_id
        self._buf = BytesIO()
        self._writer = WARCWriter(self._buf, gzip=True, warc_version="1.1")

    def _id(self) -> str:
        rid = record_id(self._next)
        self._next += 1
        self.ids.append(rid)
        return rid

    def _headers(self, rid: str, date: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"WARC-Record-ID": rid, "WARC-Date": date}
        if self.warcinfo_id:
            headers["WARC-Warcinfo-ID"] = self.warcinfo_id
        headers.update(extra or {})
        return headers

    def warcinfo(self, date: str = "2026-11-22T10:00:00Z", run_id: str | None = None) -> str:
        """`run_id`: the seedcrawl-run-id field a crawl writes (none by default: a foreign WARC)."""
        rid = self._id()
        fields = b"software: seedcrawl-tests\r\nformat: WARC File Format 1.1\r\n"
        if run_id is not None:
            fields += f"seedcrawl-run-id: {run_id}\r\n".encode()
        rec = self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(fields),
            length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._headers(rid, date, {"WARC-Filename": self.filename}),
        )
        self._writer.write_record(rec)
        self.warcinfo_id = rid
        return rid

    def exchange(
        self, url: str, date: str, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK"
    ) -> Capture:
        """A request record then its response record (the order Scrapy sees them in)."""
        req_id, resp_id = self._id(), self._id()
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        host = url.split("/")[2]
        req_http = StatusAndHeaders(
            f"GET /{path} HTTP/1.1", [("Host", host), ("Accept-Encoding", "gzip")], is_http_request=True
        )
        req = self._writer.create_warc_record(
            url,
            "request",
            http_headers=req_http,
            warc_headers_dict=self._headers(req_id, date, {"WARC-Concurrent-To": resp_id}),
        )
        resp_http = StatusAndHeaders(status, list(headers), protocol="HTTP/1.1")
        resp = self._writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=resp_http,
            warc_headers_dict=self._headers(resp_id, date, {"WARC-IP-Address": "127.0.0.1"}),
        )
        self._writer.write_record(req)
        self._writer.write_record(resp)
        return Capture(url, date, body, list(headers), status, resp_id, req_id)

    def revisit(self, original: Capture, date: str) -> str:
        rid = self._id()
        http = StatusAndHeaders(original.status, list(original.headers), protocol="HTTP/1.1")
        rec = self._writer.create_revisit_record(
            original.url,
            sha1_b32(original.body),
            original.url,
            original.date,
            http_headers=http,
            warc_headers_dict=self._headers(rid, date, {"WARC-Refers-To": original.response_id}),
        )
        self._writer.write_record(rec)
        return rid

    def save(self, path: Path) -> Path:
        path.write_bytes(self._buf.getvalue())
        return path


@dataclass(frozen=True)
class Golden:
    path: Path
    captures: list[Capture]  # plain, gzip-encoded, cookies (responses), in file order
    record_ids: list[str]
    types: dict[str, int]  # records per WARC-Type


def html_page(title: str, text: str = "Hello") -> bytes:
    return HTML % (title.encode(), text.encode())


def _http_headers(
    body: bytes, *extra: tuple[str, str], ctype: str = "text/html; charset=utf-8"
) -> list[tuple[str, str]]:
    return [("Content-Type", ctype), *extra, ("Content-Length", str(len(body)))]


def build_golden(path: Path, *, first_id: int = 1, host: str = "news.example.test") -> Golden:
    """warcinfo, three request/response pairs (plain, gzip-encoded, two Set-Cookie), one revisit.

    Member indexes: 0 warcinfo, 1 request, 2 response (plain), 3 request, 4 response (gzip),
    5 request, 6 response (cookies), 7 revisit (of plain).
    """
    b = WarcBuilder(path.name, first_id=first_id)
    b.warcinfo()
    body = html_page("Plain", "A plain page.")
    plain = b.exchange(f"https://{host}/plain", "2026-11-22T10:00:01Z", body, _http_headers(body))
    body = gzip.compress(html_page("Gzipped", "Sent with Content-Encoding: gzip."), mtime=0)
    gz_headers = _http_headers(body, ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding"))
    gzipped = b.exchange(f"https://{host}/gzipped?x=1", "2026-11-22T10:00:02Z", body, gz_headers)
    body = html_page("Cookies", "Two cookies.")
    cookie_headers = _http_headers(
        body, ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"), ctype="text/html"
    )
    cookies = b.exchange(f"https://{host}/cookies", "2026-11-22T10:00:03Z", body, cookie_headers)
    b.revisit(plain, "2026-11-22T11:00:00Z")
    b.save(path)
    types = {"warcinfo": 1, "request": 3, "response": 3, "revisit": 1}
    return Golden(path, [plain, gzipped, cookies], list(b.ids), types)


# --- member-level surgery for broken copies ----------------------------------------------------


def split_members(data: bytes) -> list[bytes]:
    """The compressed gzip members of a .warc.gz, byte for byte."""
    members, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(wbits=31)
        d.decompress(data[pos:])
        end = len(data) - len(d.unused_data)
        members.append(data[pos:end])
        pos = end
    return members


def gz(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def edit_header(data: bytes, index: int, name: str, value: str | None) -> bytes:
    """Set (or with None remove) a WARC header of the index-th record; the block is untouched."""
    members = split_members(data)
    raw = zlib.decompress(members[index], wbits=31)
    head, sep, rest = raw.partition(b"\r\n\r\n")
    key = name.lower().encode() + b":"
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(key)]
    if value is not None:
        lines.append(f"{name}: {value}".encode())
    members[index] = gz(b"\r\n".join(lines) + sep + rest)
    return b"".join(members)


def set_version(data: bytes, index: int, version: str) -> bytes:
    members = split_members(data)
    raw = zlib.decompress(members[index], wbits=31)
    members[index] = gz(version.encode() + raw[raw.index(b"\r\n") :])
    return b"".join(members)


def member_offsets(data: bytes) -> list[int]:
    sizes = [len(member) for member in split_members(data)]
    return [sum(sizes[:i]) for i in range(len(sizes))]


def header_of(data: bytes, index: int, name: str) -> str:
    head = zlib.decompress(split_members(data)[index], wbits=31).split(b"\r\n\r\n", 1)[0].decode()
    return next(
        ln.split(":", 1)[1].strip() for ln in head.split("\r\n") if ln.lower().startswith(f"{name.lower()}:")
    )


RESPONSE = 2  # the member holding the first response record of a golden file


def truncated(data: bytes) -> bytes:
    """Cut the last gzip member short, as a crash in the middle of a write would."""
    last = split_members(data)[-1]
    return data[: len(data) - len(last) // 2]


def content_length_mismatch(data: bytes, delta: int = -3) -> bytes:
    length = int(header_of(data, RESPONSE, "Content-Length"))
    return edit_header(data, RESPONSE, "Content-Length", str(length + delta))


def bad_payload_digest(data: bytes) -> bytes:
    return edit_header(data, RESPONSE, "WARC-Payload-Digest", sha1_b32(b"other"))


def missing_warcinfo(data: bytes) -> bytes:
    return b"".join(split_members(data)[1:])


def trailing_garbage(data: bytes) -> bytes:
    return data + b"this is not gzip\n"


def two_records_in_one_member(data: bytes) -> bytes:
    members = split_members(data)
    merged = gz(zlib.decompress(members[1], wbits=31) + zlib.decompress(members[2], wbits=31))
    return b"".join([members[0], merged, *members[3:]])


BROKEN = {
    "truncated": truncated,
    "content-length": content_length_mismatch,
    "payload-digest": bad_payload_digest,
    "no-warcinfo": missing_warcinfo,
    "trailing-garbage": trailing_garbage,
    "two-in-one-member": two_records_in_one_member,
}


def warcio_check(path: Path) -> tuple[int, str]:
    """The real `warcio check -v` as a second opinion: (exit code, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def write_fixtures(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    golden = build_golden(folder / GOLDEN_NAME)
    data = golden.path.read_bytes()
    for name, breaker in BROKEN.items():
        (folder / f"broken-{name}.warc.gz").write_bytes(breaker(data))


if __name__ == "__main__":
    write_fixtures(Path(sys.argv[1]))
