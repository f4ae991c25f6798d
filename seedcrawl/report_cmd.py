"""`seedcrawl report DIR`: rebuild DIR/report.html from what the folder holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seedcrawl.exits import Exit, existing_folder, folder_unusable


def add_report_parser(commands: Any) -> None:
    parser = commands.add_parser("report", help="rebuild DIR/report.html (charts and tables of the runs)")
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    add_replay_base(parser)


def add_replay_base(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replay-base",
        metavar="URL",
        help="where the report links captures (default http://127.0.0.1:8080/<DIR name>/, a pywb collection)",
    )


def cmd_report(args: argparse.Namespace) -> int:
    from seedcrawl.report import write_report

    root = existing_folder(args.out)
    try:
        report = write_report(root, args.replay_base)
    except OSError as exc:  # the one thing this command does: not a warning here
        raise folder_unusable(f"cannot write {root / 'report.html'}: {exc.strerror or exc}") from None
    print(f"report: {report}", file=sys.stderr)
    return Exit.OK
