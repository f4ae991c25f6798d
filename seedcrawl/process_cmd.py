"""`seedcrawl process DIR`: build or extend the corpus from the folder's closed WARC files."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedcrawl.exits import closed_warcs_or_nothing, existing_folder, usage
from seedcrawl.pipelines.pool import EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT_S
from seedcrawl.verbosity import add_verbosity, configure_console

# DedupConfig's default (pipelines/dedup/deduper.py), not imported here: its import costs 0.4 s for
# every command; tests/test_cli_help.py holds the two equal.
DEFAULT_DEDUP_THRESHOLD = 0.5

if TYPE_CHECKING:
    from seedcrawl.pipelines.runner import ProcessOptions


def add_dedup_threshold(parser: argparse.ArgumentParser) -> None:
    """`--dedup-threshold`, shared by `process` and `run`."""
    parser.add_argument(
        "--dedup-threshold",
        type=float,
        metavar="J",
        help=f"estimated Jaccard similarity at or above which articles are near duplicates "
        f"(default: {DEFAULT_DEDUP_THRESHOLD:g}; see bench/results/dedup.md)",
    )


def add_dask_options(parser: argparse.ArgumentParser, flag: bool) -> None:
    """`--dask-workers`, `--dask-address` (and `--dask` for `process`): the map on a Dask cluster."""
    if flag:
        parser.add_argument(
            "--dask",
            action="store_true",
            help="extract on a local Dask cluster through Prefect's DaskTaskRunner (one worker per CPU)",
        )
    parser.add_argument(
        "--dask-workers",
        type=int,
        metavar="N",
        help="extract on a local Dask cluster of N worker processes (Prefect's DaskTaskRunner; "
        "default: no Dask, this machine's worker processes)",
    )
    parser.add_argument(
        "--dask-address",
        metavar="tcp://HOST:PORT",
        help="extract on the running Dask cluster whose scheduler is at this address "
        "(its workers must see DIR at the same path)",
    )


def dask_choice(args: argparse.Namespace) -> tuple[bool, int | None, str | None]:
    """(use Dask, local workers, scheduler address) from the options; ValueError when bad."""
    workers, address = args.dask_workers, args.dask_address
    if workers is not None and workers < 1:
        raise ValueError("--dask-workers must be 1 or more")
    if workers is not None and address:
        raise ValueError("--dask-workers starts a local cluster; --dask-address uses a running one: not both")
    if address and not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise ValueError(f"--dask-address must be a scheduler address like tcp://host:8786, got {address!r}")
    wanted = bool(getattr(args, "dask", False) or workers or address)
    if wanted and workers is None and not address:
        workers = max(1, os.cpu_count() or 1)
    return wanted, workers, address


def add_process_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "process", help="extract, deduplicate and write DIR/corpus/*.jsonl from DIR/warc/*.warc.gz"
    )
    from seedcrawl.config import add_config_option

    add_config_option(parser)
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    parser.add_argument(
        "--workers", type=int, metavar="N", help="extraction processes (default: one per CPU)"
    )
    add_dedup_threshold(parser)
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="share the dedup index in Redis (redis://host:port/db; default: none, the index is in DIR/dedup)",
    )
    add_dask_options(parser, flag=True)
    parser.add_argument(
        "--topic-file",
        type=Path,
        metavar="FILE",
        help="topic profile (default: the one the crawl saved in DIR/state/topic.json)",
    )
    parser.add_argument(
        "--keep-off-topic", action="store_true", help="keep articles below the topic threshold"
    )
    parser.add_argument(
        "--extract-timeout",
        type=float,
        default=EXTRACT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"reject a record (extract_timeout) whose extraction takes longer (default {EXTRACT_TIMEOUT_S:g}; 0: no bound)",
    )
    parser.add_argument(
        "--extract-memory",
        type=int,
        default=EXTRACT_MEMORY_MB,
        metavar="MB",
        help=f"reject a record (extract_memory) whose extraction grows its worker by more than MB MiB resident (default {EXTRACT_MEMORY_MB}; 0: no bound)",
    )
    parser.add_argument(
        "--language",
        metavar="CODES",
        help="keep only articles whose text is in these languages (ISO 639-1, e.g. en,de); "
        "others go to rejects.jsonl with reason 'language' (default: every language)",
    )
    add_verbosity(parser)


def process_options(args: argparse.Namespace) -> ProcessOptions:
    """The processing options, every one checked before any file is read or written (usage errors)."""
    from seedcrawl.contract.topic import TopicProfile
    from seedcrawl.pipelines.extract import ExtractOptions
    from seedcrawl.pipelines.language import parse_languages
    from seedcrawl.pipelines.runner import ProcessOptions

    options = ProcessOptions(
        redis_url=args.redis,
        topic_file=args.topic_file,
        keep_off_topic=args.keep_off_topic,
        dedup_threshold=args.dedup_threshold,
    )
    if args.dedup_threshold is not None and not 0.0 < args.dedup_threshold <= 1.0:
        raise usage(f"--dedup-threshold is a Jaccard similarity in (0, 1], got {args.dedup_threshold:g}")
    try:
        options.dedup_config()
    except ValueError as exc:
        raise usage(f"--dedup-threshold {args.dedup_threshold}: {exc}") from None
    if args.redis is not None and not args.redis.startswith(("redis://", "rediss://", "unix://")):
        raise usage(f"--redis takes a Redis URL like redis://host:6379/0, got {args.redis!r}")
    if args.language is not None:
        try:
            options.extract = ExtractOptions(languages=parse_languages(args.language))
        except ValueError as exc:
            raise usage(str(exc)) from None
    if args.workers is not None:
        if args.workers < 1:
            raise usage("--workers must be 1 or more")
        options.workers = args.workers
    if args.extract_timeout < 0 or args.extract_memory < 0:
        raise usage("--extract-timeout and --extract-memory must be 0 (no bound) or more")
    options.extract_timeout = args.extract_timeout or None
    options.extract_memory_mb = args.extract_memory or None
    if args.topic_file is not None:
        try:
            TopicProfile.load(args.topic_file)
        except OSError as exc:
            raise usage(f"--topic-file {args.topic_file}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise usage(f"--topic-file {args.topic_file} is not a topic profile: {exc}") from None
    try:
        dask_choice(args)
    except ValueError as exc:
        raise usage(str(exc)) from None
    return options


def cmd_process(args: argparse.Namespace) -> int:
    from seedcrawl.contract.records import ARTICLES
    from seedcrawl.outdir.layout import Layout
    from seedcrawl.pipelines.dataset_card import write_card
    from seedcrawl.pipelines.runner import process_folder
    from seedcrawl.report import publish_report

    options = process_options(args)
    root = existing_folder(args.out)
    closed_warcs_or_nothing(root, "process")
    level = configure_console(args)
    use_dask, dask_workers, dask_address = dask_choice(args)
    if use_dask:  # no bar: the records are counted on the cluster, a file at a time
        report = _process_on_dask(root, options, dask_workers, dask_address)
    elif sys.stderr.isatty() and level <= logging.WARNING:  # a bar on a terminal only, and not with -q
        report = _with_progress(root, options)
    else:
        report = process_folder(root, options)
    card = write_card(root.absolute())
    _save_counts(root.absolute(), report.to_dict())
    html = publish_report(root)
    skipped = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.reasons.items())) or "none"
    print(
        f"{report.warc_files} new WARC files, {report.records} records: {report.articles} new articles, "
        f"{report.duplicates} duplicates, {report.rejects} rejects ({report.errors} errors) in {report.seconds:.1f} s\n"
        f"  not processed: {report.revisits} revisits (payloads archived before), {report.redirects} redirects\n"
        f"  skipped by reason: {skipped}\n"
        f"corpus: {Layout(root.absolute()).corpus_dir / ARTICLES}  (dataset card: {card})"
        + (f"\nreport: {html}" if html else ""),
        file=sys.stderr,
    )
    return 0


def _process_on_dask(out: Path, options: Any, dask_workers: int | None, dask_address: str | None) -> Any:
    """The processing flow on Dask; Prefect's embedded server keeps its run history in DIR/.prefect."""
    from seedcrawl.flows.runner import prefect_imported, prepare_environment, quiet_console
    from seedcrawl.pipelines.runner import ProcessReport

    if not prefect_imported():
        prepare_environment(out.absolute())
    from seedcrawl.flows.process_flow import run_on_dask

    quiet_console()
    result = run_on_dask(out.absolute(), options, dask_workers=dask_workers, dask_address=dask_address)
    return ProcessReport(**result)


