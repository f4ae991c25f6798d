"""`seedcrawl process DIR`: build or extend the corpus from the folder's closed WARC files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_dedup_threshold(parser: argparse.ArgumentParser) -> None:
    """`--dedup-threshold`, shared by `process` and `run`."""
    parser.add_argument(
        "--dedup-threshold",
        type=float,
        metavar="J",
        help="estimated Jaccard similarity at or above which articles are near duplicates",
    )


def add_process_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "process", help="extract, deduplicate and write DIR/corpus/*.jsonl from DIR/warc/*.warc.gz"
    )
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    parser.add_argument(
        "--workers", type=int, metavar="N", help="extraction processes (default: one per CPU)"
    )
    add_dedup_threshold(parser)
    parser.add_argument(
        "--redis", metavar="URL", help="share the dedup index in Redis (redis://host:port/db)"
    )
    parser.add_argument(
        "--topic-file",
        type=Path,
        metavar="FILE",
        help="topic profile (default: the one the crawl saved in DIR/state/topic.json)",
    )
    parser.add_argument(
        "--keep-off-topic", action="store_true", help="keep articles below the topic threshold"
    )
    parser.add_argument(
        "--language",
        metavar="CODES",
        help="keep only articles whose text is in these languages (ISO 639-1, e.g. en,de); "
        "others go to rejects.jsonl with reason 'language'",
    )


def cmd_process(args: argparse.Namespace) -> int:
    from archive.layout import Layout
    from pipelines.corpus import ARTICLES
    from pipelines.extract import ExtractOptions
    from pipelines.language import parse_languages
    from pipelines.runner import ProcessOptions, process_folder

    if not args.out.is_dir():
        print(f"seedcrawl: {args.out} is not a folder", file=sys.stderr)
        return 2
    options = ProcessOptions(
        redis_url=args.redis,
        topic_file=args.topic_file,
        keep_off_topic=args.keep_off_topic,
        dedup_threshold=args.dedup_threshold,
    )
    if args.language is not None:
        try:
            options.extract = ExtractOptions(languages=parse_languages(args.language))
        except ValueError as err:
            print(f"seedcrawl: {err}", file=sys.stderr)
            return 2
    if args.workers is not None:
        if args.workers < 1:
            print("seedcrawl: --workers must be 1 or more", file=sys.stderr)
            return 2
        options.workers = args.workers
    report = process_folder(args.out, options)
    skipped = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.reasons.items())) or "none"
    print(
        f"{report.warc_files} new WARC files, {report.records} records: {report.articles} new articles, "
        f"{report.duplicates} duplicates, {report.rejects} rejects ({report.errors} errors) in {report.seconds:.1f} s\n"
        f"  skipped by reason: {skipped}\n"
        f"corpus: {Layout(args.out.absolute()).corpus_dir / ARTICLES}",
        file=sys.stderr,
    )
    return 0
