"""`seedcrawl crawl`: run the news spider in this process and report how it went.

A Twisted reactor cannot be restarted, so this runs one crawl per process; flows run it as a
subprocess for that reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from archive.layout import Layout
from crawler.capture import new_run_id
from crawler.focus import TopicError, build_profile
from crawler.report import CrawlReport
from crawler.seeds import SeedError, parse_seed_list, read_seed_file
from crawler.spiders.news import NewsSpider

EXIT_OK = 0
EXIT_NOTHING_FETCHED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_ARCHIVE = 4  # a WARC record could not be written (disk full): every written file is still whole


class CrawlError(Exception):
    """The crawl could not run; `exit_code` says which kind of failure."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CrawlOptions:
    out: Path
    urls: list[str] = field(default_factory=list)
    seeds_file: Path | None = None
    allow_hosts: list[str] = field(default_factory=list)
    depth: int | None = None
    max_pages: int | None = None
    settings: dict[str, str] = field(default_factory=dict)  # -s NAME=VALUE overrides
    run_id: str | None = None  # recorded in the WARC files; made up when not given
    topic_files: list[Path] = field(default_factory=list)  # example texts of the topic to focus on
    topic: str | None = None  # topic keywords
    refetch: bool = False  # fetch known articles again, conditionally
    max_bytes: int | None = None  # stop cleanly after this many downloaded body bytes
    max_time: float | None = None  # stop cleanly after this many seconds


@dataclass
class CrawlResult:
    summary: dict[str, Any]
    exit_code: int
    reason: str


def collect_seeds(options: CrawlOptions) -> list[str]:
    seeds = parse_seed_list(options.urls)
    if options.seeds_file is not None:
        seeds += read_seed_file(options.seeds_file)
    seeds = list(dict.fromkeys(seeds))
    if not seeds:
        raise SeedError("no seeds: give URLs as arguments or --seeds FILE")
    return seeds


def parse_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise CrawlError(f"-s takes NAME=VALUE, got {text!r}", EXIT_USAGE)
    return name.strip(), value


def build_settings(options: CrawlOptions, layout: Layout) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("SEEDCRAWL_OUTPUT", str(layout.root), priority="cmdline")
    if options.depth is not None:
        settings.set("DEPTH_LIMIT", options.depth, priority="cmdline")
    run_id = options.run_id or new_run_id()
    settings.set("SEEDCRAWL_RUN_ID", run_id, priority="cmdline")
    settings.set("LOG_FILE", str(layout.logs_dir / f"crawl-{run_id}.log"), priority="cmdline")
    if options.topic_files:
        files = [str(path.absolute()) for path in options.topic_files]
        settings.set("SEEDCRAWL_TOPIC_FILES", files, priority="cmdline")
    if options.topic:
        settings.set("SEEDCRAWL_TOPIC", options.topic, priority="cmdline")
    if options.refetch:
        settings.set("SEEDCRAWL_REFETCH", True, priority="cmdline")
    if options.max_bytes is not None:
        settings.set("SEEDCRAWL_MAX_BYTES", options.max_bytes, priority="cmdline")
    if options.max_time is not None:
        settings.set("SEEDCRAWL_MAX_TIME", options.max_time, priority="cmdline")
    for name, value in options.settings.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> CrawlResult:
    if options.depth is not None and options.depth < 0:
        raise CrawlError("--depth must be 0 or more", EXIT_USAGE)
    if options.max_pages is not None and options.max_pages < 1:
        raise CrawlError("--max-pages must be 1 or more", EXIT_USAGE)
    if options.max_bytes is not None and options.max_bytes < 1:
        raise CrawlError("--max-bytes must be 1 or more", EXIT_USAGE)
    if options.max_time is not None and options.max_time <= 0:
        raise CrawlError("--max-time must be more than 0", EXIT_USAGE)
    try:
        seeds = collect_seeds(options)
    except SeedError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None
    try:
        # Built here only so that a bad topic is a usage error before anything starts.
        build_profile(options.topic_files, options.topic)
    except TopicError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None
    from archive.errors import OutputError

    try:
        layout = Layout.create(options.out)
    except OutputError as exc:
        raise CrawlError(str(exc), EXIT_OUTPUT) from None

    process = CrawlerProcess(build_settings(options, layout))
    crawler = process.create_crawler(NewsSpider)
    failures: list[Failure] = []
    deferred = process.crawl(
        crawler, seeds=seeds, allow_hosts=options.allow_hosts, max_pages=options.max_pages
    )
    deferred.addErrback(failures.append)
    process.start()
    if failures:
        error = failures[0].value
        assert error is not None
        logging.getLogger(__name__).error("crawl failed", exc_info=error)
        raise CrawlError(f"crawl failed: {error}", _exit_code_for(error))
    report = crawler.extensions.middlewares
    summary = next((ext.summary for ext in report if isinstance(ext, CrawlReport)), None) or {}
    if summary.get("archive_error"):
        return CrawlResult(
            summary, EXIT_ARCHIVE, f"stopped: cannot write the archive ({summary['archive_error']})"
        )
    if summary.get("pages", 0) == 0:
        return CrawlResult(summary, EXIT_NOTHING_FETCHED, "no page was fetched")
    return CrawlResult(summary, EXIT_OK, "finished")


def _exit_code_for(error: BaseException) -> int:
    from archive.errors import FolderBusy

    return EXIT_OUTPUT if isinstance(error, FolderBusy | OSError) else EXIT_NOTHING_FETCHED
