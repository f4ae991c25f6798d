"""`seedcrawl process DIR`: build or extend the corpus from the folder's closed WARC files."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from seedcrawl.exits import closed_warcs_or_nothing, existing_folder
from seedcrawl.option_fields import add_arguments, from_args
from seedcrawl.process_options import ProcessOptions
from seedcrawl.verbosity import SILENT, configure_console


def add_process_parser(commands: Any) -> None:
    from seedcrawl.config import add_config_option

    parser = commands.add_parser(
        "process", help="extract, deduplicate and write DIR/corpus/*.jsonl from DIR/warc/*.warc.gz"
    )
    add_config_option(parser)
    add_arguments(parser, ProcessOptions, "process")


def cmd_process(args: argparse.Namespace) -> int:
    from seedcrawl.contract.records import ARTICLES
    from seedcrawl.outdir.layout import Layout
    from seedcrawl.pipelines.dataset_card import write_card
    from seedcrawl.pipelines.runner import process_folder
    from seedcrawl.report import publish_report

    given = from_args(ProcessOptions, args)  # every option checked before the folder is looked at
    options = given.pipeline_options()
    root = existing_folder(given.out)
    closed_warcs_or_nothing(root, "process")
    level = given.console_level
    configure_console(level)
    use_dask, dask_workers, dask_address = given.dask_choice()
    if use_dask:  # no bar: the records are counted on the cluster, a file at a time
        report = _process_on_dask(root, options, dask_workers, dask_address)
    elif sys.stderr.isatty() and level <= logging.WARNING:  # a bar on a terminal only, and not with -q
        report = _with_progress(root, options)
    else:
        report = process_folder(root, options)
    card = write_card(root.absolute())
    _save_counts(root.absolute(), report.to_dict())
    html = publish_report(root)
    if level >= SILENT:  # -qqq: not even the summary
        return 0
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
