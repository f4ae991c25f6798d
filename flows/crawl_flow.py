"""The main flow: crawl -> process -> index -> package, one run at a time per output folder.

A run holds `DIR/.seedcrawl-run.lock` from start to end. The crawl and the processing each take
`DIR/.seedcrawl.lock` themselves while they write, so the run uses the other name; a second run
on the same folder is refused (or waits up to `lock_wait` seconds) instead of interleaving its
steps with the first run's.

Failures the operator can act on (folder busy or unusable, crawl refused or failed after its
retries, package rejected) end the run as Failed with a one-line message and no traceback; the
state's data holds `{"exit_code", "reason"}` for `seedcrawl run`. Anything else is a bug and
fails the run with its traceback.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run
from prefect.states import Failed

from seedcrawl.archive.index import INDEX_NAME
from seedcrawl.contract.records import ARTICLES
from seedcrawl.flows import artifacts, tasks
from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import RUN_LOCK_NAME, FolderLock
from seedcrawl.packaging import WaczError
from seedcrawl.report import REPORT
from seedcrawl.report_cmd import publish_report

EXIT_FAILED = 1
EXIT_OUTPUT = 3  # as `seedcrawl crawl`: the output folder is unusable or busy
STEPS = ("crawl", "process", "index", "package")


def _outputs(layout: Layout, run_id: str, package: dict[str, Any] | None) -> dict[str, str]:
    found = {
        "WARC files": str(layout.warc_dir),
        "articles": str(layout.corpus_dir / ARTICLES),
        "index": str(layout.index_dir / INDEX_NAME),
        "run record": str(_record_path(layout, run_id)),
    }
    if package:
        found["package"] = package["path"]
    found["report"] = str(layout.root / REPORT)
    return found


def _record_path(layout: Layout, run_id: str) -> Path:
    return layout.logs_dir / f"run-{run_id}.json"


def _write_record(layout: Layout, record: dict[str, Any]) -> None:
    path = _record_path(layout, record["run_id"])
    write_bytes_atomically(path, (json.dumps(record, indent=2) + "\n").encode("utf-8"))


def _failure(reason: str, exit_code: int, progress: artifacts.Progress | None) -> State[Any]:
    if progress is not None:
        progress.failed(reason)
    return Failed(message=reason, data={"exit_code": exit_code, "reason": reason})


class _Steps:
    """Runs the steps in order, timing each (Prefect's task overhead included) and moving the progress bar."""

    def __init__(self, progress: artifacts.Progress) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}

    def run(self, name: str, step: Callable[[], dict[str, Any]], note: str) -> dict[str, Any]:
        started = time.monotonic()
        result = step()
        self.seconds[name] = round(time.monotonic() - started, 2)
        # a count missing from a step's result shows as "?" rather than failing a finished step
        self.progress.step_done(name, note.format_map(defaultdict(lambda: "?", result)))
        return result


def _run(
    layout: Layout,
    request: tasks.CrawlRequest,
    progress: artifacts.Progress,
    dedup_threshold: float | None,
    crawl_retries: int,
    package: bool,
    scale: tasks.Scale,
) -> dict[str, Any]:
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    steps = _Steps(progress)
    crawl = tasks.crawl.with_options(retries=crawl_retries, retry_delay_seconds=tasks.CRAWL_RETRY_DELAYS)
    summary = steps.run("crawl", lambda: crawl(request), "{pages} pages fetched")
    report = steps.run(
        "process",
        lambda: tasks.process(layout.root, dedup_threshold, request.run_id, scale),
        "{articles} new articles",
    )
    index = steps.run("index", lambda: tasks.index(layout.root), "{lines} index lines")
    packaged = (
        steps.run("package", lambda: tasks.package(layout.root), "{pages} pages listed") if package else None
    )
    record: dict[str, Any] = {
        "run_id": request.run_id,
        "flow_run_id": flow_run.get_id(),
        "out": str(layout.root),
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": steps.seconds,
        "crawl": summary,
        "process": report,
        "index": index,
        "package": packaged,
        "outputs": _outputs(layout, request.run_id, packaged),
    }
    _write_record(layout, record)
    publish_report(layout.root)  # after the record: the report shows its step times
    return record


