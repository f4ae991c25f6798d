"""Make a folder of WARC files whole again after a crash.

A `.warc.gz.open` file is what a killed writer left. Its complete gzip members are complete
records, so it is cut back to the end of the last one and closed under its final name. It is never
appended to: a new run always starts a new file. A file with no whole record at all is set aside
under `.warc.gz.partial` rather than deleted.

A symlink is never followed: a link planted as `x.warc.gz.open` would otherwise have the file it
points at cut back, wherever that is. It is refused with `OutputError`, the target untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.archive.errors import WarcFormatError
from seedcrawl.archive.gzmembers import iter_members
from seedcrawl.archive.writer import OPEN_SUFFIX
from seedcrawl.outdir.errors import OutputError

PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True, slots=True)
class Recovered:
    path: Path  # where the file is now
    records: int  # whole records kept
    bytes_cut: int  # trailing bytes removed
    set_aside: bool  # True when nothing whole was left


def recover_open_files(warc_dir: Path, prefix: str | None = None) -> list[Recovered]:
    """Recover every open file, or only those a writer with `prefix` wrote (a crawl shard must not
    cut back the file another shard is writing)."""
    pattern = f"{prefix}-[0-9]*" if prefix else "*"
    return [recover_file(path) for path in sorted(warc_dir.glob(f"{pattern}.warc.gz{OPEN_SUFFIX}"))]


def recover_file(path: Path) -> Recovered:
    if not path.name.endswith(".warc.gz" + OPEN_SUFFIX):
        raise ValueError(f"not an open WARC file: {path}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        if path.is_symlink():
            raise OutputError(f"refusing to recover {path}: it is a symbolic link, not a WARC file") from None
        raise
    with os.fdopen(fd, "r+b") as stream:
        size = os.fstat(stream.fileno()).st_size
        records, good_end = 0, 0
        try:
            for member in iter_members(stream, path):
                member.drain()
                assert member.length is not None
                records += 1
                good_end = member.offset + member.length
        except WarcFormatError:
            pass
        if records:
            stream.truncate(good_end)
            stream.flush()
            os.fsync(stream.fileno())
    final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
    if records == 0:
        aside = final.with_name(final.name + PARTIAL_SUFFIX)
        os.replace(path, aside)
        return Recovered(aside, 0, 0, True)
    os.replace(path, final)
    return Recovered(final, records, size - good_end, False)
