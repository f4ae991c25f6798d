"""Processing on a Dask cluster through Prefect's DaskTaskRunner (prefect-dask).

    map:    one `map-warc` task per new WARC file, on the cluster's workers (pipelines.mapped)
    reduce: the one ordered dedup-and-write step, in the flow's own process (pipelines.runner)

The map outcomes come back in file order whatever finished first, so the corpus is the one the
local pool writes. The cluster is a local one started for the run (`dask_workers` processes on
127.0.0.1, one thread each) unless `dask_address` names a running scheduler; the workers must
see the output folder at the same path (a shared file system) and, with a per-record budget,
be allowed to start processes (`distributed.worker.daemon: False`, set here for a local cluster).
The dedup index can live in Redis (`redis_url`) so later runs on other machines see it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.logging import get_run_logger
from prefect_dask.task_runners import DaskTaskRunner

from seedcrawl.pipelines.mapped import FileResult, MapOptions, map_warc
from seedcrawl.pipelines.runner import ProcessOptions, process_folder

# Futures submitted ahead of the one the ordered step is waiting for: enough to keep every
# worker busy, few enough that results waiting in the flow's memory stay bounded.
AHEAD_PER_WORKER = 2


@task(name="map-warc", cache_policy=NO_CACHE)
def map_warc_task(path: str, options: MapOptions) -> FileResult:
    return map_warc(Path(path), options)


def task_runner(dask_workers: int | None = None, dask_address: str | None = None) -> DaskTaskRunner:
    """A runner on the cluster at `dask_address`, or on a new local cluster of `dask_workers`."""
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": dask_workers or 1,
            "threads_per_worker": 1,  # extraction holds the GIL: parallelism comes from processes
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": None,
        }
    )


def dask_mapper(workers: int) -> Any:
    """A `pipelines.runner.Mapper` submitting each file to the flow's task runner, in order."""

    def mapper(todo: list[Path], options: MapOptions) -> Iterator[FileResult]:
        window = max(1, workers * AHEAD_PER_WORKER)
        pending: deque[PrefectFuture[FileResult]] = deque()
        files = iter(todo)
        while True:
            while len(pending) < window and (path := next(files, None)) is not None:
                pending.append(map_warc_task.submit(str(path), options))
            if not pending:
                return
            yield pending.popleft().result()

    return mapper


@flow(
    name="seedcrawl-process",
    description="Extract and deduplicate a folder's WARC files on a Dask cluster.",
    validate_parameters=False,  # ProcessOptions is passed as it is, not coerced by pydantic
)
def process_flow(
    out: str, options: ProcessOptions, run_id: str | None = None, workers: int = 1
) -> dict[str, Any]:
    """Process `out` with the map on this flow's task runner; returns the processing report."""
    report = process_folder(Path(out), options, run_id=run_id, mapper=dask_mapper(workers)).to_dict()
    get_run_logger().info(
        "%s new articles, %s duplicates, %s rejects from %s WARC files",
        report["articles"],
        report["duplicates"],
        report["rejects"],
        report["warc_files"],
    )
    return report


def run_on_dask(
    out: Path,
    options: ProcessOptions,
    run_id: str | None = None,
    dask_workers: int | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """`process_flow` on a local cluster of `dask_workers`, or on the cluster at `dask_address`."""
    runner = task_runner(dask_workers, dask_address)
    # Worker processes that may start the per-record budget's watched child (pipelines.pool).
    with dask.config.set({"distributed.worker.daemon": False}):
        result: dict[str, Any] = process_flow.with_options(task_runner=runner)(  # type: ignore[arg-type]
            str(out), options, run_id, dask_workers or 1
        )
    return result