@flow(
    name="seedcrawl",
    description="Crawl news seeds into WARC files, extract and deduplicate articles, index and package.",
)
def seedcrawl_flow(
    out: str,
    seeds: list[str] | None = None,
    seeds_file: str | None = None,
    allow_hosts: list[str] | None = None,
    depth: int | None = None,
    max_pages: int | None = None,
    dedup_threshold: float | None = None,
    settings: dict[str, Any] | None = None,
    topic: str | None = None,
    topic_files: list[str] | None = None,
    refetch: bool = False,
    lock_wait: float = 0.0,
    package: bool = True,
    crawl_retries: int = tasks.CRAWL_RETRIES,
    run_id: str | None = None,
    show_progress: bool = False,
    config: str | None = None,
    shards: int = 1,
    redis: str | None = None,
    dask_workers: int | None = None,
    dask_address: str | None = None,
) -> dict[str, Any] | State[Any]:
    """One crawl of `seeds` (URLs and/or `seeds_file`) into the folder `out`, then the other steps.

    `dedup_threshold` defaults to the processing pipeline's own; `settings` are extra Scrapy settings; `topic` (keywords) and `topic_files` (example articles)
    focus the crawl on a topic; `refetch` fetches already archived articles again;
    `lock_wait` is how long to wait for another run on the same folder to finish (0: refuse);
    `run_id` defaults to this flow run's id and is recorded in the WARC files and the corpus;
    `show_progress` passes the crawl's live progress line through (for a terminal);
    `config` is a YAML file of `seedcrawl run` options (see seedcrawl/config.py), filling in
    every parameter left at its default here.
    `redis` (redis://HOST:PORT/DB) keeps the dedup index in Redis, and with `shards` > 1 the crawl
    runs that many processes sharing the hosts through the same Redis (under their own keys; a
    dead shard is started again and resumes; see seedcrawl/shard_run.py).
    `dask_workers` (a local cluster) or `dask_address` (a running one) extract on Dask
    (flows/process_flow.py).
    Returns the run record (also written to DIR/logs/run-<run id>.json).
    """
    try:
        layout = Layout.create(out)
    except OutputError as exc:
        return _failure(str(exc), EXIT_OUTPUT, None)
    if config is not None:
        from seedcrawl.crawl import CrawlError
        from seedcrawl.run_cmd import config_parameters

        try:
            filed = config_parameters(config, out)
        except CrawlError as exc:
            return _failure(str(exc), exc.exit_code, None)
        seeds, seeds_file, allow_hosts = (
            seeds or filed["seeds"],
            seeds_file or filed["seeds_file"],
            allow_hosts or filed["allow_hosts"],
        )
        depth = filed["depth"] if depth is None else depth
        max_pages = filed["max_pages"] if max_pages is None else max_pages
        dedup_threshold = filed["dedup_threshold"] if dedup_threshold is None else dedup_threshold
        settings = {**filed["settings"], **(settings or {})}
        topic, topic_files = topic or filed["topic"], topic_files or filed["topic_files"]
        refetch, package = refetch or filed["refetch"], package and filed["package"]
        lock_wait, run_id = lock_wait or filed["lock_wait"], run_id or filed["run_id"]
        if crawl_retries == tasks.CRAWL_RETRIES:
            crawl_retries = filed["crawl_retries"]
        shards, redis = (filed["shards"] if shards == 1 else shards), redis or filed["redis"]
        dask_workers = dask_workers or filed["dask_workers"]
        dask_address = dask_address or filed["dask_address"]
    request = tasks.CrawlRequest(
        out=layout.root,
        run_id=run_id or flow_run.get_id() or str(uuid.uuid4()),
        seeds=tuple(seeds or ()),
        seeds_file=Path(seeds_file).absolute() if seeds_file else None,
        allow_hosts=tuple(allow_hosts or ()),
        depth=depth,
        max_pages=max_pages,
        settings=dict(settings or {}),
        topic_files=tuple(Path(p).absolute() for p in topic_files or ()),
        topic=topic,
        refetch=refetch,
        show_progress=show_progress,
        shards=shards,
        redis=redis,
    )
    progress = artifacts.Progress(layout.root, [s for s in STEPS if package or s != "package"])
    try:
        with FolderLock(layout.root, wait=lock_wait, name=RUN_LOCK_NAME):
            scale = tasks.Scale(dask_workers, dask_address, redis)
            record = _run(layout, request, progress, dedup_threshold, crawl_retries, package, scale)
    except FolderBusy as exc:
        return _failure(str(exc), EXIT_OUTPUT, progress)
    except tasks.CrawlFailed as exc:
        return _failure(str(exc), exc.exit_code, progress)
    except WaczError as exc:
        return _failure(f"packaging failed: {exc}", EXIT_FAILED, progress)
    artifacts.publish(record)
    return record
