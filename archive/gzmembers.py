"""Walk the gzip members of a `.warc.gz` file without trusting it.

Each WARC record is written as its own gzip member, so member boundaries are record boundaries.
A member that does not decompress to its end (a killed writer, a full disk) marks where the valid
part of a file stops.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Member:
    start: int  # offset of the member's first byte
    end: int  # offset just past its last byte (== start + compressed length)
    size: int  # decompressed size


class BadMember(Exception):
    """The gzip data at `offset` is not a complete, valid member."""

    def __init__(self, offset: int, why: str) -> None:
        super().__init__(f"bad gzip member at offset {offset}: {why}")
        self.offset = offset
        self.why = why


def iter_members(stream: BinaryIO) -> Iterator[Member]:
    """Yield every complete member from the current position; raise `BadMember` at the first bad one.

    Decompressed data is counted, not kept, so memory stays flat whatever the member sizes.
    """
    pos = stream.tell()
    pending = b""
    while True:
        if not pending:
            pending = stream.read(_CHUNK)
            if not pending:
                return
        start = pos
        inflater = zlib.decompressobj(wbits=31)
        size = 0
        while True:
            try:
                size += len(inflater.decompress(pending))
            except zlib.error as exc:
                raise BadMember(start, str(exc)) from None
            if inflater.eof:
                consumed = len(pending) - len(inflater.unused_data)
                pos += consumed
                pending = inflater.unused_data
                break
            pos += len(pending)
            pending = stream.read(_CHUNK)
            if not pending:
                raise BadMember(start, "member ends before its gzip trailer")
        yield Member(start, pos, size)
