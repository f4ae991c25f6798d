"""`seedcrawl crawl`: run the news spider in this process and report how it went.

A Twisted reactor cannot be restarted, so this runs one crawl per process; flows run it as a
subprocess for that reason.

A crawl into a folder whose latest run did not end cleanly resumes that run (crawler/run/resume.py):
same run id, seeds and options, and what it archived is replayed instead of fetched.

Exit codes:
    0    done
    1    nothing could be fetched
    2    bad usage or seeds, or options that differ from the unfinished run being resumed
    3    the output folder is unusable (not writable, a symbolic link in it) or in use by another run
         (the folder is locked before anything else, so whatever the seeds; the message has its pid)
    4    the archive could not be written (disk full, the WARC writer process died): every WARC file
         is closed and whole (one left open is cut back to its last whole record); free space if
         that was it and run the same command again to resume
    130  interrupted (SIGTERM or Ctrl-C): pages in flight were finished and archived, files closed
         and indexed; run the same command again to resume
    131  stopped at once (a second SIGTERM or Ctrl-C): every record written is whole and the files
         are closed, but pages in flight were dropped and the index is not updated; run the same
         command again to resume
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from seedcrawl.crawler.capture import WarcCapture, new_run_id
from seedcrawl.crawler.chromium.rendering import BrowserUnavailable, browser_mode, check_browser

# Imported here, not when Scrapy loads the download handler: Scrapy's TLS modules call
# inspect.stack() as they load, which reads the source of every frame on the stack: from deep
# inside a starting crawl that took ~0.17 s of CPU at every start, from here less than half.
from seedcrawl.crawler.components.head_limits import BoundedHTTPDownloadHandler  # noqa: F401
from seedcrawl.crawler.components.report import CrawlReport, summarize
from seedcrawl.crawler.discover.focus import TopicError, build_profile
from seedcrawl.crawler.discover.seeds import SeedError, parse_seed_list, read_seed_file
from seedcrawl.crawler.run.resume import FORCED, ResumeConflict, RunPlan, RunSpec, plan_run
from seedcrawl.crawler.sharding.shards import REDIS_SETTING, SHARD_SETTING, ShardSpec
from seedcrawl.crawler.spiders.news import NewsSpider
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import FolderLock

# Politeness off, for our own servers on loopback only (the demo web, tests, benchmarks): no delay,
# no AutoThrottle, more requests per host. Never for other people's sites.
LOOPBACK_SETTINGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]

EXIT_OK = 0
EXIT_NOTHING_FETCHED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_ARCHIVE = 4  # a WARC record could not be written (disk full): every written file is still whole
EXIT_INTERRUPTED = 130  # first SIGTERM/Ctrl-C: in-flight pages finished, files closed; resumable
EXIT_FORCED = 131  # second SIGTERM/Ctrl-C: stopped at once, only whole records; resumable
# How a full disk (or a file size or quota limit) reads in an ArchiveWriteError's message.
_SPACE_ERRORS = ("No space left", "File too large", "quota exceeded")
# Run ids name files (logs/crawl-<id>.log): nothing that could be a path.
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


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
    new_run: bool = False  # start a new run even when the folder's latest run did not finish
    shards: int = 1  # crawl processes sharing the hosts (seedcrawl/shard_run.py)
    shard: int | None = None  # this process is that shard of `shards` (with `redis`)
    redis: str | None = None  # redis://HOST:PORT/DB the shards share
    browser: str | None = None  # never|auto|always (None: the setting, auto)


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


def scope_settings(args: Any) -> dict[str, str]:
    """The settings of --scope, --include, --exclude, --exclude-requisites and --no-requisites
    (parsed command-line options), checked: a bad regex is a usage error that names it."""
    from seedcrawl.crawler.discover.scope_rules import ScopeRuleError, compile_patterns

    found: dict[str, str] = {}
    if getattr(args, "scope", None):
        found["SEEDCRAWL_SCOPE"] = str(args.scope)
    for option, name in (
        ("include", "SEEDCRAWL_INCLUDE"),
        ("exclude", "SEEDCRAWL_EXCLUDE"),
        ("exclude_requisites", "SEEDCRAWL_EXCLUDE_REQUISITES"),
    ):
        patterns = list(getattr(args, option, None) or [])
        try:
            compile_patterns(patterns, "--" + option.replace("_", "-"))
        except ScopeRuleError as exc:
            raise CrawlError(str(exc), EXIT_USAGE) from None
        if patterns:
            found[name] = json.dumps(patterns)  # a JSON list: a regex may hold commas
    if getattr(args, "no_requisites", False):
        found["SEEDCRAWL_REQUISITES"] = "False"
    return found


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
    if options.max_bytes is not None:
        settings.set("SEEDCRAWL_MAX_BYTES", options.max_bytes, priority="cmdline")
    if options.max_time is not None:
        settings.set("SEEDCRAWL_MAX_TIME", options.max_time, priority="cmdline")
    if options.browser is not None:
        settings.set("SEEDCRAWL_BROWSER", options.browser, priority="cmdline")
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
    if options.run_id is not None and not RUN_ID.fullmatch(options.run_id):
        raise CrawlError(
            f"--run-id takes letters, digits, '.', '_' and '-', got {options.run_id!r}", EXIT_USAGE
        )
    _check_shards(options)
    _check_browser(options)
    if options.redis and options.shard is None:  # --shards 1 --redis: one supervised shard
        from seedcrawl.shard_run import run_shards

        return run_shards(options)
    given_seeds = _given_seeds(options)  # bad seeds are a usage error before the folder is touched
    layout, lock = _lock_folder(options.out, _shard_spec(options))
    try:
        return _run_locked(options, given_seeds, layout)
    finally:
        lock.release()


def _check_shards(options: CrawlOptions) -> None:
    if options.shards < 1:
        raise CrawlError("--shards must be 1 or more", EXIT_USAGE)
    if (options.shards > 1 or options.shard is not None) and not options.redis:
        raise CrawlError("--shards needs --redis redis://HOST:PORT/DB, which the shards share", EXIT_USAGE)
    if options.shard is not None:
        if not 0 <= options.shard < options.shards:
            raise CrawlError(f"--shard must be in 0..{options.shards - 1}", EXIT_USAGE)
        if options.run_id is None:
            raise CrawlError("--shard needs --run-id, the same for every shard of the crawl", EXIT_USAGE)


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
        raise CrawlError(str(exc), EXIT_OUTPUT) from None
    return layout, lock


def _run_locked(options: CrawlOptions, given_seeds: list[str], layout: Layout) -> CrawlResult:
    plan = _plan(options, given_seeds)
    options = _as_planned(options, plan)
    try:
        seeds = collect_seeds(options)
    except SeedError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None
    try:
        # Built here only so that a bad topic is a usage error before anything starts.
        build_profile(options.topic_files, options.topic)
    except TopicError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None

    settings = _with_plan(build_settings(options, layout), plan)
    # The capture extension takes the folder lock itself when Scrapy runs the spider alone; here
    # this process holds it already (a second flock of the same file would refuse this process).
    settings.set("SEEDCRAWL_LOCK_HELD", os.getpid(), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    failures: list[Failure] = []
    deferred = process.crawl(
        crawler, seeds=seeds, allow_hosts=options.allow_hosts, max_pages=options.max_pages
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
        raise CrawlError(f"crawl failed: {error}", _exit_code_for(error))
    report = crawler.extensions.middlewares
    summary = next((ext.summary for ext in report if isinstance(ext, CrawlReport)), None) or {}
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats is not None else {}
    if forced:  # the spider never closed, so no summary was made
        summary = summary or summarize(stats, time.monotonic() - started)
        summary["finish_reason"] = summary.get("finish_reason") or FORCED
    summary.setdefault("run_id", plan.run_id)
    summary["resumed"] = plan.resume
    summary["replayed"] = int(stats.get("seedcrawl/resume/replayed", 0))
    again = f"run the same command again to resume run {plan.run_id}"
    if summary.get("archive_error"):
        archive_error = str(summary["archive_error"])
        # Capture closed what the writer left open (cut back to its last whole record), so the
        # files are whole now; the run is marked interrupted and the same command resumes it.
        fix = "free space and " if any(word in archive_error for word in _SPACE_ERRORS) else ""
        return CrawlResult(
            summary,
            EXIT_ARCHIVE,
            f"stopped: cannot write the archive ({archive_error}); every WARC file is closed and whole, "
            f"pages not archived will be fetched again; {fix}{again}",
        )
    if forced:
        why = "stopped at once: every record written is whole, pages in flight were dropped"
        return CrawlResult(summary, EXIT_FORCED, f"{why}; {again}")
    if summary.get("finish_reason") == "shutdown":
        why = "interrupted: pages in flight were finished and archived, files closed"
        return CrawlResult(summary, EXIT_INTERRUPTED, f"{why}; {again}")
    if summary.get("pages", 0) == 0 and summary["replayed"] == 0:
        return CrawlResult(summary, EXIT_NOTHING_FETCHED, "no page was fetched")
    return CrawlResult(summary, EXIT_OK, "finished")


def _check_browser(options: CrawlOptions) -> None:
    """--browser always without Chromium (or a bad mode) is a usage error, before anything runs."""
    from seedcrawl.crawler import settings as defaults

    mode = options.settings.get("SEEDCRAWL_BROWSER", options.browser or defaults.SEEDCRAWL_BROWSER)
    executable = options.settings.get("SEEDCRAWL_BROWSER_EXECUTABLE", defaults.SEEDCRAWL_BROWSER_EXECUTABLE)
    try:
        check_browser(browser_mode(mode), executable)
    except (ValueError, BrowserUnavailable) as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None


def _given_seeds(options: CrawlOptions) -> list[str]:
    """The seeds the command names (none: resume the folder's run with its own)."""
    if not options.urls and options.seeds_file is None:
        return []
    try:
        return collect_seeds(options)
    except SeedError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None


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
        settings=dict(options.settings),
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
        raise CrawlError(str(exc), EXIT_USAGE) from None
    except OutputError as exc:
        raise CrawlError(str(exc), EXIT_OUTPUT) from None


def _as_planned(options: CrawlOptions, plan: RunPlan) -> CrawlOptions:
    spec = plan.spec
    return replace(
        options,
        urls=list(spec.seeds),
        seeds_file=None,
        allow_hosts=list(spec.allow_hosts),
        depth=spec.depth,
        max_pages=spec.max_pages,
        topic_files=[Path(path) for path in spec.topic_files],
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


def _exit_code_for(error: BaseException) -> int:
    from seedcrawl.outdir.errors import FolderBusy

    return EXIT_OUTPUT if isinstance(error, FolderBusy | OSError) else EXIT_NOTHING_FETCHED
