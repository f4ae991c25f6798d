"""The `seedcrawl` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from seedcrawl.archive_cmds import add_archive_parsers, cmd_check, cmd_index
from seedcrawl.cli_parser import CommandParser, top_parser
from seedcrawl.config import apply_config, without_config_repeats
from seedcrawl.crawl_cmd import add_crawl_parser, cmd_crawl
from seedcrawl.crawl_result import CrawlError
from seedcrawl.demo_cmd import add_demo_parser, cmd_demo
from seedcrawl.exits import CommandError, Exit, for_os_error
from seedcrawl.export_cmd import add_export_parser, cmd_export
from seedcrawl.flows.runner import quiet_prefect
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.package_cmd import add_package_parser, cmd_package
from seedcrawl.process_cmd import add_process_parser, cmd_process
from seedcrawl.report_cmd import add_report_parser, cmd_report
from seedcrawl.run_cmd import add_run_parser, cmd_run


def build_parser() -> argparse.ArgumentParser:
    parser = top_parser()
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    add_crawl_parser(commands)
    add_process_parser(commands)
    add_run_parser(commands)
    add_package_parser(commands)
    add_demo_parser(commands)
    add_export_parser(commands)
    add_report_parser(commands)
    add_archive_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    quiet_prefect()  # before anything imports Prefect
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    apply_config(parser, given)  # --config FILE: the file's values become the defaults
    args = parser.parse_args(given)
    without_config_repeats(args, parser, given)
    args.argv = given  # recorded in the crawl summary
    handlers = {
        "crawl": cmd_crawl,
        "process": cmd_process,
        "run": cmd_run,
        "package": cmd_package,
        "demo": cmd_demo,
        "check": cmd_check,
        "index": cmd_index,
        "export": cmd_export,
        "report": cmd_report,
    }
    try:
        return handlers[args.command](args)
    except CommandError as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return exc.status
    except CrawlError as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return exc.exit_code
    except (OutputError, FolderBusy) as exc:  # e.g. `process` on a folder with a planted symlink
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return Exit.FOLDER
    except KeyboardInterrupt:
        print("seedcrawl: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except ValueError as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return Exit.USAGE
    except OSError as exc:  # one a command did not foresee (a folder made read-only meanwhile): one line
        where = f"{exc.filename}: " if isinstance(exc.filename, str | Path) else ""
        print(f"seedcrawl: {where}{exc.strerror or exc}", file=sys.stderr)
        return for_os_error(exc)


if __name__ == "__main__":
    sys.exit(main())
