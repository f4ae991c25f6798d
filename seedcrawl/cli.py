"""The `seedcrawl` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from seedcrawl.archive_cmds import add_archive_parsers, cmd_check, cmd_index
from seedcrawl.cli_parser import CommandParser, HelpFormatter, top_parser
from seedcrawl.config import add_config_option, apply_config, without_config_repeats
from seedcrawl.crawl import (
    CrawlError,
    CrawlOptions,
    parse_setting,
    run_crawl,
    scope_settings,
)
from seedcrawl.crawler import settings as crawl_defaults
from seedcrawl.crawler.discover.scope_rules import SCOPE_MODES
from seedcrawl.demo_cmd import add_demo_parser, cmd_demo
from seedcrawl.exits import CommandError, Exit, for_os_error
from seedcrawl.export_cmd import add_export_parser, cmd_export
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.package_cmd import add_package_parser, cmd_package
from seedcrawl.process_cmd import add_process_parser, cmd_process
from seedcrawl.report_cmd import add_report_parser, cmd_report, publish_report
from seedcrawl.run_cmd import add_run_parser, cmd_run
from seedcrawl.shard_run import add_shard_options

CRAWL_EPILOG = """\
A crawl into DIR whose latest run did not finish (killed, interrupted, disk full) resumes that
run: same run id, seeds and options (give the same ones, or none); what it archived is read back
from DIR/warc instead of fetched again. --new-run or another --run-id starts a new run instead.

exit codes:
  0    done
  1    nothing could be fetched
  2    bad usage or seeds, or options that differ from the unfinished run being resumed
  3    the output folder is unusable (not writable, a symbolic link in it) or in use by another run
  4    the archive could not be written (disk full, writer died); every WARC file is closed whole: run again
  130  interrupted by SIGTERM/Ctrl-C: pages in flight finished, files closed and indexed; run again
  131  a second SIGTERM/Ctrl-C stopped it at once: only whole records, index not updated; run again
"""


def _add_crawl_options(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument("urls", nargs="*", metavar="URL", help="seed URLs")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--seeds", type=Path, metavar="FILE", help="file of seed URLs, one a line, # comments"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also crawl this host (repeatable): a name (news.example.com), with a port "
        "(news.example.com:8080), or '*.example.com' for every subdomain of example.com (not "
        "example.com itself: give it too; quote the * from the shell); the seeds' hosts are always in scope",
    )
    parser.add_argument(
        "--depth",
        type=int,
        metavar="N",
        help=f"follow links at most N hops from a seed (default: {crawl_defaults.DEPTH_LIMIT})",
    )
    parser.add_argument(
        "--max-pages", type=int, metavar="N", help="request at most N pages (default: no limit)"
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        metavar="N",
        help="stop cleanly after downloading N body bytes (default: no limit)",
    )
    parser.add_argument(
        "--max-time", type=float, metavar="SECONDS", help="stop cleanly after SECONDS (default: no limit)"
    )
    parser.add_argument(
        "--run-id", metavar="ID", help="id recorded in the WARC files and corpus (default: made up)"
    )
    parser.add_argument(
        "--topic-file",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="example article on the crawl's topic (repeatable): pages like it are fetched first",
    )
    parser.add_argument(
        "--topic",
        metavar="TEXT",
        help='topic keywords, e.g. "kerry lavrov syria" (alone or with --topic-file)',
    )
    parser.add_argument(
        "--refetch",
        action="store_true",
        help="fetch articles already in DIR/corpus again, as conditional requests (unchanged ones answer 304)",
    )
    parser.add_argument(
        "--browser",
        choices=("never", "auto", "always"),
        help="render pages in headless Chromium: never; auto (default: pages that are script-filled "
        "shells); always (every HTML page). Needs `apt-get install chromium`",
    )
    parser.add_argument(
        "--scope",
        choices=SCOPE_MODES,
        help="host (default): the seeds' hosts; domain: their registered domains and subdomains; "
        "prefix: under a seed URL's path; page: the seed pages only (with their requisites)",
    )
    for flag, what in (
        ("--include", "follow only pages whose URL matches REGEX (repeatable: any of them)"),
        ("--exclude", "never follow pages whose URL matches REGEX (repeatable)"),
        ("--exclude-requisites", "do not fetch page requisites whose URL matches REGEX (repeatable)"),
    ):
        parser.add_argument(flag, action="append", default=[], metavar="REGEX", help=what)
    parser.add_argument(
        "--no-requisites",
        action="store_true",
        help="archive pages only, not their stylesheets, scripts, images, fonts and media",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a Scrapy setting for this crawl (repeatable), as `scrapy crawl -s` does",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = top_parser()
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    crawl = commands.add_parser(
        "crawl",
        help="crawl from seeds into DIR/warc (WARC files) and DIR/indexes",
        epilog=CRAWL_EPILOG,
        formatter_class=HelpFormatter,
    )
    _add_crawl_options(crawl)
    crawl.add_argument(
        "--new-run",
        action="store_true",
        help="start a new run even if the latest run into DIR did not finish (it is resumed otherwise)",
    )
    add_shard_options(crawl, one_shard=True)
    add_process_parser(commands)
    add_run_parser(commands)
    add_package_parser(commands)
    add_demo_parser(commands)
    add_export_parser(commands)
    add_report_parser(commands)
    add_archive_parsers(commands)
    return parser


def _crawl_options(args: argparse.Namespace) -> CrawlOptions:
    return CrawlOptions(
        out=args.out,
        urls=args.urls,
        seeds_file=args.seeds,
        allow_hosts=args.allow_host,
        depth=args.depth,
        max_pages=args.max_pages,
        settings={**dict(parse_setting(item) for item in args.settings), **scope_settings(args)},
        run_id=args.run_id,
        topic_files=args.topic_file,
        topic=args.topic,
        refetch=args.refetch,
        max_bytes=args.max_bytes,
        browser=args.browser,
        max_time=args.max_time,
        new_run=getattr(args, "new_run", False),
        shards=args.shards,
        shard=getattr(args, "shard", None),
        redis=args.redis,
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    from seedcrawl.crawler.components.report import format_summary

    result = run_crawl(_crawl_options(args))
    print(format_summary(result.summary), file=sys.stderr)
    if result.summary.get("resumed"):
        print(
            f"  resumed run {result.summary.get('run_id')}: {result.summary.get('replayed', 0)} archived "
            "pages and documents read back from the WARC files instead of fetched",
            file=sys.stderr,
        )
    print(
        f"output: {args.out.absolute()}  (WARC files in warc/, index in indexes/index.cdxj, logs in logs/)",
        file=sys.stderr,
    )
    from seedcrawl.report import record_outcome

    record_outcome(
        args.out,
        result.summary.get("run_id"),
        result.exit_code,
        ["seedcrawl", *getattr(args, "argv", sys.argv[1:])],
    )
    report = publish_report(args.out)
    if report is not None:
        print(f"report: {report}", file=sys.stderr)
    if result.exit_code:
        print(f"seedcrawl: {result.reason}", file=sys.stderr)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
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
