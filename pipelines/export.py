"""`seedcrawl export`: the corpus as Parquet shards or one gzipped JSON Lines file.

Parquet is written with an explicit pyarrow schema derived from the JSON Schema (pipelines/columns.py),
never one inferred from the data, so every shard of every export has the same types whatever the
records hold (a `relevance` null everywhere is still a double). Row groups are small enough that a
streaming reader holds one at a time; zstd compresses. The records are those of articles.jsonl,
in its order. Output goes to a temporary name and is renamed into place, so a reader never sees a
half-written export and a failed export leaves the previous one.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from seedcrawl.contract.records import ARTICLES, iter_lines
from seedcrawl.outdir.atomic import fsync_dir, replace_atomically
from seedcrawl.pipelines.columns import arrow_schema, columns, typed_row

FORMATS = ("parquet", "jsonl.gz")
ROWS_PER_GROUP = 1_000  # a few MB of news text: what a streaming reader holds at once
ROWS_PER_SHARD = 100_000


class ExportError(ValueError):
    """The export cannot be written where asked (the message says why)."""


@dataclass
class ExportResult:
    path: Path
    records: int = 0
    files: list[Path] = field(default_factory=list)


def default_output(root: Path, fmt: str) -> Path:
    return root / "export" / ("parquet" if fmt == "parquet" else "articles.jsonl.gz")


def export_corpus(root: Path, fmt: str, output: Path | None = None) -> ExportResult:
    if fmt not in FORMATS:
        raise ExportError(f"--format takes {' or '.join(FORMATS)}, got {fmt!r}")
    source = root / "corpus" / ARTICLES
    if not source.exists():
        raise ExportError(f"no corpus to export: {source} does not exist (run `seedcrawl process` first)")
    target = (output or default_output(root, fmt)).absolute()
    if target.is_symlink():
        raise ExportError(f"refusing to write through the symbolic link {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl.gz":
        records = replace_atomically(target, lambda stream: _write_jsonl_gz(source, stream))
        return ExportResult(target, records, [target])
    return _write_parquet(source, target)


def _write_jsonl_gz(source: Path, stream: BinaryIO) -> int:
    count = 0
    # the corpus's own complete lines, byte for byte (a torn last line is left out); level 6 as
    # gzip's own default: level 9 costs about twice the CPU for a few percent
    with (
        gzip.GzipFile(fileobj=stream, mode="wb", mtime=0, compresslevel=6) as packed,
        source.open("rb") as lines,
    ):
        for line in lines:
            if line.endswith(b"\n"):
                packed.write(line)
                count += 1
    return count


def _batches(source: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    cols = columns()
    rows = (typed_row(record, cols) for record in iter_lines(source))
    while batch := list(islice(rows, size)):
        yield batch


class _Shards:
    """Parquet files of at most ROWS_PER_SHARD rows each, in one folder."""

    def __init__(self, folder: Path, schema: Any) -> None:
        self.folder, self.schema = folder, schema
        self.files: list[Path] = []
        self.writer: Any = None
        self.rows = 0

    def write(self, table: Any) -> None:
        if self.writer is None or self.rows >= ROWS_PER_SHARD:
            self._next()
        self.writer.write_table(table, row_group_size=ROWS_PER_GROUP)
        self.rows += table.num_rows

    def _next(self) -> None:
        import pyarrow.parquet as pq

        self.close()
        self.files.append(self.folder / f"train-{len(self.files):05d}.parquet")
        self.writer, self.rows = pq.ParquetWriter(str(self.files[-1]), self.schema, compression="zstd"), 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _write_parquet(source: Path, target: Path) -> ExportResult:
    import pyarrow as pa

    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a folder (Parquet shards go into a folder)")
    schema = arrow_schema()
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    shards = _Shards(staging, schema)
    result = ExportResult(target)
    try:
        for batch in _batches(source, ROWS_PER_GROUP):
            shards.write(pa.Table.from_pylist(batch, schema=schema))
            result.records += len(batch)
        if not shards.files:  # an empty corpus is one empty shard with the schema, not nothing
            shards.write(schema.empty_table())
        shards.close()
        _swap_in(staging, target)
    except BaseException:
        shards.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.files = [target / path.name for path in shards.files]
    return result


def _swap_in(staging: Path, target: Path) -> None:
    """Put the new shard folder in place of the old one (each rename is atomic)."""
    for shard in staging.iterdir():
        with shard.open("rb") as stream:
            os.fsync(stream.fileno())
    fsync_dir(staging)
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)
