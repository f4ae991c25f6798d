"""The main flow: crawl -> process -> index -> package, one run at a time per output folder.

A run holds the folder's one lock, `DIR/.seedcrawl.lock`, from start to end, shared with its own
steps (seedcrawl/outdir/lock.py: the crawl child and the processing borrow it); a second run on
the same folder is refused (or waits up to `lock_wait` seconds) instead of interleaving its steps
with the first run's.

The flow's parameters are the options of `seedcrawl run` (seedcrawl/options.py: RunOptions),
keyed as in a `--config` file: `options={"max-pages": 50, "urls": [...], "settings": {...}}`, and
`config`, such a file, for what `options` leaves out. They are checked before anything is done.

Failures the operator can act on (bad options, folder busy or unusable, crawl refused or failed
after its retries, package rejected) end the run as Failed with a one-line message and no
traceback; the state's data holds `{"exit_code", "reason"}` for `seedcrawl run`. Anything else is
a bug and fails the run with its traceback.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.logging import get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed

from seedcrawl.archive.index import INDEX_NAME
from seedcrawl.contract.records import ARTICLES
from seedcrawl.exits import Exit
from seedcrawl.flows import artifacts, tasks
from seedcrawl.options import RunOptions, UsageError
from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import RUN_LOCK_NAME, FolderLock
from seedcrawl.packaging import WaczError
from seedcrawl.report import REPORT, publish_report

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


def _run(layout: Layout, options: RunOptions, progress: artifacts.Progress) -> dict[str, Any]:
    run_id = options.run_id
    assert run_id is not None  # set by _for_this_run
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    steps = _Steps(progress)
    crawl = tasks.crawl.with_options(
        retries=options.crawl_retries, retry_delay_seconds=tasks.CRAWL_RETRY_DELAYS
    )
    recorded = ["seedcrawl", "flow", "run", str(flow_run.get_id() or run_id)]
    summary = steps.run(
        "crawl", lambda: dict(crawl(options.crawl_options(), recorded).summary), "{pages} pages fetched"
    )
    scale = tasks.Scale(options.dask_workers, options.dask_address, options.redis)
    report = steps.run(
        "process",
        lambda: tasks.process(layout.root, options.dedup_threshold, run_id, scale, options.extraction),
        "{articles} new articles",
    )
    index = steps.run("index", lambda: tasks.index(layout.root), "{lines} index lines")
    packaged = (
        steps.run("package", lambda: tasks.package(layout.root), "{pages} pages listed")
        if options.package
        else None
    )
    record: dict[str, Any] = {
        "run_id": run_id,
        "flow_run_id": flow_run.get_id(),
        "out": str(layout.root),
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": steps.seconds,
        "crawl": summary,
        "process": report,
        "index": index,
        "package": packaged,
        "outputs": _outputs(layout, run_id, packaged),
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
    options: dict[str, Any] | None = None,
    config: str | None = None,
    show_progress: bool = False,
) -> dict[str, Any] | State[Any]:
    """One crawl into the folder `out`, then processing, index and package.

    `options` are `seedcrawl run`'s options keyed as in a `--config` file (`urls`, `seeds`,
    `max-pages`, `settings`, `retries`, `no-package`, `lock-wait`, ...: see `seedcrawl run --help`);
    `config` is such a YAML file, filling in what `options` leaves out. `run-id` defaults to this
    flow run's id. `show_progress` passes the crawl's live progress line through (a terminal).
    Returns the run record (also written to DIR/logs/run-<run id>.json).
    """
    try:
        run = RunOptions.from_parameters(out, options, config)
    except UsageError as exc:
        return _failure(str(exc), exc.exit_code, None)
    try:
        layout = Layout.create(out)
    except OutputError as exc:
        return _failure(str(exc), Exit.FOLDER, None)
    for warning in run.setting_warnings():
        get_run_logger().warning(warning)
    run = _for_this_run(run, layout, show_progress)
    steps = [s for s in STEPS if run.package or s != "package"]
    progress = artifacts.Progress(layout.root, steps)
    try:
        with FolderLock(layout.root, wait=run.lock_wait, name=RUN_LOCK_NAME):
            record = _run(layout, run, progress)
    except FolderBusy as exc:
        return _failure(str(exc), Exit.FOLDER, progress)
    except tasks.CrawlFailed as exc:
        return _failure(f"crawl failed: {exc}", exc.exit_code, progress)
    except WaczError as exc:
        return _failure(f"packaging failed: {exc}", Exit.NOTHING, progress)
    artifacts.publish(record)
    return record


def _for_this_run(run: RunOptions, layout: Layout, show_progress: bool) -> RunOptions:
    """The folder made absolute, the run id (this flow run's unless given), the progress line."""
    settings: Mapping[str, str] = run.settings
    if show_progress:
        settings = {**settings, "SEEDCRAWL_PROGRESS": "True"}
    run_id = run.run_id or flow_run.get_id() or str(uuid.uuid4())
    return replace(run, out=layout.root, run_id=run_id, settings=dict(settings))
