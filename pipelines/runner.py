"""`seedcrawl process DIR`: closed WARC files in, corpus lines out.

    map (pipelines.mapped): read -> decode + extract + score + dedup signature, per record
    -> spool -> dedup in keep order -> commit the dedup index -> append corpus lines -> mark files done

The map runs by default in this machine's worker processes (each record on a budget of time and
memory: pipelines.pool); a `Mapper` can run it elsewhere instead, one task per WARC file (the
Dask flow, flows/process_flow.py). Either way its outcomes reach the one ordered step in file
and record order, so the corpus (records, keep decisions, ids, line order) is the same whatever
ran the map and however many workers it had.

Deduplication needs every new article of the run before it can honour the keep rule (earliest
published first), so extracted documents wait in an on-disk spool, not in memory. The dedup index
is committed before the corpus lines are written: if the run dies in between, the next run finds
those ids already decided and writes the same verdicts, so no id is lost or written twice.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seedcrawl.contract.records import TOPIC_FILE, RejectReason
from seedcrawl.contract.topic import TopicProfile
from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import FolderLock
from seedcrawl.pipelines.corpus import Corpus
from seedcrawl.pipelines.decode import DecodeOptions
from seedcrawl.pipelines.dedup import DedupConfig, Deduplicator, duplicate_record, keep_order, open_store
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.extract import ExtractOptions, default_options, profile_name
from seedcrawl.pipelines.mapped import FileResult, MapOptions, Outcome, Signed, map_records
from seedcrawl.pipelines.pool import EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT_S, Budget
from seedcrawl.pipelines.read import NOT_REJECTS, Skipped, read_documents
from seedcrawl.pipelines.spool import Spool
from seedcrawl.pipelines.steps import Rejection, StepOptions

LEDGER = "processed-warcs.json"
logger = logging.getLogger(__name__)

# Maps the WARC files to their outcomes elsewhere (a cluster); yields one result per file, in the
# order given.
Mapper = Callable[[list[Path], MapOptions], Iterable[FileResult]]


@dataclass
class ProcessOptions:
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    dedup_threshold: float | None = None  # None: DedupConfig's default
    redis_url: str | None = None  # share the dedup index through Redis instead of DIR/dedup
    topic_file: Path | None = None  # None: DIR/state/topic.json when the crawl left one
    keep_off_topic: bool = False
    max_payload: int = 32 << 20  # bytes of a record read at most; decode bounds markup further
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    extract: ExtractOptions = field(default_factory=default_options)
    # Per record, in its worker process: past either, the worker is killed and replaced and the
    # record rejected (extract_timeout, extract_memory). None: no bound (and with one worker, no
    # worker process at all).
    extract_timeout: float | None = EXTRACT_TIMEOUT_S
    extract_memory_mb: int | None = EXTRACT_MEMORY_MB

    def budget(self) -> Budget | None:
        if self.extract_timeout is None and self.extract_memory_mb is None:
            return None
        rss = None if self.extract_memory_mb is None else self.extract_memory_mb << 20
        return Budget(self.extract_timeout, rss)

    on_record: Callable[[], None] | None = None  # called once per record extracted (a progress bar)

    def dedup_config(self) -> DedupConfig:
        return DedupConfig() if self.dedup_threshold is None else DedupConfig(threshold=self.dedup_threshold)


@dataclass
class ProcessReport:
    warc_files: int = 0
    records: int = 0  # responses read from new WARC files
    articles: int = 0  # new corpus records
    duplicates: int = 0
    rejects: int = 0
    revisits: int = 0  # revisit records: a payload archived before, not processed again, not a reject
    redirects: int = 0  # redirect responses: the page they point at is a capture of its own
    errors: int = 0  # records skipped because a step failed unexpectedly
    already_known: int = 0  # ids already in the corpus (a file processed again)
    reasons: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    # the extraction profile (pipelines.extract.PROFILES) or "custom"; a report written before
    # profiles existed lacks the key, and its runs were what is now `accurate`
    extraction: str = "accurate"

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}

    def count(self, url: str, outcome: str) -> None:
        host = urlsplit(url).netloc or "(none)"
        counts = self.hosts.setdefault(host, {"articles": 0, "duplicates": 0, "rejects": 0})
        counts[outcome] += 1


def process_folder(
    out_dir: Path,
    options: ProcessOptions | None = None,
    run_id: str | None = None,
    mapper: Mapper | None = None,
) -> ProcessReport:
    """Process the folder's new WARC files; `mapper` None maps them in local worker processes."""
    options = options or ProcessOptions()
    layout = Layout.create(out_dir)
    started = time.monotonic()
    report = ProcessReport(extraction=profile_name(options.extract))
    with FolderLock(layout.root):
        # A run killed mid-way leaves its spool behind; holding the lock, no live run owns one.
        for stale in layout.state_dir.glob(".spool-*.pickle"):
            stale.unlink(missing_ok=True)
        ledger_path = layout.state_dir / LEDGER
        done = _load_ledger(ledger_path)
        todo = [path for path in layout.closed_warcs() if path.name not in done]
        report.warc_files = len(todo)
        logger.info("%d new WARC files in %s", len(todo), layout.warc_dir)
        step = StepOptions(options.decode, options.extract, _topic(layout, options), options.keep_off_topic)
        map_options = MapOptions(step, options.dedup_config(), options.max_payload, options.budget())
        corpus = Corpus(layout.corpus_dir)
        reasons: Counter[str] = Counter()
        try:
            with Spool[Signed](layout.state_dir) as spool:
                if mapper is None:
                    new = _new_documents(todo, options, corpus, report)
                    outcomes = map_records(new, map_options, options.workers)
                else:
                    outcomes = _unknown_outcomes(mapper(todo, map_options), corpus, report)
                for outcome in outcomes:
                    if options.on_record is not None:
                        options.on_record()
                    if not isinstance(outcome, Rejection):
                        spool.add(keep_order(outcome.doc), outcome)
                    elif outcome.reason in NOT_REJECTS:
                        report.revisits += outcome.reason == RejectReason.REVISIT
                        report.redirects += outcome.reason == RejectReason.REDIRECT
                    elif _reject(corpus, report, outcome):
                        reasons[outcome.reason] += 1
                        report.errors += outcome.reason == RejectReason.ERROR
                _dedup_and_write(layout, options, spool, corpus, report, reasons, run_id)
            corpus.close()
        except BaseException:
            corpus.close()
            raise
        for skipped_reason, n in reasons.items():
            report.reasons[skipped_reason] = n
        done.update({path.name: {"size": path.stat().st_size, "run_id": run_id} for path in todo})
        _save_ledger(ledger_path, done)
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _new_documents(
    todo: list[Path], options: ProcessOptions, corpus: Corpus, report: ProcessReport
) -> Iterator[Document | Skipped]:
    for number, path in enumerate(todo, 1):
        logger.info("reading %s (%d of %d)", path.name, number, len(todo))
        for item in read_documents(path, max_payload=options.max_payload):
            report.records += 1
            if item.id in corpus.known:
                report.already_known += 1
                continue
            yield item


