"""Exceptions raised by the archive package.

Everything derives from `ArchiveError`, so a caller that only wants "the archive layer failed"
catches one class. The subclasses say what went wrong and carry the facts needed to act on it:

- `WarcFormatError`: a file's bytes are not a well-formed WARC at `offset` (corrupt or truncated
  gzip member, unparseable record). Carries the file and the gzip-member offset, so a caller can
  report it, skip the member, or cut the file back to the last whole record.
- `PayloadError`: one record's payload cannot be turned into content: `PayloadTooLarge` (over a
  size bound, possibly a decompression bomb) or `ContentDecodingError` (unknown or broken
  Content-Encoding). The record itself is fine; only its content is unusable.
- `IndexBuildError`: the CDXJ index could not be built from the closed WARC files.
- `ArchiveWriteError`: a record could not be written (disk full); the file was cut back to its
  last whole record. Also an `OSError`, with the errno of the failed write.

Errors about the output folder itself (`OutputError`, `FolderBusy`) live in seedcrawl/outdir/errors.py.

A strict check (`archive.check`) never raises for a broken WARC: broken files are its normal
input, and it reports them as problems instead.
"""

from __future__ import annotations

from pathlib import Path


class ArchiveError(Exception):
    """Base class for every error raised by the archive package."""


class WarcFormatError(ArchiveError):
    """A WARC file is malformed at a byte offset (a gzip member or the record inside it)."""

    def __init__(self, file: Path | str, offset: int, reason: str) -> None:
        super().__init__(f"{file}: offset {offset}: {reason}")
        self.file = Path(file)
        self.offset = offset
        self.reason = reason


class PayloadError(ArchiveError):
    """A record's payload cannot be read as content."""


class PayloadTooLarge(PayloadError):
    """A payload is, or decodes to, more than the allowed number of bytes."""

    def __init__(self, limit: int, what: str = "payload") -> None:
        super().__init__(f"{what} exceeds {limit} bytes")
        self.limit = limit


class ContentDecodingError(PayloadError):
    """A payload's Content-Encoding is unknown or its bytes do not decode."""

    def __init__(self, encoding: str, detail: str = "") -> None:
        super().__init__(f"cannot decode Content-Encoding {encoding!r}" + (f": {detail}" if detail else ""))
        self.encoding = encoding


class IndexBuildError(ArchiveError):
    """The CDXJ index could not be built (an input WARC could not be indexed, or the write failed)."""

    def __init__(self, reason: str, file: Path | str | None = None) -> None:
        super().__init__(f"{file}: {reason}" if file is not None else reason)
        self.file = Path(file) if file is not None else None
        self.reason = reason


class ArchiveWriteError(ArchiveError, OSError):
    """A record could not be written; the file was cut back to its last whole record."""
