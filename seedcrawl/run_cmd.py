"""`seedcrawl run`: crawl, process, index and package as one Prefect flow run.

With no Prefect server configured, the flow runs on Prefect's temporary embedded server, whose
database goes to DIR/.prefect (see flows/runner.py). That server runs no schedules: scheduled
crawls use `prefect.yaml` with a real server and a worker (see the README).

The options are RunOptions (seedcrawl/options.py): every crawl option and the run's own. They
and the mistakes that need no server to find (no seeds, a folder that is busy or not writable)
are refused before Prefect is imported, which saves the 10-20 s its server takes to start.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from seedcrawl.config import add_config_option
from seedcrawl.crawl_result import CrawlError, CrawlStatus
from seedcrawl.exits import Exit
from seedcrawl.option_fields import add_arguments, from_args, to_config
from seedcrawl.options import RunOptions
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import RUN_LOCK_NAME, FolderLock


def add_run_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="crawl, process, index and package DIR as one Prefect flow run (embedded server unless configured)",
        description="Every crawl option, and the run's own; -v also shows Prefect's log lines.",
    )
    add_config_option(parser)
    add_arguments(parser, RunOptions, "run")


def _check(options: RunOptions) -> Layout:
    """Everything that can be refused without starting Prefect; raises CrawlError."""
    from seedcrawl.crawl import collect_seeds
    from seedcrawl.crawler.discover.seeds import SeedError

    try:
        collect_seeds(options)
    except (SeedError, OSError) as exc:
        raise CrawlError(str(exc), CrawlStatus.USAGE) from None
    try:
        layout = Layout.create(options.out)
    except OutputError as exc:
        raise CrawlError(str(exc), CrawlStatus.OUTPUT) from None
    if options.lock_wait == 0:
        probe = FolderLock(layout.root, name=RUN_LOCK_NAME)
        try:
            probe.acquire()
        except FolderBusy as exc:
            raise CrawlError(str(exc), CrawlStatus.OUTPUT) from None
        probe.release()  # the flow takes it for good; a run starting in between is refused there
    return layout


def _report(record: dict[str, Any], seconds: float) -> str:
    crawl, made = record["crawl"], record["process"]
    outputs = record["outputs"]
    resumed = (
        f" (resumed: {crawl.get('replayed', 0)} read back from the archive)" if crawl.get("resumed") else ""
    )
    lines = [
        f"seedcrawl: run {record['run_id']} finished in {seconds:.1f} s: {crawl.get('pages', 0)} pages fetched"
        f"{resumed}, {made.get('articles', 0)} new articles, {made.get('duplicates', 0)} duplicates dropped, "
        f"{made.get('rejects', 0)} rejects, {made.get('errors', 0)} processing errors",
        f"output: {record['out']}",
        *(f"  {name}: {path}" for name, path in outputs.items()),
    ]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    return run(from_args(RunOptions, args))


def run(options: RunOptions) -> int:
    """`seedcrawl run` with these options (also what `seedcrawl demo` runs)."""
    from seedcrawl.crawl_cmd import warn

    warn(options.setting_warnings())
    layout = _check(options)
    from seedcrawl.flows.runner import (
        PREFECT_DIR,
        history_command,
        prefect_imported,
        prepare_environment,
        quiet_console,
    )

    verbose = options.verbose > 0
    if not prefect_imported():
        prepare_environment(layout.root, verbose=verbose)
    if "PREFECT_API_URL" not in os.environ:
        print(
            f"seedcrawl: starting Prefect's temporary server (10-20 s; run history in {layout.root / PREFECT_DIR})",
            file=sys.stderr,
        )
    from seedcrawl.flows.crawl_flow import seedcrawl_flow

    if not verbose:
        quiet_console()

    started = time.monotonic()
    state = seedcrawl_flow(
        out=str(layout.root),
        options=to_config(options, "run"),
        show_progress=sys.stderr.isatty(),
        return_state=True,
    )
    outcome = state.result(raise_on_failure=False)
    history = layout.root / PREFECT_DIR
    hint = f"  run history: {history_command(history)}" if history.is_dir() else None
    if state.is_completed() and isinstance(outcome, dict):
        print(_report(outcome, time.monotonic() - started), file=sys.stderr)
        if hint:
            print(hint, file=sys.stderr)
        return 0
    if hint:
        print(hint, file=sys.stderr)
    if isinstance(outcome, dict) and "reason" in outcome:
        print(f"seedcrawl: {outcome['reason']}", file=sys.stderr)
        return int(outcome.get("exit_code", Exit.NOTHING))
    print(f"seedcrawl: run failed: {state.message or outcome}", file=sys.stderr)
    return Exit.NOTHING