def _save_counts(root: Path, counts: dict[str, Any]) -> None:
    """The counts of this processing run, for the report (logs/process-latest.json)."""
    import json
    from datetime import UTC, datetime

    from seedcrawl.outdir.atomic import write_bytes_atomically
    from seedcrawl.report.data import PROCESS_LATEST

    counts["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    (root / "logs").mkdir(exist_ok=True)  # a folder of WARC files copied in, never crawled here
    write_bytes_atomically(root / "logs" / PROCESS_LATEST, json.dumps(counts, indent=1).encode("utf-8"))


def pending_records(root: Path) -> int:
    """Responses and revisits in the closed WARC files not processed yet, as the index lists them."""
    from seedcrawl.pipelines.runner import LEDGER
    from seedcrawl.report.data import read_json

    done = read_json(root / "state" / LEDGER)
    todo = {p.name for p in (root / "warc").glob("*.warc.gz")} - set(done)
    index = root / "indexes" / "index.cdxj"
    if not todo or not index.exists():
        return 0
    count = 0
    with index.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if ('"warc-type": "response"' in line or '"warc-type": "revisit"' in line) and any(
                f'"filename": "{name}"' in line for name in todo
            ):
                count += 1
    return count


def _with_progress(out: Path, options: Any) -> Any:
    """Process with a progress bar: records of the total, per second, time left."""
    from seedcrawl.pipelines.runner import process_folder
    from seedcrawl.progress import progress_bar

    with progress_bar("records") as bar:
        task = bar.add_task("process", total=pending_records(out.absolute()) or None, note="")
        options.on_record = lambda: bar.advance(task)
        report = process_folder(out, options)
        bar.update(task, total=report.records, completed=report.records)
    return report
