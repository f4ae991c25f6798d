"""Walk the gzip members of a `.warc.gz` file without trusting it.

Each WARC record is written as its own gzip member, so member boundaries are record boundaries.
Members are split here with zlib (exact offsets, bounded memory whatever the compression ratio);
a member that does not decompress to its end (a killed writer, a full disk, corruption) raises
`WarcFormatError` at its offset, which is where the valid part of a file stops.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seedcrawl.archive.errors import WarcFormatError

CHUNK = 1 << 16
# A header line longer than this (CRLF included) is not a header: the reader refuses it, and the
# writer (archive/records.py) never writes one.
MAX_LINE = 1 << 16
GZIP_MAGIC = b"\x1f\x8b\x08"


class GzipMember:
    """The decompressed bytes of one gzip member, read lazily; `length` is set once it is read."""

    def __init__(self, fh: BinaryIO, path: Path, offset: int, pending: bytes) -> None:
        self.path, self.offset = path, offset
        self.length: int | None = None
        self.broken = False  # the gzip stream itself is bad: the next member start is unknown
        self._fh, self._input = fh, pending
        self._d = zlib.decompressobj(wbits=31)
        self._consumed = 0
        self._out = b""

    def _fail(self, reason: str) -> WarcFormatError:
        self.broken = True
        return WarcFormatError(self.path, self.offset, reason)

    def _fill(self) -> bool:
        """Decompress more output; False once the member has ended."""
        while not self._out:
            if self._d.eof:
                if self.length is None:
                    self.length = self._consumed - len(self._d.unused_data)
                return False
            if not (data := self._d.unconsumed_tail):
                data, self._input = self._input or self._fh.read(CHUNK), b""
                if not data:
                    raise self._fail("truncated gzip member: the file ends inside it")
                self._consumed += len(data)
            try:  # max_length bounds memory whatever the compression ratio
                self._out = self._d.decompress(data, CHUNK)
            except zlib.error as exc:
                raise self._fail(f"corrupt gzip data: {exc}") from exc
        return True

    def read(self, size: int | None = -1) -> bytes:
        want, parts = -1 if size is None else size, list[bytes]()
        while want and self._fill():
            part = self._out[:want] if want > 0 else self._out
            parts.append(part)
            self._out, want = self._out[len(part) :], want - len(part) if want > 0 else -1
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        limit = MAX_LINE if size is None or size < 0 else min(size, MAX_LINE)
        line = b""
        while len(line) < limit and not line.endswith(b"\n") and self._fill():
            take = self._out.find(b"\n", 0, limit - len(line)) + 1 or min(len(self._out), limit - len(line))
            line, self._out = line + self._out[:take], self._out[take:]
        if len(line) >= MAX_LINE and not line.endswith(b"\n"):
            raise WarcFormatError(self.path, self.offset, f"header line longer than {MAX_LINE} bytes")
        return line

    def drain(self, keep: int = 0) -> tuple[bytes, int]:
        """Read to the member's end: (first `keep` bytes, number of bytes read)."""
        head, count = b"", 0
        while self._fill():
            head += self._out[: max(0, keep - len(head))]
            count, self._out = count + len(self._out), b""
        return head, count


def iter_members(fh: BinaryIO, path: Path, start: int = 0) -> Iterator[GzipMember]:
    """Consecutive gzip members from `start`; each is drained before the next one is opened."""
    fh.seek(start)
    offset, pending = start, b""
    while True:
        pending = pending or fh.read(CHUNK)
        if not pending:
            return
        if len(pending) < 3:
            pending += fh.read(CHUNK)
        if not pending.startswith(GZIP_MAGIC):
            raise WarcFormatError(path, offset, f"not a gzip member (bytes {pending[:16]!r})")
        member = GzipMember(fh, path, offset, pending)
        yield member
        member.drain()
        assert member.length is not None
        offset, pending = offset + member.length, member._d.unused_data


def find_member_start(fh: BinaryIO, path: Path, start: int) -> int | None:
    """The first offset >= start where a gzip member holding a WARC record begins."""
    pos = start
    while True:
        fh.seek(pos)
        if len(buf := fh.read(CHUNK)) < 3:
            return None
        if (at := buf.find(GZIP_MAGIC)) < 0:
            pos += len(buf) - 2
            continue
        fh.seek(pos + at)
        try:
            if GzipMember(fh, path, pos + at, b"").read(5) == b"WARC/":
                return pos + at
        except WarcFormatError:
            pass
        pos += at + 1
