"""The map half of processing: per record, a pure function; per WARC file, a list of outcomes.

    record -> decode -> extract -> score -> dedup preparation (exact key, MinHash signature)

Everything here depends on the record alone (and the options), never on other records or on
what the corpus already holds, so it can run anywhere (worker processes of this machine, Dask
workers of a cluster) in any order and any number at once: the ordered dedup-and-write step
(pipelines.runner) sees the same outcomes in the same order whatever ran them. The payload is
dropped once extracted, so what travels back is the text and its signature.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from seedcrawl.pipelines.dedup import DedupConfig, Prepared, SignatureComputer, prepare
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.pool import Budget, ordered_map
from seedcrawl.pipelines.read import Skipped, read_documents
from seedcrawl.pipelines.steps import Rejection, StepOptions, overrun, process_one


@dataclass(frozen=True, slots=True)
class Signed:
    """An extracted article and what dedup needs of its text."""

    doc: Document
    prepared: Prepared


Outcome = Signed | Rejection


@dataclass(frozen=True)
class MapOptions:
    step: StepOptions
    dedup: DedupConfig = field(default_factory=DedupConfig)
    max_payload: int = 32 << 20
    budget: Budget | None = None  # per record, in a watched worker process (pipelines.pool)


@dataclass
class FileResult:
    """One WARC file's outcomes, in record order."""

    name: str
    records: int
    outcomes: list[Outcome]


@functools.cache  # one per process and config: its tables grow on first use
def _computer(config: DedupConfig) -> SignatureComputer:
    return SignatureComputer(config.scheme())


def sign(outcome: Document | Rejection, config: DedupConfig) -> Outcome:
    if isinstance(outcome, Rejection):
        return outcome
    doc = replace(outcome, payload=b"", html="")
    return Signed(doc, prepare([doc.text], config, _computer(config))[0])


def map_one(item: Document | Skipped, step: StepOptions, dedup: DedupConfig) -> Outcome:
    """The per-record function: extraction outcome, signed when it is an article."""
    return sign(process_one(item, step), dedup)


def map_records(items: Iterator[Document | Skipped], options: MapOptions, workers: int) -> Iterator[Outcome]:
    """`map_one` over `items` in `workers` budgeted processes (pipelines.pool), in input order."""
    return ordered_map(
        partial(map_one, step=options.step, dedup=options.dedup),
        items,
        workers,
        budget=options.budget,
        on_overrun=overrun,
    )


def map_warc(path: Path, options: MapOptions) -> FileResult:
    """Every response of one closed WARC file, mapped: the task a cluster worker runs.

    With a budget, records are extracted in one watched child process, as locally; that needs a
    worker allowed to start processes (Dask: `distributed.worker.daemon: False`).
    """
    if options.budget is not None and multiprocessing.current_process().daemon:
        raise RuntimeError(
            "this worker is a daemonic process and cannot watch extraction in a child: start Dask "
            "workers with DASK_DISTRIBUTED__WORKER__DAEMON=False, or process without a budget "
            "(--extract-timeout 0 --extract-memory 0)"
        )
    records = 0

    def counted() -> Iterator[Document | Skipped]:
        nonlocal records
        for item in read_documents(path, max_payload=options.max_payload):
            records += 1
            yield item

    outcomes = list(map_records(counted(), options, workers=1))
    return FileResult(path.name, records, outcomes)
