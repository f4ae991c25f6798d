"""`seedcrawl export DIR --format parquet|jsonl.gz [--output PATH]`: the corpus for other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seedcrawl.exits import Exit, existing_folder


def add_export_parser(commands: Any) -> None:
    from seedcrawl.pipelines.export import FORMATS

    parser = commands.add_parser(
        "export", help="write DIR/corpus/articles.jsonl as Parquet shards or one .jsonl.gz file"
    )
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    parser.add_argument(
        "--format", required=True, choices=FORMATS, help="parquet (a folder of shards) or jsonl.gz"
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write (default: DIR/export/parquet/ or DIR/export/articles.jsonl.gz)",
    )


def cmd_export(args: argparse.Namespace) -> int:
    from seedcrawl.pipelines.export import ExportError, export_corpus

    root = existing_folder(args.out)
    try:
        result = export_corpus(root.absolute(), args.format, args.output)
    except ExportError as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return Exit.USAGE
    print(f"{result.records} records in {len(result.files)} file(s): {result.path}", file=sys.stderr)
    return Exit.OK
