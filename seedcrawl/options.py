"""The options of `seedcrawl crawl`, `run` and `process`: one typed, validated dataclass per command.

Each field is one option, defined once with `option(...)` (seedcrawl/option_fields.py): its flag
and help make the argparse argument, its long option is also its key in a `--config` YAML file
and in the flow's `options` parameter, and its field name is its key in the JSON the crawl's
child process reads (seedcrawl/crawl_child.py). An option that is a Scrapy setting names it
(`setting=`), and the crawl sets it. Every object is validated when it is built, however it is
built, so a bad option is a usage error (exit 2) before any file is touched.

Adding a crawl option is one field in `CrawlOptions` (and a check in `__post_init__` if its
values are bounded) plus its test in tests/test_options.py; `seedcrawl run` and the flow have it
at once, since `RunOptions` extends `CrawlOptions`. `seedcrawl process` has ProcessOptions
(seedcrawl/process_options.py), defined the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from seedcrawl.option_fields import (
    REQUIRED,
    UsageError,
    console_level_of,
    default_of,
    option,
    quiet_option,
    verbose_option,
)
from seedcrawl.process_options import (
    ProcessOptions,
    check_extraction,
    check_processing,
    dask_address_option,
    dask_workers_option,
    dedup_threshold_option,
    extraction_option,
)
from seedcrawl.setting_check import check_settings, unknown_setting_warnings
from seedcrawl.verbosity import NOTHING, SILENT

__all__ = ["CrawlOptions", "ProcessOptions", "RunOptions", "UsageError"]  # ProcessOptions: process_options.py

SCOPE_MODES = ("host", "domain", "prefix", "page")  # crawler/discover/scope_rules.py
BROWSER_MODES = ("never", "auto", "always")  # crawler/chromium/rendering.py
# Run ids name files (logs/crawl-<id>.log): nothing that could be a path.
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Politeness off, for our own servers on loopback only (the demo web, tests, benchmarks): no delay,
# no AutoThrottle, more requests per host. Never for other people's sites.
LOOPBACK = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


@dataclass(frozen=True)
class CrawlOptions:
    out: Path = option("--out", "output folder", REQUIRED, metavar="DIR")
    urls: tuple[str, ...] = option("urls", "seed URLs", (), metavar="URL")
    seeds_file: Path | None = option("--seeds", "file of seed URLs, one a line, # comments", metavar="FILE")
    allow_hosts: tuple[str, ...] = option(
        "--allow-host",
        "also crawl this host (repeatable): a name (news.example.com), with a port "
        "(news.example.com:8080), or '*.example.com' for every subdomain of example.com (not "
        "example.com itself: give it too; quote the * from the shell); the seeds' hosts are always in scope",
        (),
        metavar="HOST",
    )
    depth: int | None = option("--depth", "follow links at most N hops from a seed (default: 3)", metavar="N")
    max_pages: int | None = option("--max-pages", "request at most N pages (default: no limit)", metavar="N")
    max_bytes: int | None = option(
        "--max-bytes",
        "stop cleanly after downloading N body bytes (default: no limit)",
        metavar="N",
        setting="SEEDCRAWL_MAX_BYTES",
    )
    max_time: float | None = option(
        "--max-time",
        "stop cleanly after SECONDS (default: no limit)",
        metavar="SECONDS",
        setting="SEEDCRAWL_MAX_TIME",
    )
    run_id: str | None = option(
        "--run-id", "id recorded in the WARC files and corpus (default: made up)", metavar="ID"
    )
    new_run: bool = option(
        "--new-run",
        "start a new run even if the latest run into DIR did not finish (it is resumed otherwise)",
        False,
    )
    topic_files: tuple[Path, ...] = option(
        "--topic-file",
        "example article on the crawl's topic (repeatable): pages like it are fetched first",
        (),
        metavar="FILE",
    )
    topic: str | None = option(
        "--topic", 'topic keywords, e.g. "kerry lavrov syria" (alone or with --topic-file)', metavar="TEXT"
    )
    refetch: bool = option(
        "--refetch",
        "fetch articles already in DIR/corpus again, as conditional requests (unchanged ones answer 304)",
        False,
    )
    browser: str | None = option(
        "--browser",
        "render pages in headless Chromium: never; auto (default: pages that are script-filled "
        "shells); always (every HTML page). Needs `apt-get install chromium`",
        choices=BROWSER_MODES,
        setting="SEEDCRAWL_BROWSER",
    )
    scope: str | None = option(
        "--scope",
        "host (default): the seeds' hosts; domain: their registered domains and subdomains; "
        "prefix: under a seed URL's path; page: the seed pages only (with their requisites)",
        choices=SCOPE_MODES,
        setting="SEEDCRAWL_SCOPE",
    )
    include: tuple[str, ...] = option(
        "--include",
        "follow only pages whose URL matches REGEX (repeatable: any of them)",
        (),
        metavar="REGEX",
        setting="SEEDCRAWL_INCLUDE",
    )
    exclude: tuple[str, ...] = option(
        "--exclude",
        "never follow pages whose URL matches REGEX (repeatable)",
        (),
        metavar="REGEX",
        setting="SEEDCRAWL_EXCLUDE",
    )
    exclude_requisites: tuple[str, ...] = option(
        "--exclude-requisites",
        "do not fetch page requisites whose URL matches REGEX (repeatable)",
        (),
        metavar="REGEX",
        setting="SEEDCRAWL_EXCLUDE_REQUISITES",
    )
    requisites: bool = option(
        "--no-requisites",
        "archive pages only, not their stylesheets, scripts, images, fonts and media",
        True,
        setting="SEEDCRAWL_REQUISITES",
    )
    user_agent: str | None = option(
        "--user-agent",
        "the User-Agent header sent (default: seedcrawl's, naming the project and its README)",
        metavar="TEXT",
        setting="USER_AGENT",
    )
    settings: dict[str, str] = option(
        "-s",
        "set a Scrapy setting for this crawl (repeatable), as `scrapy crawl -s` does",
        {},
        metavar="NAME=VALUE",
    )
    shards: int = option(
        "--shards", "crawl with N processes sharing the hosts; more than 1 needs --redis", 1, metavar="N"
    )
    shard: int | None = option(
        "--shard",
        "run only shard I of --shards N (with the same --run-id on each)",
        metavar="I",
        only="crawl",
    )
    redis: str | None = option(
        "--redis",
        "redis://HOST:PORT/DB the crawl shards share (seen URLs, one inbox per shard, the end check); "
        "`run` keeps its dedup index there too",
        metavar="URL",
    )
    verbose: int = verbose_option(
        "show the crawl's log records on the console too (all are in DIR/logs/ anyway): -v warnings "
        "and errors, -vv info, -vvv debug"
    )
    quiet: int = quiet_option("print nothing but a failure's one line (no progress bar, no summary)")

    def __post_init__(self) -> None:
        from seedcrawl.crawler.discover.scope_rules import ScopeRuleError, compile_patterns
        from seedcrawl.crawler.discover.seeds import SeedError, parse_seed_list

        for name, value, low in (
            ("--depth", self.depth, 0),
            ("--max-pages", self.max_pages, 1),
            ("--max-bytes", self.max_bytes, 1),
            ("--shards", self.shards, 1),
        ):
            if value is not None and value < low:
                raise UsageError(f"{name} must be {low} or more")
        if self.max_time is not None and self.max_time <= 0:
            raise UsageError("--max-time must be more than 0")
        if self.run_id is not None and not RUN_ID.fullmatch(self.run_id):
            raise UsageError(f"--run-id takes letters, digits, '.', '_' and '-', got {self.run_id!r}")
        if self.browser is not None and self.browser not in BROWSER_MODES:
            raise UsageError(f"--browser takes never, auto or always, not {self.browser!r}")
        if self.scope is not None and self.scope not in SCOPE_MODES:
            raise UsageError(f"--scope takes {', '.join(SCOPE_MODES)}, not {self.scope!r}")
        if self.user_agent is not None and not self.user_agent.strip():
            raise UsageError("--user-agent must not be empty")
        console_level_of(NOTHING, self.verbose, self.quiet)  # -v with -q: a usage error
        self._check_shards()
        try:
            for name in ("include", "exclude", "exclude_requisites"):
                compile_patterns(getattr(self, name), "--" + name.replace("_", "-"))
            parse_seed_list(self.urls)
        except (ScopeRuleError, SeedError) as exc:
            raise UsageError(str(exc)) from None
        check_settings(self.settings)

    def _check_shards(self) -> None:
        if (self.shards > 1 or self.shard is not None) and not self.redis:
            raise UsageError("--shards needs --redis redis://HOST:PORT/DB, which the shards share")
        if self.shard is not None:
            if not 0 <= self.shard < self.shards:
                raise UsageError(f"--shard must be in 0..{self.shards - 1}")
            if self.run_id is None:
                raise UsageError("--shard needs --run-id, the same for every shard of the crawl")

    def field_settings(self) -> dict[str, str]:
        """The Scrapy settings of the options that are settings and were given (text, as -s takes)."""
        from seedcrawl.option_fields import setting_text

        found = {}
        for spec in fields(self):
            name = spec.metadata.get("setting")
            value = getattr(self, spec.name)
            if name and value != default_of(spec):
                found[name] = setting_text(value)
        return found

    def setting_warnings(self) -> list[str]:
        return unknown_setting_warnings(self.settings)

    @property
    def console_level(self) -> int:
        return console_level_of(NOTHING, self.verbose, self.quiet)

    @property
    def silent(self) -> bool:
        """No progress bar and no summary: -q."""
        return self.console_level >= SILENT


@dataclass(frozen=True)
class RunOptions(CrawlOptions):
    """`seedcrawl run` and the flow: every crawl option, and how to process and package."""

    dedup_threshold: float | None = dedup_threshold_option()
    extraction: str = extraction_option()
    dask_workers: int | None = dask_workers_option()
    dask_address: str | None = dask_address_option()
    lock_wait: float = option(
        "--lock-wait",
        "wait up to SECONDS for another run on DIR to finish; 0 refuses at once",
        0.0,
        metavar="SECONDS",
    )
    crawl_retries: int = option(
        "--retries", "retry a crawl that failed for a reason that may pass (network, server) N times", 2,
        metavar="N",
    )  # fmt: skip
    package: bool = option("--no-package", "skip writing DIR/package/<name>.wacz", True)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_processing(self.dedup_threshold, self.dask_workers, self.dask_address)
        check_extraction(self.extraction)
        if self.lock_wait < 0 or self.crawl_retries < 0:
            raise UsageError("--lock-wait and --retries must be 0 or more")

    def crawl_options(self) -> CrawlOptions:
        return CrawlOptions(**{spec.name: getattr(self, spec.name) for spec in fields(CrawlOptions)})

    @classmethod
    def from_parameters(
        cls, out: str, options: Mapping[str, Any] | None = None, config: str | None = None
    ) -> RunOptions:
        """The flow's parameters: `options` keyed as a `--config` file is, winning over `config`'s."""
        from seedcrawl.config import options_from_mapping

        return options_from_mapping(cls, "run", out, options or {}, config)
