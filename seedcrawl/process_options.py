"""The options of `seedcrawl process` (ProcessOptions), and those `seedcrawl run` shares with it.

Defined as seedcrawl/options.py defines the crawl's: one `option(...)` field per option, checked
when the object is built. `pipeline_options()` is what the processing pipeline itself takes
(pipelines/runner.py's ProcessOptions, which also holds what no command line sets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from logging import WARNING
from pathlib import Path
from typing import Any

from seedcrawl.option_fields import (
    REQUIRED,
    UsageError,
    console_level_of,
    option,
    quiet_option,
    verbose_option,
)

DASK_SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://")
# DedupConfig's default (pipelines/dedup/deduper.py), not imported here: its import costs 0.4 s for
# every command; tests/test_cli_help.py holds the two equal.
DEFAULT_DEDUP_THRESHOLD = 0.5


def dedup_threshold_option() -> Any:
    return option(
        "--dedup-threshold",
        "estimated Jaccard similarity at or above which articles are near duplicates "
        f"(default: {DEFAULT_DEDUP_THRESHOLD:g}; see bench/results/dedup.md)",
        metavar="J",
    )


# pipelines.extract.PROFILES' names, not imported here: the import costs every command the
# extraction stack; tests/test_extraction_profiles.py holds the two equal.
EXTRACTION_PROFILES = ("fast", "accurate")


def extraction_option() -> Any:
    return option(
        "--extraction",
        "fast (the default): one trafilatura run, in recall mode pruned as precision mode prunes, "
        "and htmldate's date search without dateparser; accurate: trafilatura's precision and "
        "recall runs vote, and htmldate searches with dateparser, for 1.5 times fast's CPU and "
        "a little more text on news pages (bench/RESULTS.md)",
        EXTRACTION_PROFILES[0],
        choices=EXTRACTION_PROFILES,
    )


def check_extraction(profile: str) -> None:
    if profile not in EXTRACTION_PROFILES:
        raise UsageError(f"--extraction takes {' or '.join(EXTRACTION_PROFILES)}, not {profile!r}")


def dask_workers_option() -> Any:
    return option(
        "--dask-workers",
        "extract on a local Dask cluster of N worker processes (Prefect's DaskTaskRunner; "
        "default: no Dask, this machine's worker processes)",
        metavar="N",
    )


def dask_address_option() -> Any:
    return option(
        "--dask-address",
        "extract on the running Dask cluster whose scheduler is at this address "
        "(its workers must see DIR at the same path)",
        metavar="tcp://HOST:PORT",
    )


def check_processing(threshold: float | None, workers: int | None, address: str | None) -> None:
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise UsageError(f"--dedup-threshold is a Jaccard similarity in (0, 1], got {threshold:g}")
    if workers is not None and workers < 1:
        raise UsageError("--dask-workers must be 1 or more")
    if workers is not None and address:
        raise UsageError("--dask-workers starts a local cluster; --dask-address uses a running one: not both")
    if address and not address.startswith(DASK_SCHEMES):
        raise UsageError(f"--dask-address must be a scheduler address like tcp://host:8786, got {address!r}")


def _check_topic_file(path: Path) -> None:
    from seedcrawl.contract.topic import TopicProfile

    try:
        TopicProfile.load(path)
    except OSError as exc:
        raise UsageError(f"--topic-file {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--topic-file {path} is not a topic profile: {exc}") from None


def _extract_defaults() -> tuple[float, int]:
    from seedcrawl.pipelines.pool import EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT_S

    return EXTRACT_TIMEOUT_S, EXTRACT_MEMORY_MB


@dataclass(frozen=True)
class ProcessOptions:
    """`seedcrawl process`; `pipeline_options()` is what the processing pipeline takes."""

    out: Path = option("out", "output folder of a crawl", REQUIRED, metavar="DIR")
    workers: int | None = option("--workers", "extraction processes (default: one per CPU)", metavar="N")
    dedup_threshold: float | None = dedup_threshold_option()
    redis: str | None = option(
        "--redis",
        "share the dedup index in Redis (redis://host:port/db; default: none, the index is in DIR/dedup)",
        metavar="URL",
    )
    dask: bool = option(
        "--dask",
        "extract on a local Dask cluster through Prefect's DaskTaskRunner (one worker per CPU)",
        False,
    )
    dask_workers: int | None = dask_workers_option()
    dask_address: str | None = dask_address_option()
    topic_file: Path | None = option(
        "--topic-file",
        "topic profile (default: the one the crawl saved in DIR/state/topic.json)",
        metavar="FILE",
    )
    keep_off_topic: bool = option("--keep-off-topic", "keep articles below the topic threshold", False)
    extract_timeout: float = option(
        "--extract-timeout",
        "reject a record (extract_timeout) whose extraction takes longer (0: no bound)",
        _extract_defaults()[0],
        metavar="SECONDS",
    )
    extract_memory: int = option(
        "--extract-memory",
        "reject a record (extract_memory) whose extraction grows its worker by more than MB MiB "
        "resident (0: no bound)",
        _extract_defaults()[1],
        metavar="MB",
    )
    extraction: str = extraction_option()
    language: str | None = option(
        "--language",
        "keep only articles whose text is in these languages (ISO 639-1, e.g. en,de); "
        "others go to rejects.jsonl with reason 'language' (default: every language)",
        metavar="CODES",
    )
    verbose: int = verbose_option(
        "log more to the console: -v progress (INFO), -vv everything (DEBUG); warnings otherwise"
    )
    quiet: int = quiet_option("log less: -q errors only (and no progress bar), -qq nothing but the summary")

    def __post_init__(self) -> None:
        from seedcrawl.pipelines.language import parse_languages

        check_processing(self.dedup_threshold, self.dask_workers, self.dask_address)
        check_extraction(self.extraction)
        if self.workers is not None and self.workers < 1:
            raise UsageError("--workers must be 1 or more")
        if self.extract_timeout < 0 or self.extract_memory < 0:
            raise UsageError("--extract-timeout and --extract-memory must be 0 (no bound) or more")
        console_level_of(WARNING, self.verbose, self.quiet)  # -v with -q: a usage error
        if self.redis is not None and not self.redis.startswith(("redis://", "rediss://", "unix://")):
            raise UsageError(f"--redis takes a Redis URL like redis://host:6379/0, got {self.redis!r}")
        if self.topic_file is not None:
            _check_topic_file(self.topic_file)
        if self.language is not None:
            try:
                parse_languages(self.language)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        if self.dedup_threshold is not None:
            try:  # what the index itself refuses (LSH bands for this threshold)
                self.pipeline_options().dedup_config()
            except ValueError as exc:
                raise UsageError(f"--dedup-threshold {self.dedup_threshold:g}: {exc}") from None

    def dask_choice(self) -> tuple[bool, int | None, str | None]:
        """(use Dask, local workers, scheduler address)."""
        wanted = bool(self.dask or self.dask_workers or self.dask_address)
        workers = self.dask_workers
        if wanted and workers is None and not self.dask_address:
            workers = max(1, os.cpu_count() or 1)
        return wanted, workers, self.dask_address

    def pipeline_options(self) -> Any:
        """The processing pipeline's own options (pipelines.runner.ProcessOptions)."""
        from seedcrawl.pipelines.extract import profile_options
        from seedcrawl.pipelines.language import parse_languages
        from seedcrawl.pipelines.runner import ProcessOptions as PipelineOptions

        options = PipelineOptions(
            redis_url=self.redis,
            topic_file=self.topic_file,
            keep_off_topic=self.keep_off_topic,
            dedup_threshold=self.dedup_threshold,
            extract_timeout=self.extract_timeout or None,
            extract_memory_mb=self.extract_memory or None,
        )
        languages = parse_languages(self.language) if self.language is not None else frozenset()
        options.extract = profile_options(self.extraction, languages)
        if self.workers is not None:
            options.workers = self.workers
        return options

    @property
    def console_level(self) -> int:
        return console_level_of(WARNING, self.verbose, self.quiet)
