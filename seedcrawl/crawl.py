"""The crawl itself: the news spider run in this process on validated CrawlOptions.

A Twisted reactor cannot be restarted, so this runs one crawl per process; the flow and the
shard supervisor run it in a child process for that reason (seedcrawl/crawl_child.py), and
`seedcrawl crawl` (seedcrawl/crawl_cmd.py) in its own.

A crawl into a folder whose latest run did not end cleanly resumes that run (crawler/run/resume.py):
same run id, seeds and options, and what it archived is replayed instead of fetched.

How it ended is a CrawlResult; its status decides the exit code, in the one table of
seedcrawl/crawl_result.py (0 done, 1 nothing fetched, 2 usage, 3 output folder, 4 archive not
writable, 130 interrupted, 131 stopped at once). Refusals before the crawl starts raise
CrawlError with their status.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from seedcrawl.crawl_result import (
    CrawlError,
    CrawlResult,
    CrawlStatus,
)
from seedcrawl.crawler.capture.extension import WarcCapture
from seedcrawl.crawler.capture.run_lifecycle import new_run_id
from seedcrawl.crawler.chromium.rendering import BrowserUnavailable, browser_mode, check_browser

# Imported here, not when Scrapy loads the download handler: Scrapy's TLS modules call
# inspect.stack() as they load, which reads the source of every frame on the stack: from deep
# inside a starting crawl that took ~0.17 s of CPU at every start, from here less than half.
from seedcrawl.crawler.components.head_limits import BoundedHTTPDownloadHandler  # noqa: F401
from seedcrawl.crawler.components.report import CrawlReport, summarize
from seedcrawl.crawler.discover.focus import TopicError, build_profile
from seedcrawl.crawler.discover.seeds import SeedError, parse_seed_list, read_seed_file
from seedcrawl.crawler.run.resume import FORCED, RUN_FILE, ResumeConflict, RunPlan, RunSpec, plan_run
from seedcrawl.crawler.sharding.shards import REDIS_SETTING, SHARD_SETTING, ShardSpec
from seedcrawl.crawler.spiders.news import NewsSpider
from seedcrawl.options import LOOPBACK, CrawlOptions
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import FolderLock
from seedcrawl.verbosity import NOTHING, configure_crawl_console

__all__ = [
    "LOOPBACK_SETTINGS",
    "CrawlError",
    "CrawlOptions",
    "CrawlResult",
    "run_crawl",
]

# Politeness off, for our own servers on loopback only, as command-line arguments (tests, benches).
LOOPBACK_SETTINGS = [arg for name, value in LOOPBACK.items() for arg in ("-s", f"{name}={value}")]
# How a full disk (or a file size or quota limit) reads in an ArchiveWriteError's message.
_SPACE_ERRORS = ("No space left", "File too large", "quota exceeded")


def collect_seeds(options: CrawlOptions) -> list[str]:
    seeds = parse_seed_list(options.urls)
    if options.seeds_file is not None:
        seeds += read_seed_file(options.seeds_file)
    seeds = list(dict.fromkeys(seeds))
    if not seeds:
        raise SeedError("no seeds: give URLs as arguments or --seeds FILE")
    return seeds


def build_settings(options: CrawlOptions, layout: Layout) -> Settings:
    settings = Settings()
    settings.setmodule("seedcrawl.crawler.settings", priority="project")
    settings.set("SEEDCRAWL_OUTPUT", str(layout.root), priority="cmdline")
    if options.depth is not None:
        settings.set("DEPTH_LIMIT", options.depth, priority="cmdline")
    run_id = options.run_id or new_run_id()
    settings.set("SEEDCRAWL_RUN_ID", run_id, priority="cmdline")
    suffix = ""
    if options.shard is not None:
        settings.set(SHARD_SETTING, f"{options.shard}/{options.shards}", priority="cmdline")
        settings.set(REDIS_SETTING, options.redis, priority="cmdline")
        suffix = f"-shard{options.shard}of{options.shards}"
    settings.set("LOG_FILE", str(layout.logs_dir / f"crawl-{run_id}{suffix}.log"), priority="cmdline")
    if options.topic_files:
        files = [str(path.absolute()) for path in options.topic_files]
        settings.set("SEEDCRAWL_TOPIC_FILES", files, priority="cmdline")
    if options.topic:
        settings.set("SEEDCRAWL_TOPIC", options.topic, priority="cmdline")
    if options.refetch:
        settings.set("SEEDCRAWL_REFETCH", True, priority="cmdline")
    if options.silent:
        settings.set("SEEDCRAWL_PROGRESS", False, priority="cmdline")
    # The options that are settings (--max-bytes, --scope, --user-agent, ...), then -s, which wins.
    for name, value in {**options.field_settings(), **options.settings}.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> CrawlResult:
    """Crawl in this process (once: the reactor cannot restart); raises CrawlError when refused.

    One crawl, or one shard of several (`shard`); seedcrawl/shard_run.py runs them all."""
    _check_browser(options)
    given_seeds = _given_seeds(options)  # bad seeds are a usage error before the folder is touched
    if not given_seeds and not _may_resume(options.out):
        raise CrawlError("no seeds: give URLs as arguments or --seeds FILE", CrawlStatus.USAGE)
    layout, lock = _lock_folder(options.out, _shard_spec(options))
    try:
        return _run_locked(options, given_seeds, layout)
    finally:
        lock.release()


def _may_resume(out: Path) -> bool:
    """Whether DIR holds a run marker, whose run a crawl given no seeds would resume (checked
    again under the lock); without one there is nothing to do, and DIR is not even created."""
    state = Path(out) / "state"
    return os.path.lexists(state / RUN_FILE) or any(state.glob(f"shard*/{RUN_FILE}"))


def _shard_spec(options: CrawlOptions) -> ShardSpec | None:
    if options.shard is None or options.redis is None:
        return None
    return ShardSpec(options.shard, options.shards, options.redis)


def _lock_folder(out: Path, shard: ShardSpec | None = None) -> tuple[Layout, FolderLock]:
    """The output folder, locked: the run plan below reads and the crawl writes it, and a second
    crawl must neither plan from a marker that a running one is changing nor write its log there."""
    from seedcrawl.outdir.errors import FolderBusy, OutputError

    try:
        layout = Layout.create(out)
        if shard is not None:  # a shard's own lock and state; the supervisor holds the folder's
            layout.state_dir  # noqa: B018 - creates DIR/state, the parent of the shard's folder
            layout = Layout(layout.root, state_name=shard.state_name)
        lock = FolderLock(layout.root, name=shard.lock_name) if shard is not None else FolderLock(layout.root)
        lock.acquire()
    except (OutputError, FolderBusy) as exc:
        raise CrawlError(str(exc), CrawlStatus.OUTPUT) from None
    return layout, lock


def _run_locked(options: CrawlOptions, given_seeds: list[str], layout: Layout) -> CrawlResult:
    plan = _plan(options, given_seeds)
    options = _as_planned(options, plan)
    try:
        seeds = collect_seeds(options)
    except SeedError as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None
    try:
        # Built here only so that a bad topic is a usage error before anything starts.
        build_profile(list(options.topic_files), options.topic)
    except TopicError as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None

    settings = _with_plan(build_settings(options, layout), plan)
    # The capture extension takes the folder lock itself when Scrapy runs the spider alone; here
    # this process holds it already (a second flock of the same file would refuse this process).
    settings.set("SEEDCRAWL_LOCK_HELD", os.getpid(), priority="cmdline")
    process = CrawlerProcess(settings)
    if options.console_level < NOTHING:
        configure_crawl_console(options.console_level)
    crawler = process.create_crawler(NewsSpider)
    failures: list[Failure] = []
    deferred = process.crawl(
        crawler, seeds=seeds, allow_hosts=list(options.allow_hosts), max_pages=options.max_pages
    )
    deferred.addErrback(failures.append)
    started = time.monotonic()
    try:
        process.start()
    finally:
        forced = _abort_capture(crawler)
    if failures:
        error = failures[0].value
        assert error is not None
        logging.getLogger(__name__).error("crawl failed", exc_info=error)
        raise CrawlError(f"crawl failed: {error}", _status_for(error))
    report = crawler.extensions.middlewares
    summary = next((ext.summary for ext in report if isinstance(ext, CrawlReport)), None) or {}
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats is not None else {}
    if forced:  # the spider never closed, so no summary was made
        summary = summary or summarize(stats, time.monotonic() - started)
        summary["finish_reason"] = summary.get("finish_reason") or FORCED
    summary.setdefault("run_id", plan.run_id)
    summary["resumed"] = plan.resume
    summary["replayed"] = int(stats.get("seedcrawl/resume/replayed", 0))
    status, reason = _outcome(summary, forced, plan.run_id)
    return CrawlResult.from_summary(status, reason, summary)


def _outcome(summary: dict[str, Any], forced: bool, run_id: str) -> tuple[CrawlStatus, str]:
    again = f"run the same command again to resume run {run_id}"
    if summary.get("archive_error"):
        archive_error = str(summary["archive_error"])
        # Capture closed what the writer left open (cut back to its last whole record), so the
        # files are whole now; the run is marked interrupted and the same command resumes it.
        fix = "free space and " if any(word in archive_error for word in _SPACE_ERRORS) else ""
        return (
            CrawlStatus.ARCHIVE,
            f"stopped: cannot write the archive ({archive_error}); every WARC file is closed and whole, "
            f"pages not archived will be fetched again; {fix}{again}",
        )
    if forced:
        why = "stopped at once: every record written is whole, pages in flight were dropped"
        return CrawlStatus.FORCED, f"{why}; {again}"
    if summary.get("finish_reason") == "shutdown":
        why = "interrupted: pages in flight were finished and archived, files closed"
        return CrawlStatus.INTERRUPTED, f"{why}; {again}"
    if summary.get("pages", 0) == 0 and summary["replayed"] == 0:
        errors = ", ".join(f"{kind}: {n}" for kind, n in (summary.get("errors") or {}).items())
        return CrawlStatus.NOTHING_FETCHED, "no page was fetched" + (f" ({errors})" if errors else "")
    return CrawlStatus.DONE, "finished"


def _check_browser(options: CrawlOptions) -> None:
    """--browser always without Chromium (or a bad mode) is a usage error, before anything runs."""
    from seedcrawl.crawler import settings as defaults

    mode = options.settings.get("SEEDCRAWL_BROWSER", options.browser or defaults.SEEDCRAWL_BROWSER)
    executable = options.settings.get("SEEDCRAWL_BROWSER_EXECUTABLE", defaults.SEEDCRAWL_BROWSER_EXECUTABLE)
    try:
        check_browser(browser_mode(mode), executable)
    except (ValueError, BrowserUnavailable) as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None


def _given_seeds(options: CrawlOptions) -> list[str]:
    """The seeds the command names (none: resume the folder's run with its own)."""
    if not options.urls and options.seeds_file is None:
        return []
    try:
        return collect_seeds(options)
    except SeedError as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None


def _plan(options: CrawlOptions, given_seeds: list[str]) -> RunPlan:
    """Resume the folder's unfinished run, or start a new one (see crawler/run/resume.py)."""
    given = RunSpec(
        seeds=tuple(given_seeds),
        allow_hosts=tuple(options.allow_hosts),
        depth=options.depth,
        max_pages=options.max_pages,
        topic_files=tuple(str(path.absolute()) for path in options.topic_files),
        topic=options.topic,
        refetch=options.refetch,
        # how to crawl: kept for a resumed run unless the command that resumes it changes it
        settings={**options.field_settings(), **options.settings},
    )
    root = Path(options.out).expanduser().absolute()
    from seedcrawl.outdir.errors import OutputError

    try:
        # The layout check comes before run.json is read: a named pipe there would block for ever.
        Layout(root).refuse_links()
        shard = _shard_spec(options)
        state = root / shard.state_name if shard is not None else root / "state"
        return plan_run(state, given, options.run_id, options.new_run, new_run_id)
    except ResumeConflict as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None
    except OutputError as exc:
        raise CrawlError(str(exc), CrawlStatus.OUTPUT) from None


def _as_planned(options: CrawlOptions, plan: RunPlan) -> CrawlOptions:
    spec = plan.spec
    return replace(
        options,
        urls=tuple(spec.seeds),
        seeds_file=None,
        allow_hosts=tuple(spec.allow_hosts),
        depth=spec.depth,
        max_pages=spec.max_pages,
        topic_files=tuple(Path(path) for path in spec.topic_files),
        topic=spec.topic,
        refetch=spec.refetch,
        settings=dict(spec.settings),
        run_id=plan.run_id,
    )


def _with_plan(settings: Settings, plan: RunPlan) -> Settings:
    # Read by the capture extension, which checks the plan again and keeps the run marker under
    # the folder lock, and by the spider, which replays what a resumed run archived.
    settings.set("SEEDCRAWL_RESUME", plan.resume, priority="cmdline")
    settings.set("SEEDCRAWL_RUN_SPEC", json.dumps(plan.spec.to_json()), priority="cmdline")
    settings.set("SEEDCRAWL_REPLACES_RUN", plan.replaces or "", priority="cmdline")
    return settings


def _abort_capture(crawler: Crawler) -> bool:
    """After the reactor stopped: True, with the WARC files closed whole, when the crawl was forced
    to stop (a second signal stops the reactor before the spider closes, so capture never did)."""
    try:
        extensions = crawler.extensions.middlewares
    except (AttributeError, RuntimeError):  # the crawl never started: nothing was opened
        return False
    capture = next((e for e in extensions if isinstance(e, WarcCapture)), None)
    if capture is None or capture.closed:
        return False
    capture.abort()
    return True


def _status_for(error: BaseException) -> CrawlStatus:
    from seedcrawl.outdir.errors import FolderBusy

    return CrawlStatus.OUTPUT if isinstance(error, FolderBusy | OSError) else CrawlStatus.NOTHING_FETCHED
