"""A strict check of `.warc.gz` files, for archivists who must trust them.

`warcio check` verifies digests but exits 0 on a truncated file: it silently drops a broken last
gzip member. This check reads the file through `archive.reader`, which frames gzip members
itself (every member decompressed to its end, CRC and size checked as `gzip -t` does, no bytes
after the last one, exactly one record per member whose block is as long as its Content-Length)
and verifies block and payload digests as `warcio check` does. On top it checks the structure
replay tools rely on (see `_FileRules`). It never raises for a broken file: problems are its
output, each with the offset of the gzip member it was found in.

A faithful copy of a misbehaving server is a valid archive. What a server sent oddly but the
crawler archived as transferred (a status line such as `HTTP/1.1 999`, `FTP/1.1 200` or
`HTTP/10.0 200`; `Content-Encoding: gzip` on a body that is not gzip) is a warning, which leaves
the file valid; only what no server could have sent that way (no status code at all, a record
that is not whole) is a problem.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from seedcrawl.archive.errors import WarcFormatError
from seedcrawl.archive.reader import WarcRecord, closed_warcs, iter_records

TRUNCATED_VALUES = frozenset({"length", "time", "disconnect", "unspecified"})
REVISIT_PROFILES = frozenset(
    f"http://netpreserve.org/warc/{version}/revisit/{profile}"
    for version in ("1.0", "1.1")
    for profile in ("identical-payload-digest", "server-not-modified")
)
MANDATORY = ("WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length")
NEEDS_TARGET = frozenset({"response", "request", "revisit", "resource"})
PREFIX = 64  # payload bytes kept per record: enough to see whether a body is really chunked
RE_RECORD_ID = re.compile(r"<[^<>\s]+:[^<>\s]+>")
RE_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
RE_STATUS_LINE = re.compile(r"HTTP/\d(\.\d)? [1-5]\d\d( .*)?")
# What the crawler archives for any status line its HTTP client accepted: protocol token (any, even
# empty), numeric version and an integer code (Twisted parses both with int()), then a reason.
# RE_STATUS_LINE's lines are a subset; the others are warnings.
RE_ANY_STATUS_LINE = re.compile(r"[^/\s]*/\d+(\.\d+)? -?\d+( .*)?")
RE_REQUEST_LINE = re.compile(r"[A-Z]+ \S+ HTTP/\d(\.\d)?")
RE_CHUNK = re.compile(rb"[0-9A-Fa-f]+[ \t]*(;[^\r\n]*)?\r\n")


class Code(StrEnum):
    FORMAT = "warc_format"  # gzip framing (truncated, corrupt, garbage, two records), Content-Length
    DIGEST = "digest"  # block or payload digest does not match the stored bytes
    VERSION = "warc_version"
    HEADER = "warc_header"  # a mandatory field missing, a malformed record id or date
    WARCINFO = "warcinfo"  # not first, or not what WARC-Warcinfo-ID names
    DUPLICATE_ID = "duplicate_record_id"
    CONCURRENT = "request_concurrent_to"
    HTTP = "http_message"  # response/request Content-Type, status or request line, chunking
    TARGET_URI = "target_uri"
    REVISIT = "revisit"
    TRUNCATED = "warc_truncated"
    RECORD_COUNT = "record_count"


@dataclass(frozen=True, slots=True)
class Problem:
    offset: int | None  # of the gzip member it was found in; None for the file as a whole
    code: Code
    message: str


@dataclass(slots=True)
class CheckReport:
    file: Path
    records: Counter[str] = field(default_factory=Counter)  # readable records per WARC-Type
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # oddities archived as sent: still ok

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        return sum(self.records.values())

    def codes(self) -> set[Code]:
        return {p.code for p in self.problems}

    def warning_codes(self) -> set[Code]:
        return {p.code for p in self.warnings}

    def problem(self, offset: int | None, code: Code, message: str) -> None:
        self.problems.append(Problem(offset, code, message))

    def warn(self, offset: int | None, code: Code, message: str) -> None:
        self.warnings.append(Problem(offset, code, message))


@dataclass(frozen=True, slots=True)
class FolderReport:
    reports: list[CheckReport]
    open_files: list[Path]  # `.warc.gz.open` files nothing closed (a crash not yet recovered)

    @property
    def ok(self) -> bool:
        return not self.open_files and all(r.ok for r in self.reports)


class _FileRules:
    """The per-record rules, and those that span records: warcinfo first, unique ids, pairing."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        self.types: dict[str, str] = {}  # record id -> WARC-Type
        self.warcinfo_id: str | None = None
        self.requests: list[tuple[int, list[str]]] = []  # offset, WARC-Concurrent-To values

    def add(self, rec: WarcRecord) -> None:
        at, kind, rid = rec.offset, rec.type, rec.record_id or ""
        first = self.report.total == 0
        self.report.records[kind] += 1
        problem = self.report.problem
        for message in rec.digest_problems:
            problem(at, Code.DIGEST, message)
        if rec.version != "WARC/1.1":
            problem(at, Code.VERSION, f"{rec.version}, not WARC/1.1")
        present = {name.lower() for name, _ in rec.warc_headers}
        for name in MANDATORY:
            if name.lower() not in present:
                problem(at, Code.HEADER, f"no {name}")
        if rid and not RE_RECORD_ID.fullmatch(rid):
            problem(at, Code.HEADER, f"WARC-Record-ID {rid!r} is not <uri>")
        if rid and rid in self.types:
            problem(at, Code.DUPLICATE_ID, f"WARC-Record-ID {rid} is used twice")
        elif rid:
            self.types[rid] = kind
        if rec.date and not RE_DATE.fullmatch(rec.date):
            problem(at, Code.HEADER, f"WARC-Date {rec.date!r} is not an ISO 8601 UTC date")
        if first and kind != "warcinfo":
            problem(at, Code.WARCINFO, f"the first record is {kind}, not warcinfo")
        elif first:
            self.warcinfo_id = rid
        elif self.warcinfo_id and rec.warcinfo_id != self.warcinfo_id:
            problem(at, Code.WARCINFO, f"WARC-Warcinfo-ID {rec.warcinfo_id} is not {self.warcinfo_id}")
        uri = rec.target_uri
        if kind in NEEDS_TARGET and not uri:
            problem(at, Code.TARGET_URI, f"{kind} record without WARC-Target-URI")
        if uri and (uri[:1] == "<" or uri[-1:] == ">" or any(c.isspace() for c in uri)):
            problem(at, Code.TARGET_URI, f"WARC-Target-URI {uri!r} has angle brackets or spaces")
        if rec.truncated is not None and rec.truncated not in TRUNCATED_VALUES:
            problem(at, Code.TRUNCATED, f"WARC-Truncated {rec.truncated!r} not in {sorted(TRUNCATED_VALUES)}")
        self._http(rec)
        if kind == "revisit":
            self._revisit(rec)
        elif kind == "request":
            self.requests.append((at, rec.concurrent_to))

    def _http(self, rec: WarcRecord) -> None:
        kind, problem = rec.type, self.report.problem
        if kind in ("response", "request"):
            got = (rec.content_type or "").replace(" ", "").lower()
            if got != f"application/http;msgtype={kind}":
                problem(rec.offset, Code.HTTP, f"{kind} with Content-Type {rec.content_type!r}")
        line = rec.http_line or ""
        if kind == "request" and not RE_REQUEST_LINE.fullmatch(line):
            problem(rec.offset, Code.HTTP, f"unparseable HTTP request line {line!r}")
        elif kind == "response" or (kind == "revisit" and line):
            if not RE_ANY_STATUS_LINE.fullmatch(line):
                problem(rec.offset, Code.HTTP, f"unparseable HTTP status line {line!r}")
            elif not RE_STATUS_LINE.fullmatch(line):
                self.report.warn(rec.offset, Code.HTTP, f"unusual status line {line!r}, archived as sent")
        if kind not in ("response", "resource") or not rec.raw_payload:
            return
        chunked = "chunked" in ",".join(rec.http_header_all("Transfer-Encoding")).lower()
        if chunked and not RE_CHUNK.match(rec.raw_payload):
            # replay tools would try to de-chunk a body that was stored de-chunked
            problem(rec.offset, Code.HTTP, "Transfer-Encoding: chunked on a body that is not chunked")
        codings = (rec.http_header("Content-Encoding") or "").replace(" ", "").lower().split(",")
        if not chunked and codings[-1] in ("gzip", "x-gzip") and not rec.raw_payload.startswith(b"\x1f\x8b"):
            # The server's own mislabel, archived as sent (our writer never decodes a body). Replay
            # of it fails in browsers as it did live; pywb's id_ serves it as gzip (checked).
            self.report.warn(
                rec.offset, Code.HTTP, "Content-Encoding: gzip on a body that is not gzip, as sent"
            )

    def _revisit(self, rec: WarcRecord) -> None:
        profile, problem = rec.warc_header("WARC-Profile"), self.report.problem
        if profile not in REVISIT_PROFILES:
            problem(rec.offset, Code.REVISIT, f"revisit with WARC-Profile {profile!r}")
        if not rec.refers_to_target_uri:
            problem(rec.offset, Code.REVISIT, "revisit without WARC-Refers-To-Target-URI")
        if not rec.refers_to_date:
            problem(rec.offset, Code.REVISIT, "revisit without WARC-Refers-To-Date")
        if profile and profile.endswith("/identical-payload-digest") and not rec.payload_digest:
            problem(rec.offset, Code.REVISIT, "identical-payload-digest revisit without WARC-Payload-Digest")

    def finish(self, expected_records: int | None) -> None:
        problem = self.report.problem
        for at, targets in self.requests:
            if not targets:
                problem(at, Code.CONCURRENT, "request without WARC-Concurrent-To")
            for target in targets:
                kind = self.types.get(target)
                if kind not in ("response", "revisit"):
                    what = f"a {kind} record" if kind else "no record in this file"
                    problem(at, Code.CONCURRENT, f"WARC-Concurrent-To {target} names {what}")
        if self.report.total == 0:
            problem(None, Code.RECORD_COUNT, "no readable record")
        if expected_records is not None and self.report.total != expected_records:
            problem(None, Code.RECORD_COUNT, f"{self.report.total} records, expected {expected_records}")


def check_file(path: Path, *, expected_records: int | None = None) -> CheckReport:
    """Check one `.warc.gz`; `expected_records` is the count its writer logged, when known."""
    report = CheckReport(Path(path))
    rules = _FileRules(report)

    def on_error(err: WarcFormatError) -> None:
        report.problem(err.offset, Code.FORMAT, err.reason)

    for record in iter_records(report.file, max_payload=PREFIX, on_error=on_error, verify_digests=True):
        rules.add(record)
    rules.finish(expected_records)
    report.problems.sort(key=lambda p: -1 if p.offset is None else p.offset)
    report.warnings.sort(key=lambda p: -1 if p.offset is None else p.offset)
    return report


def check_folder(warc_dir: Path, *, expected_records: dict[str, int] | None = None) -> FolderReport:
    """Check every closed WARC of a folder (by name); `.open` files are listed as a problem."""
    expected = expected_records or {}
    folder = Path(warc_dir)
    reports = [check_file(p, expected_records=expected.get(p.name)) for p in closed_warcs(folder)]
    return FolderReport(reports, sorted(folder.glob("*.warc.gz.open")))
