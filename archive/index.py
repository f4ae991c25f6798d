"""A sorted CDXJ index of every record of every closed WARC file: `DIR/indexes/index.cdxj`.

Each closed WARC in `DIR/warc/` is indexed once, with cdxj-indexer, into its own fragment
`DIR/indexes/parts/<warc name>.cdxj`; a fragment is redone only when its WARC's size or mtime
changed, and dropped when its WARC is gone (only a file that starts as our fragments do: nothing
else in `parts/` is ever deleted). The fragments are then merge-sorted into
`index.cdxj`, written to a temporary file, synced and renamed over the old one, so a reader (pywb)
sees either the old or the new index, never half of one.

"Every record" includes request, warcinfo and warc-fields metadata records (cdxj-indexer's
`records="all"`; its default leaves them out). pywb replays the first line of equal URL key and
timestamp without looking at the record type, and a request line would otherwise sort before
its response (`{"url": .., "digest"` < `{"url": .., "mime"`) and be served as the page (HTTP 500,
checked). So lines of records that are not replayed carry `"warc-type"` as their second field,
which sorts them after the replayable lines of the same capture; the file stays in plain byte
order. Replayable lines carry `"warc-type"` last.

Memory stays bounded whatever the size of a WARC file (1 GB by default, millions of lines): a
fragment is sorted in runs of `SORT_RUN` lines spilled to temporary files and merged, as the
fragments themselves are; sorting a whole file's lines in memory took the crawl process from
110 MB to 200 MB at 50,000 pages, growing with the file (bench/results/memory.md).
"""

from __future__ import annotations

import heapq
import itertools
import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cdxj_indexer.main import CDXJIndexer

from seedcrawl.archive.errors import IndexBuildError, WarcFormatError
from seedcrawl.archive.gzmembers import GzipMember
from seedcrawl.outdir.atomic import replace_atomically
from seedcrawl.outdir.layout import Layout

INDEX_NAME = "index.cdxj"
PARTS_DIR = "parts"
_SOURCE = "!source "  # first line of a fragment: which WARC it was made from, and its size and mtime
REPLAYED_TYPES = frozenset({"response", "revisit", "resource"})
SORT_RUN = 20_000  # lines sorted in memory at once (a few MB)


@dataclass(frozen=True, slots=True)
class IndexResult:
    index: Path  # DIR/indexes/index.cdxj
    indexed: list[str]  # WARC files read this time
    reused: list[str]  # WARC files whose fragment was still up to date
    dropped: list[str]  # fragments removed because their WARC file is gone
    lines: int  # lines in index.cdxj


def _stamp(warc: Path) -> dict[str, str | int]:
    stat = warc.stat()
    return {"file": warc.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _replayed(fields: dict[str, object]) -> bool:
    kind = fields.get("warc-type")
    # cdxj-indexer's own default leaves warc-fields metadata out of replay indexes
    return kind in REPLAYED_TYPES or (kind == "metadata" and fields.get("mime") != "application/warc-fields")


def _reorder(line: str) -> str:
    urlkey, timestamp, text = line.rstrip("\n").split(" ", 2)
    fields = json.loads(text)
    if not _replayed(fields):
        front = {key: fields.pop(key) for key in ("url", "warc-type") if key in fields}
        fields = {**front, **fields}
    return f"{urlkey} {timestamp} {json.dumps(fields)}\n"


def index_lines(warc: Path, spill_dir: Path | None = None) -> Iterator[str]:
    """Sorted CDXJ lines for every record of one WARC file (file names relative to its folder).

    The sort spills to unnamed temporary files beside the WARC file (or in `spill_dir`, for a
    read-only archive): on a disk, not in memory (the system's temporary folder is often a RAM disk).
    """
    spill = spill_dir or warc.parent
    # cdxj-indexer indexes nearly any bytes (as ARC records, even): refuse what is not a .warc.gz.
    # Deeper damage, such as a truncated last member, is archive.check's job, not this one's.
    with warc.open("rb") as fh:
        try:
            looks_right = GzipMember(fh, warc, 0, b"").read(5) == b"WARC/"
        except WarcFormatError:
            looks_right = False
    if not looks_right:
        raise IndexBuildError("not a gzip-compressed WARC file", warc)
    with ExitStack() as stack:
        raw = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", dir=spill))
        try:
            CDXJIndexer(
                raw, [str(warc)], records="all", fields="warc-type", dir_root=str(warc.parent)
            ).process_all()
        except Exception as exc:  # cdxj-indexer and warcio raise bare Exceptions for bad input
            raise IndexBuildError(f"cannot index: {exc}", warc) from exc
        raw.seek(0)
        runs = []
        lines = (_reorder(line) for line in raw)
        while chunk := sorted(itertools.islice(lines, SORT_RUN)):
            run = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", dir=spill))
            run.writelines(chunk)
            run.seek(0)
            runs.append(run)
        yield from heapq.merge(*runs)


def _write_atomic(path: Path, lines: Iterable[str]) -> int:
    """Write lines to a temporary file beside `path`, sync it, rename it over `path`."""

    def write(stream: BinaryIO) -> int:
        count = 0
        for line in lines:
            stream.write(line.encode("utf-8"))
            count += 1
        return count

    return replace_atomically(path, write)


def _fragment_stamp(fragment: Path) -> dict[str, object] | None:
    try:
        with fragment.open(encoding="utf-8") as fh:
            first = fh.readline()
    except (FileNotFoundError, ValueError):  # gone, or not text: not one of ours
        return None
    try:
        stamp: dict[str, object] = (
            json.loads(first.removeprefix(_SOURCE)) if first.startswith(_SOURCE) else {}
        )
    except ValueError:
        return None  # not one of ours, or damaged: index the WARC again
    return stamp or None


def _data_lines(fragment: Path, stack: ExitStack) -> Iterator[str]:
    fh = stack.enter_context(fragment.open(encoding="utf-8"))
    return (line for line in fh if not line.startswith("!"))


def build_index(out_dir: Path) -> IndexResult:
    """Bring `DIR/indexes/index.cdxj` up to date with the closed WARC files in `DIR/warc/`."""
    layout = Layout.create(out_dir)  # refuses links and pipes: `parts` leading elsewhere above all
    parts = layout.index_dir / PARTS_DIR
    parts.mkdir(exist_ok=True)
    warcs = layout.closed_warcs()
    indexed, reused = [], []
    for warc in warcs:
        fragment = parts / f"{warc.name}.cdxj"
        stamp = _stamp(warc)
        if _fragment_stamp(fragment) == stamp:
            reused.append(warc.name)
            continue
        _write_atomic(fragment, itertools.chain([_SOURCE + json.dumps(stamp) + "\n"], index_lines(warc)))
        indexed.append(warc.name)
    names = {f"{warc.name}.cdxj" for warc in warcs}
    dropped = []
    for fragment in sorted(parts.glob("*.cdxj")):
        # Only fragments this code wrote (they start with their source line) are ever deleted.
        if fragment.name not in names and _fragment_stamp(fragment) is not None:
            fragment.unlink()
            dropped.append(fragment.name.removesuffix(".cdxj"))
    index = layout.index_dir / INDEX_NAME
    try:
        with ExitStack() as stack:
            # every fragment is sorted, so a k-way merge keeps memory to one line per WARC file
            merged = heapq.merge(*(_data_lines(parts / name, stack) for name in sorted(names)))
            count = _write_atomic(index, merged)
    except OSError as exc:
        raise IndexBuildError(f"cannot write {index}: {exc}") from exc
    return IndexResult(index, indexed, reused, dropped, count)