def _unknown_outcomes(
    results: Iterable[FileResult], corpus: Corpus, report: ProcessReport
) -> Iterator[Outcome]:
    """The outcomes of records whose ids the corpus does not hold yet (as `_new_documents` picks)."""
    for result in results:
        report.records += result.records
        for outcome in result.outcomes:
            doc_id = outcome.doc_id if isinstance(outcome, Rejection) else outcome.doc.id
            if doc_id in corpus.known:
                report.already_known += 1
                continue
            yield outcome


def _dedup_and_write(
    layout: Layout,
    options: ProcessOptions,
    spool: Spool[Signed],
    corpus: Corpus,
    report: ProcessReport,
    reasons: Counter[str],
    run_id: str | None,
) -> None:
    with Deduplicator(options.dedup_config(), open_store(layout.root, options.redis_url)) as dedup:
        kept: list[int] = []
        duplicates: list[dict[str, Any]] = []
        signed = ((item.doc, item.prepared) for item in spool.in_order())
        for (doc, verdict), slot in zip(dedup.process_prepared(signed), spool.order(), strict=True):
            if verdict.kept:
                kept.append(slot)
            else:
                duplicates.append(duplicate_record(doc, verdict))
                report.count(doc.url, "duplicates")
        dedup.commit()
        kept_ids = set()
        for slot in kept:
            doc = spool.get(slot).doc
            doc.cluster_size = dedup.cluster_size(doc.id)
            kept_ids.add(doc.id)
            if corpus.add_article(doc):
                report.articles += 1
                report.count(doc.url, "articles")
        for record in duplicates:
            report.duplicates += corpus.add_duplicate(record)
        for kept_id, size in dedup.cluster_updates().items():
            if kept_id not in kept_ids:  # kept by an earlier run: its line is not rewritten
                corpus.add_cluster_size(kept_id, size, run_id)
    reasons["duplicate"] += report.duplicates


def _reject(corpus: Corpus, report: ProcessReport, outcome: Rejection) -> bool:
    """Write the reject line; False when it is a repeat (the id, or a retry of the URL in its run)."""
    written = corpus.add_reject(
        outcome.doc_id,
        outcome.url,
        outcome.reason,
        outcome.detail,
        outcome.warc,
        fetched_at=outcome.fetched_at,
        run_id=outcome.run_id,
    )
    if written:
        report.rejects += 1
        report.count(outcome.url, "rejects")
    return written


def _topic(layout: Layout, options: ProcessOptions) -> TopicProfile | None:
    path = options.topic_file or (layout.state_dir / TOPIC_FILE)
    if options.topic_file is None and not path.exists():
        return None
    return TopicProfile.load(path)


def _load_ledger(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return dict(loaded) if isinstance(loaded, dict) else {}


def _save_ledger(path: Path, done: dict[str, Any]) -> None:
    # Synced with its folder: a ledger lost to a power cut would cost reprocessing (every id is
    # then found in the corpus already), not duplicates.
    write_bytes_atomically(path, json.dumps(done, indent=1, sort_keys=True).encode("utf-8"))
