"""The flow's steps as Prefect tasks: crawl, process, index, package.

Each task is a thin shell over a plain function of ours, so its logic runs (and is tested)
without a Prefect server through `task.fn(...)`. All of them write into the output folder, so
none is cached (`NO_CACHE`): a cached crawl would silently skip fetching.

The crawl runs as a child process (`python -m seedcrawl crawl`): a Twisted reactor cannot be
restarted, so a second crawl in the same process (a retry, or the next scheduled run of a
`serve()`d flow) would fail. The child's output is passed through to our stderr as it comes
and its last lines are kept for the error message.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.logging import get_run_logger

from seedcrawl.archive.index import build_index
from seedcrawl.packaging import package_folder

EXIT_USAGE = 2  # `seedcrawl crawl` exit statuses (seedcrawl/crawl.py)
EXIT_ARCHIVE = 4  # a WARC record could not be written (disk full)
FINAL_STATUSES = frozenset({EXIT_USAGE, EXIT_ARCHIVE})  # running again a minute later cannot help
CRAWL_RETRIES = 2
CRAWL_RETRY_DELAYS: list[float] = [
    10,
    60,
]  # seconds: a site that is briefly down, then one that needs a minute
TAIL_BYTES = 8192


class CrawlFailed(Exception):
    """`seedcrawl crawl` exited with a failure status."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @property
    def retryable(self) -> bool:
        return self.exit_code not in FINAL_STATUSES


@dataclass(frozen=True)
class CrawlRequest:
    out: Path
    run_id: str
    seeds: tuple[str, ...] = ()
    seeds_file: Path | None = None
    allow_hosts: tuple[str, ...] = ()
    depth: int | None = None
    max_pages: int | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)  # extra Scrapy settings
    topic_files: tuple[Path, ...] = ()  # example articles of the topic to focus on
    topic: str | None = None  # topic keywords
    refetch: bool = False  # fetch archived articles again (conditionally) instead of skipping them
    show_progress: bool = False  # the crawl's live progress line (only useful on a terminal)
    shards: int = 1  # crawl processes sharing the hosts (seedcrawl/shard_run.py)
    redis: str | None = None  # the Redis the shards share


def _setting_text(value: Any) -> str:
    # Scrapy parses dict and list settings given on the command line as JSON
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def crawl_command(request: CrawlRequest) -> list[str]:
    """The `seedcrawl crawl` command line for one request."""
    cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(request.out), "--run-id", request.run_id]
    if request.seeds_file is not None:
        cmd += ["--seeds", str(request.seeds_file)]
    for host in request.allow_hosts:
        cmd += ["--allow-host", host]
    if request.depth is not None:
        cmd += ["--depth", str(request.depth)]
    if request.max_pages is not None:
        cmd += ["--max-pages", str(request.max_pages)]
    for path in request.topic_files:
        cmd += ["--topic-file", str(path)]
    if request.topic:
        cmd += ["--topic", request.topic]
    if request.refetch:
        cmd.append("--refetch")
    if request.shards > 1 and request.redis:
        cmd += ["--shards", str(request.shards), "--redis", request.redis]
    settings = {name: _setting_text(value) for name, value in request.settings.items()}
    if request.show_progress:
        settings["SEEDCRAWL_PROGRESS"] = "1"
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return [*cmd, "--", *request.seeds]  # "--": a seed can never be read as an option


def run_command(cmd: list[str], echo: bool = True) -> tuple[int, str]:
    """Run `cmd`, passing its output through to our stderr; returns its status and output tail."""
    tail = bytearray()
    text = codecs.getincrementaldecoder("utf-8")("replace")  # a character may span two reads
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        assert proc.stdout is not None
        while chunk := os.read(proc.stdout.fileno(), 65536):  # whatever has arrived, not a full buffer
            if echo:
                sys.stderr.write(text.decode(chunk))
                sys.stderr.flush()
            tail += chunk
            del tail[:-TAIL_BYTES]
        status = proc.wait()
    return status, tail.decode("utf-8", "replace")


def _reason(output: str, status: int) -> str:
    lines = [line.strip() for line in output.replace("\r", "\n").splitlines() if line.strip()]
    said = [line.removeprefix("seedcrawl: ") for line in lines if line.startswith("seedcrawl: ")]
    if said:
        return said[-1]
    return lines[-1] if lines else f"exit status {status}"


def run_crawl(request: CrawlRequest, echo: bool = True) -> dict[str, Any]:
    """Crawl in a child process; returns its summary (DIR/logs/crawl-<run id>.json)."""
    status, output = run_command(crawl_command(request), echo=echo)
    if status == EXIT_USAGE:
        raise CrawlFailed(f"crawl refused its arguments: {_reason(output, status)}", status)
    if status != 0:
        raise CrawlFailed(f"crawl failed (exit status {status}): {_reason(output, status)}", status)
    summary_path = Path(request.out) / "logs" / f"crawl-{request.run_id}.json"
    try:
        summary: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CrawlFailed(f"crawl finished but its summary {summary_path} is unreadable: {exc}", 1) from None
    return summary


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
    out: Path, dedup_threshold: float | None, run_id: str, scale: Scale | None = None
) -> dict[str, Any]:
    """The one call into the processing pipeline (adapts to its signature)."""
    # imported here: the extraction stack is heavy, and `prefect deploy` imports this module
    from seedcrawl.pipelines.dataset_card import write_card
    from seedcrawl.pipelines.runner import ProcessOptions, process_folder

    scale = scale or Scale()
    options = ProcessOptions(dedup_threshold=dedup_threshold, redis_url=scale.redis_url)
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
def crawl(request: CrawlRequest) -> dict[str, Any]:
    summary = run_crawl(request)
    get_run_logger().info(
        "crawled %s pages (%s requests, %s bytes) in %.1f s",
        summary.get("pages"),
        summary.get("requests"),
        summary.get("bytes"),
        summary.get("seconds", 0.0),
    )
    return summary


@task(name="process", cache_policy=NO_CACHE)
def process(
    out: Path, dedup_threshold: float | None, run_id: str, scale: Scale | None = None
) -> dict[str, Any]:
    report = run_processing(out, dedup_threshold, run_id, scale)
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
