"""Write exchanges to rotating `.warc.gz` files that are never left half-valid.

A file is written as `NAME.warc.gz.open` and renamed to `NAME.warc.gz` only after it is flushed
and synced, so every file without `.open` is complete. Each record is its own gzip member, written
in one go; if a write fails (disk full), the file is cut back to where that record started, so no
partial record is ever left behind.

The file is unbuffered and a member is compressed in memory before it is written: a buffered file
keeps the unwritten part of a failed record and writes it out again on the next flush or close,
after the cut-back (checked under RLIMIT_FSIZE), which left a partial record and a file that
could not be closed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.warcwriter import BaseWARCWriter

from seedcrawl.archive.digests import CaptureHistory, CaptureInfo
from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.archive.records import (
    REVISIT_IDENTICAL,
    REVISIT_NOT_MODIFIED,
    HttpExchange,
    RecordFactory,
    RenderedPage,
    RevisitTarget,
)
from seedcrawl.outdir.atomic import fsync_dir

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
DEFAULT_MAX_FILE_SIZE = 1_000_000_000
# Level 6 compresses HTML within a few percent of level 9 (warcio's choice) at about 3x the speed.
_GZIP_LEVEL = 6


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    file: str  # final file name (without .open)
    offset: int
    length: int
    record_id: str
    record_type: str
    payload_digest: str | None
    date: str


@dataclass(frozen=True, slots=True)
class Capture:
    """What one exchange became in the archive."""

    response: WrittenRecord  # the response or revisit record
    request: WrittenRecord
    revisit_of: RevisitTarget | None


class _GzipMember:
    """File-like sink that compresses everything written into a single gzip member, in memory."""

    def __init__(self) -> None:
        self._zip = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self._parts: list[bytes] = []
        self._done = False

    def write(self, data: bytes) -> None:
        self._parts.append(self._zip.compress(data))

    def flush(self) -> None:
        if not self._done:
            self._parts.append(self._zip.flush())
            self._done = True

    def getvalue(self) -> bytes:
        self.flush()
        return b"".join(self._parts)


def _write_all(out: BinaryIO, data: bytes) -> None:
    # An unbuffered file may take less than asked (a signal, a nearly full disk).
    view = memoryview(data)
    while view:
        written = out.write(view)
        view = view[written or 0 :]


class WarcFile:
    """One WARC file being written; `close()` makes it final."""

    def __init__(self, path: Path, factory: RecordFactory, info: dict[str, str]) -> None:
        if not path.name.endswith(".warc.gz"):
            raise ValueError(f"WARC file names end in .warc.gz: {path.name}")
        self.final_path = path
        self.open_path = path.with_name(path.name + OPEN_SUFFIX)
        # O_EXCL: never reuse or append to an existing file; O_NOFOLLOW: never write through a symlink.
        fd = os.open(self.open_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        self._out: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        self._serializer = BaseWARCWriter(gzip=False, warc_version="1.1")
        self.records = 0
        warcinfo = factory.warcinfo(path.name, info)
        self.warcinfo_id: str = warcinfo.rec_headers.get_header("WARC-Record-ID")
        self.write(warcinfo)

    @property
    def name(self) -> str:
        return self.final_path.name

    @property
    def size(self) -> int:
        return self._out.tell()

    def write(self, record: Any) -> WrittenRecord:
        start = self._out.tell()
        try:
            member = _GzipMember()
            self._serializer._write_warc_record(member, record)
            _write_all(self._out, member.getvalue())
        except BaseException as exc:
            self._cut_back(start)
            if isinstance(exc, OSError):
                raise ArchiveWriteError(exc.errno, f"writing {self.open_path.name}: {exc.strerror}") from exc
            raise
        self.records += 1
        headers = record.rec_headers
        return WrittenRecord(
            file=self.name,
            offset=start,
            length=self._out.tell() - start,
            record_id=headers.get_header("WARC-Record-ID"),
            record_type=headers.get_header("WARC-Type"),
            payload_digest=headers.get_header("WARC-Payload-Digest"),
            date=headers.get_header("WARC-Date"),
        )

    def _cut_back(self, offset: int) -> None:
        # Nothing is buffered, so truncating cannot fail for lack of space; the fallback is for a
        # file object that refuses to seek.
        try:
            self._out.seek(offset)
            self._out.truncate(offset)
        except OSError:
            os.truncate(self.open_path, offset)

    def close(self) -> Path:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        os.replace(self.open_path, self.final_path)
        fsync_dir(self.final_path.parent)
        return self.final_path


class RotatingWarcWriter:
    """Writes request/response pairs, rotating files at `max_file_size` bytes.

    With a capture history (archive/digests.py), a successful response whose payload was archived
    before (in this output folder, by any run) is written as an identical-payload-digest revisit record.
    """

    def __init__(
        self,
        directory: Path,
        factory: RecordFactory,
        *,
        prefix: str = "seedcrawl",
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        info: dict[str, str] | None = None,
        digests: CaptureHistory | None = None,
    ) -> None:
        if max_file_size <= 0:
            raise ValueError(f"max_file_size must be positive, got {max_file_size}")
        if not prefix or "/" in prefix or prefix.startswith("."):
            raise ValueError(f"prefix must be a plain file name part, got {prefix!r}")
        self.directory = directory
        self.factory = factory
        self.prefix = prefix
        self.max_file_size = max_file_size
        self.info = dict(info or {})
        self.digests = digests
        self.closed_files: list[Path] = []
        self.records_written = 0
        self._current: WarcFile | None = None
        self._serial = 0

    def write_exchange(self, exchange: HttpExchange) -> Capture:
        warc = self._file()
        response = self.factory.response(exchange, warc.warcinfo_id)
        digest: str = response.rec_headers.get_header("WARC-Payload-Digest")
        original, profile = self._original_of(exchange, digest)
        if original is not None:
            digest = self._original_digest(exchange, digest)
            response = self.factory.revisit(exchange, warc.warcinfo_id, digest, original, profile)
        written = warc.write(response)
        request = warc.write(self.factory.request(exchange, warc.warcinfo_id, written.record_id))
        self.records_written += 2
        try:
            self._remember(exchange, written, digest, original, warc.name)
        except sqlite3.Error as exc:
            self._lost_digests(exc)
        if warc.size >= self.max_file_size:
            self._rotate()
        return Capture(written, request, original)

    def write_rendered(self, page: RenderedPage) -> WrittenRecord:
        """Write a rendered page's DOM as a resource record (after the page's own response)."""
        warc = self._file()
        written = warc.write(self.factory.rendered(page, warc.warcinfo_id))
        self.records_written += 1
        if warc.size >= self.max_file_size:
            self._rotate()
        return written

    def _original_of(self, exchange: HttpExchange, digest: str) -> tuple[RevisitTarget | None, str]:
        """The earlier capture this one may point at instead of storing the payload again."""
        if self.digests is None:
            return None, REVISIT_IDENTICAL
        if exchange.status == 304 and _conditional(exchange):
            previous = self.digests.last_capture(exchange.url)
            return (previous.original if previous else None), REVISIT_NOT_MODIFIED
        if _dedupable(exchange):
            return self.digests.lookup(digest), REVISIT_IDENTICAL
        return None, REVISIT_IDENTICAL

    def _original_digest(self, exchange: HttpExchange, digest: str) -> str:
        if exchange.status == 304 and self.digests is not None:
            previous = self.digests.last_capture(exchange.url)
            if previous is not None:
                return previous.payload_digest
        return digest

    def _remember(
        self,
        exchange: HttpExchange,
        written: WrittenRecord,
        digest: str,
        original: RevisitTarget | None,
        file: str,
    ) -> None:
        if self.digests is None or not (_dedupable(exchange) or (exchange.status == 304 and original)):
            return
        if original is None:
            original = RevisitTarget(exchange.url, written.date, written.record_id)
            self.digests.add(digest, original, file)
        validators = dict((name.lower(), value) for name, value in exchange.response_headers)
        info = CaptureInfo(original, digest, validators.get("etag"), validators.get("last-modified"))
        self.digests.note_capture(exchange.url, info, file)

    def _file(self) -> WarcFile:
        if self._current is None:
            self._current = WarcFile(self._next_path(), self.factory, self.info)
        return self._current

    def _next_path(self) -> Path:
        stamp = self.factory.stamp.now().strftime("%Y%m%d%H%M%S%f")[:17]
        while True:
            self._serial += 1
            path = self.directory / f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            if not path.exists() and not path.with_name(path.name + OPEN_SUFFIX).exists():
                return path

    def _rotate(self) -> None:
        if self._current is not None:
            current, self._current = self._current, None
            self.closed_files.append(current.close())
            if self.digests is not None:
                try:
                    self.digests.mark_file(current.name)
                except sqlite3.Error as exc:
                    self._lost_digests(exc)

    def _lost_digests(self, exc: sqlite3.Error) -> None:
        # The store is a cache of what the WARC files hold (its sync() reads files it has not
        # marked), so a failed write (a full disk) costs revisit records, never a capture: go on
        # without it rather than stop archiving.
        logger.warning("payload digest store failed (%s): writing without revisits from now on", exc)
        self.digests = None

    def close(self) -> list[Path]:
        """Close the open file (if any); returns every file closed by this writer."""
        self._rotate()
        return list(self.closed_files)


def _conditional(exchange: HttpExchange) -> bool:
    names = {name.lower() for name, _ in exchange.request_headers}
    return bool(names & {"if-none-match", "if-modified-since"})


def _dedupable(exchange: HttpExchange) -> bool:
    # Empty bodies (redirects, 204s) all share one digest and partial bodies are not the payload,
    # so neither may stand in for, or be replaced by, another capture.
    return 200 <= exchange.status < 300 and bool(exchange.body) and exchange.truncated is None
