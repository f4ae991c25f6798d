"""`seedcrawl crawl`: its arguments (from CrawlOptions) and what it prints."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from seedcrawl.config import add_config_option
from seedcrawl.option_fields import add_arguments, from_args
from seedcrawl.options import CrawlOptions

CRAWL_EPILOG = """\
A crawl into DIR whose latest run did not finish (killed, interrupted, disk full) resumes that
run: same run id, seeds and options (give the same ones, or none); what it archived is read back
from DIR/warc instead of fetched again. --new-run or another --run-id starts a new run instead.

exit codes:
  0    done
  1    nothing could be fetched
  2    bad usage, seeds or setting value, or options that differ from the unfinished run being resumed
  3    the output folder is unusable (not writable, a symbolic link in it) or in use by another run
  4    the archive could not be written (disk full, writer died); every WARC file is closed whole: run again
  130  interrupted by SIGTERM/Ctrl-C: pages in flight finished, files closed and indexed; run again
  131  a second SIGTERM/Ctrl-C stopped it at once: only whole records, index not updated; run again
"""


def add_crawl_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "crawl",
        help="crawl from seeds into DIR/warc (WARC files) and DIR/indexes",
        epilog=CRAWL_EPILOG,
    )
    add_config_option(parser)
    add_arguments(parser, CrawlOptions, "crawl")


def warn(messages: list[str]) -> None:
    for message in messages:
        print(f"seedcrawl: warning: {message}", file=sys.stderr)


def cmd_crawl(args: argparse.Namespace) -> int:
    from seedcrawl.crawler.components.report import format_summary
    from seedcrawl.report import publish_report, record_outcome
    from seedcrawl.shard_run import start_crawl

    options = from_args(CrawlOptions, args)
    warn(options.setting_warnings())
    result = start_crawl(options)
    if not options.silent:
        print(format_summary(dict(result.summary)), file=sys.stderr)
        if result.resumed:
            print(
                f"  resumed run {result.run_id}: {result.replayed} archived pages and documents read "
                "back from the WARC files instead of fetched",
                file=sys.stderr,
            )
        print(
            f"output: {options.out.absolute()}  (WARC files in warc/, index in indexes/index.cdxj, "
            "logs in logs/)",
            file=sys.stderr,
        )
    record_outcome(
        options.out, result.run_id, result.exit_code, ["seedcrawl", *getattr(args, "argv", sys.argv[1:])]
    )
    report = publish_report(options.out)
    if report is not None and not options.silent:
        print(f"report: {report}", file=sys.stderr)
    if result.exit_code:
        print(f"seedcrawl: {result.reason}", file=sys.stderr)
    return result.exit_code
