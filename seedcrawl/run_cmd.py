"""`seedcrawl run`: crawl, process, index and package as one Prefect flow run.

With no Prefect server configured, the flow runs on Prefect's temporary embedded server, whose
database goes to DIR/.prefect (see flows/runner.py). That server runs no schedules: scheduled
crawls use `prefect.yaml` with a real server and a worker (see the README).

Mistakes that need no server to find (no seeds, bad numbers, a folder that is busy or not
writable) are reported before Prefect is imported, which saves the 10-20 s its server takes to
start.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from seedcrawl.crawl import (
    EXIT_OUTPUT,
    EXIT_USAGE,
    CrawlError,
    CrawlOptions,
    collect_seeds,
    parse_setting,
    scope_settings,
)
from seedcrawl.crawler.discover.seeds import SeedError
from seedcrawl.outdir.errors import FolderBusy, OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import RUN_LOCK_NAME, FolderLock
from seedcrawl.process_cmd import dask_choice

EXIT_FAILED = 1


def add_run_parser(commands: Any) -> None:
    # imported here: seedcrawl.cli imports this module to register the command
    from seedcrawl.cli import _add_crawl_options
    from seedcrawl.process_cmd import add_dask_options, add_dedup_threshold
    from seedcrawl.shard_run import add_shard_options

    parser = commands.add_parser(
        "run",
        help="crawl, process, index and package DIR as one Prefect flow run (embedded server unless configured)",
    )
    _add_crawl_options(parser)
    add_dedup_threshold(parser)
    add_dask_options(parser, flag=False)
    parser.add_argument(
        "--lock-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run on DIR to finish (default: refuse at once)",
    )
    parser.add_argument(
        "--retries", type=int, default=2, metavar="N", help="retry a failed crawl N times (default 2)"
    )
    parser.add_argument("--no-package", action="store_true", help="skip writing DIR/package/<name>.wacz")
    add_shard_options(parser, one_shard=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="show Prefect's own log lines")


def _settings(args: argparse.Namespace) -> dict[str, str]:
    settings = {**dict(parse_setting(item) for item in args.settings), **scope_settings(args)}
    if args.browser is not None:
        settings["SEEDCRAWL_BROWSER"] = args.browser
    # The flow passes limits on to the crawl as its settings (-s), the same as the crawl options do.
    for option, name in ((args.max_bytes, "SEEDCRAWL_MAX_BYTES"), (args.max_time, "SEEDCRAWL_MAX_TIME")):
        if option is not None:
            if option <= 0:
                raise CrawlError(
                    f"--{name.removeprefix('SEEDCRAWL_').lower().replace('_', '-')} must be more than 0",
                    EXIT_USAGE,
                )
            settings[name] = str(option)
    return settings


def _check(args: argparse.Namespace) -> tuple[Layout, dict[str, str]]:
    """Everything that can be refused without starting Prefect; raises CrawlError."""
    if args.depth is not None and args.depth < 0:
        raise CrawlError("--depth must be 0 or more", EXIT_USAGE)
    if args.max_pages is not None and args.max_pages < 1:
        raise CrawlError("--max-pages must be 1 or more", EXIT_USAGE)
    if args.dedup_threshold is not None and not 0.0 < args.dedup_threshold <= 1.0:
        raise CrawlError("--dedup-threshold must be above 0 and at most 1", EXIT_USAGE)
    try:
        dask_choice(args)
    except ValueError as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None
    if args.shards < 1 or (args.shards > 1 and not args.redis):
        raise CrawlError(
            "--shards takes 1 or more, and more than 1 needs --redis redis://HOST:PORT/DB", EXIT_USAGE
        )
    if args.lock_wait < 0 or args.retries < 0:
        raise CrawlError("--lock-wait and --retries must be 0 or more", EXIT_USAGE)
    settings = _settings(args)
    try:
        collect_seeds(CrawlOptions(out=args.out, urls=args.urls, seeds_file=args.seeds))
    except (SeedError, OSError) as exc:
        raise CrawlError(str(exc), EXIT_USAGE) from None
    try:
        layout = Layout.create(args.out)
    except OutputError as exc:
        raise CrawlError(str(exc), EXIT_OUTPUT) from None
    if args.lock_wait == 0:
        probe = FolderLock(layout.root, name=RUN_LOCK_NAME)
        try:
            probe.acquire()
        except FolderBusy as exc:
            raise CrawlError(str(exc), EXIT_OUTPUT) from None
        probe.release()  # the flow takes it for good; a run starting in between is refused there
    return layout, settings


def _report(record: dict[str, Any], seconds: float) -> str:
    crawl, made = record["crawl"], record["process"]
    outputs = record["outputs"]
    lines = [
        f"seedcrawl: run {record['run_id']} finished in {seconds:.1f} s: {crawl.get('pages', 0)} pages fetched, "
        f"{made.get('articles', 0)} new articles, {made.get('duplicates', 0)} duplicates dropped, "
        f"{made.get('rejects', 0)} rejects, {made.get('errors', 0)} processing errors",
        f"output: {record['out']}",
        *(f"  {name}: {path}" for name, path in outputs.items()),
    ]
    return "\n".join(lines)


def flow_parameters(args: argparse.Namespace, settings: dict[str, str]) -> dict[str, Any]:
    """The flow's parameters (but `out`) from `seedcrawl run`'s parsed options."""
    return {
        "seeds": list(args.urls),
        "seeds_file": str(args.seeds) if args.seeds else None,
        "allow_hosts": list(args.allow_host),
        "depth": args.depth,
        "max_pages": args.max_pages,
        "dedup_threshold": args.dedup_threshold,
        "settings": settings,
        "topic": args.topic,
        "topic_files": [str(p) for p in args.topic_file],
        "refetch": args.refetch,
        "lock_wait": args.lock_wait,
        "package": not args.no_package,
        "crawl_retries": args.retries,
        "run_id": args.run_id,
        "shards": args.shards,
        "redis": args.redis,  # the shards' Redis and the dedup index (namespaced apart)
        "dask_workers": args.dask_workers,
        "dask_address": args.dask_address,
    }


def config_parameters(config: str, out: str) -> dict[str, Any]:
    """The flow's parameters from a `--config` file, read as `seedcrawl run --config FILE` reads it.

    Raises CrawlError (exit 2) for a bad file or option, with argparse's message."""
    import contextlib
    import io

    from seedcrawl.cli import build_parser
    from seedcrawl.config import apply_config

    argv = ["run", "--config", config, "--out", out]
    parser, said = build_parser(), io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            apply_config(parser, argv)
            args = parser.parse_args(argv)
    except SystemExit:
        raise CrawlError(said.getvalue().strip().splitlines()[-1], EXIT_USAGE) from None
    return flow_parameters(args, _settings(args))


