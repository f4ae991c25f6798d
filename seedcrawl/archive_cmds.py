"""`seedcrawl check DIR` and `seedcrawl index DIR`: the archive on its own, for archivists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seedcrawl.exits import Exit, closed_warcs_or_nothing, existing_folder, nothing_to_do


def add_archive_parsers(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="strict check of DIR/warc/*.warc.gz (gzip members, lengths, digests, pairing)"
    )
    check.add_argument("out", type=Path, metavar="DIR", help="output folder (or a folder of .warc.gz files)")
    index = commands.add_parser("index", help="rebuild DIR/indexes/index.cdxj from the closed WARC files")
    index.add_argument("out", type=Path, metavar="DIR", help="output folder")


def _warc_dir(folder: Path) -> Path:
    return folder / "warc" if (folder / "warc").is_dir() else folder


def cmd_check(args: argparse.Namespace) -> int:
    from seedcrawl.archive.check import check_folder
    from seedcrawl.outdir.layout import refuse_odd_entries

    warc_dir = _warc_dir(existing_folder(args.out))
    # As every command does: no links or pipes where it reads (OutputError: exit 3).
    refuse_odd_entries(args.out)
    refuse_odd_entries(warc_dir)
    report = check_folder(warc_dir)
    if not report.reports and not report.open_files:
        raise nothing_to_do(f"nothing to check: no closed WARC files (*.warc.gz) in {warc_dir}")
    for file_report in report.reports:
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(file_report.records.items()))
        print(f"{'ok  ' if file_report.ok else 'FAIL'} {file_report.file.name}: {counts}")
        for problem in file_report.problems:
            print(f"     offset {problem.offset}: {problem.code}: {problem.message}")
        for warning in file_report.warnings:
            print(f"     offset {warning.offset}: warning: {warning.code}: {warning.message}")
    for path in report.open_files:
        print(f"OPEN {path.name}: still being written, or left by a crash (the next crawl closes it)")
    print(f"{len(report.reports)} files, {'all valid' if report.ok else 'PROBLEMS FOUND'}", file=sys.stderr)
    return Exit.OK if report.ok else Exit.NOTHING


def cmd_index(args: argparse.Namespace) -> int:
    from seedcrawl.archive.index import build_index

    root = existing_folder(args.out)
    closed_warcs_or_nothing(root, "index")
    result = build_index(root)
    print(
        f"{result.index}: {result.lines} lines ({len(result.indexed)} files indexed, {len(result.reused)} reused)",
        file=sys.stderr,
    )
    return Exit.OK
