"""The flow's steps as Prefect tasks: crawl, process, index, package.

Each task is a thin shell over a plain function of ours, so its logic runs (and is tested)
without a Prefect server through `task.fn(...)`. All of them write into the output folder, so
none is cached (`NO_CACHE`): a cached crawl would silently skip fetching.

The crawl runs in a child process through seedcrawl/crawl_child.py (a Twisted reactor cannot be
restarted, so a second crawl in the same process, a retry or the next scheduled run of a
`serve()`d flow, would fail): the options go in as JSON, a CrawlResult comes back, and the
child's output is passed through to our stderr as it comes. A failed crawl is retried only when
the result says another attempt may do better (`CrawlResult.retryable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.logging import get_run_logger

from seedcrawl.archive.index import build_index
from seedcrawl.crawl_child import run_child
from seedcrawl.crawl_result import CrawlResult
from seedcrawl.options import CrawlOptions
from seedcrawl.packaging import package_folder
from seedcrawl.process_options import EXTRACTION_PROFILES

CRAWL_RETRIES = 2
CRAWL_RETRY_DELAYS: list[float] = [
    10,
    60,
]  # seconds: a site that is briefly down, then one that needs a minute


class CrawlFailed(Exception):
    """The crawl ended with a failure; its result says which and whether to retry."""

    def __init__(self, result: CrawlResult) -> None:
        super().__init__(result.reason)
        self.result = result

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def retryable(self) -> bool:
        return self.result.retryable


def crawl_in_child(options: CrawlOptions, echo: bool = True, recorded: Sequence[str] = ()) -> CrawlResult:
    """Crawl in a child process; raises CrawlFailed unless it finished."""
    result = run_child(options, echo=echo, recorded=recorded)
    if result.exit_code:
        raise CrawlFailed(result)
    return result


@dataclass(frozen=True)
class Scale:
    """Where processing runs and where its dedup index lives (all None: this machine, DIR/dedup)."""

    dask_workers: int | None = None  # a local Dask cluster of this many worker processes
    dask_address: str | None = None  # the scheduler of a running Dask cluster
    redis_url: str | None = None  # the dedup index in Redis

    @property
    def dask(self) -> bool:
        return bool(self.dask_workers or self.dask_address)


def run_processing(
    out: Path,
    dedup_threshold: float | None,
    run_id: str,
    scale: Scale | None = None,
    extraction: str = EXTRACTION_PROFILES[0],
) -> dict[str, Any]:
    """The one call into the processing pipeline (adapts to its signature); `extraction`: the
    extraction profile (pipelines.extract.PROFILES)."""
    # imported here: the extraction stack is heavy, and `prefect deploy` imports this module
    from seedcrawl.pipelines.dataset_card import write_card
    from seedcrawl.pipelines.extract import profile_options
    from seedcrawl.pipelines.runner import ProcessOptions, process_folder

    scale = scale or Scale()
    options = ProcessOptions(
        dedup_threshold=dedup_threshold, redis_url=scale.redis_url, extract=profile_options(extraction)
    )
    if scale.dask:
        from seedcrawl.flows.process_flow import run_on_dask  # prefect-dask and distributed only when asked

        report = run_on_dask(out, options, run_id, scale.dask_workers, scale.dask_address)
    else:
        report = process_folder(out, options, run_id=run_id).to_dict()
    write_card(Path(out))
    return report


def _worth_retrying(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    error = state.data
    return not isinstance(error, CrawlFailed) or error.retryable


@task(
    name="crawl",
    retries=CRAWL_RETRIES,
    retry_delay_seconds=CRAWL_RETRY_DELAYS,
    retry_condition_fn=_worth_retrying,
    cache_policy=NO_CACHE,
)
def crawl(options: CrawlOptions, recorded: Sequence[str] = ()) -> CrawlResult:
    result = crawl_in_child(options, recorded=recorded)
    get_run_logger().info(
        "crawled %s pages (%s requests, %s bytes) in %.1f s%s",
        result.counts.get("pages"),
        result.counts.get("requests"),
        result.counts.get("bytes"),
        result.summary.get("seconds", 0.0),
        f", resuming run {result.run_id} ({result.replayed} read back from the archive)"
        if result.resumed
        else "",
    )
    return result


@task(name="process", cache_policy=NO_CACHE)
def process(
    out: Path,
    dedup_threshold: float | None,
    run_id: str,
    scale: Scale | None = None,
    extraction: str = EXTRACTION_PROFILES[0],
) -> dict[str, Any]:
    report = run_processing(out, dedup_threshold, run_id, scale, extraction)
    get_run_logger().info(
        "%s new articles, %s duplicates, %s rejects, %s errors",
        report.get("articles"),
        report.get("duplicates"),
        report.get("rejects"),
        report.get("errors"),
    )
    return report


@task(name="index", cache_policy=NO_CACHE)
def index(out: Path) -> dict[str, Any]:
    result = build_index(out)
    return {
        "index": str(result.index),
        "lines": result.lines,
        "indexed": len(result.indexed),
        "reused": len(result.reused),
        "dropped": len(result.dropped),
    }


@task(name="package", cache_policy=NO_CACHE)
def package(out: Path) -> dict[str, Any]:
    result = package_folder(out)
    return {"path": str(result.path), "warcs": result.warcs, "pages": result.pages, "bytes": result.bytes}