def cmd_run(args: argparse.Namespace) -> int:
    layout, settings = _check(args)
    from seedcrawl.flows.runner import PREFECT_DIR, prefect_imported, prepare_environment, quiet_console

    if not prefect_imported():
        prepare_environment(layout.root, verbose=args.verbose)
    from seedcrawl.flows.crawl_flow import seedcrawl_flow

    if not args.verbose:
        quiet_console()

    started = time.monotonic()
    state = seedcrawl_flow(
        out=str(layout.root),
        **flow_parameters(args, settings),
        show_progress=sys.stderr.isatty(),
        return_state=True,
    )
    outcome = state.result(raise_on_failure=False)
    if state.is_completed() and isinstance(outcome, dict):
        print(_report(outcome, time.monotonic() - started), file=sys.stderr)
        history = layout.root / PREFECT_DIR
        if history.is_dir():
            print(f"  run history: PREFECT_HOME={history} prefect server start", file=sys.stderr)
        return 0
    if isinstance(outcome, dict) and "reason" in outcome:
        print(f"seedcrawl: {outcome['reason']}", file=sys.stderr)
        return int(outcome.get("exit_code", EXIT_FAILED))
    print(f"seedcrawl: run failed: {state.message or outcome}", file=sys.stderr)
    return EXIT_FAILED
