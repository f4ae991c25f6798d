"""The per-record work of processing, as one picklable function for worker processes.

decode -> extract -> topic score. A record that does not belong in the corpus comes back as a
`Rejection` with the step's reason; an unexpected exception comes back as reason "error" with
its type and message, so one bad record is counted and skipped, never fatal to the run. A record
whose worker runs past its budget (pipelines.pool) comes back as `overrun` makes it:
`extract_timeout` or `extract_memory`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seedcrawl.contract.records import RejectReason, WarcRef
from seedcrawl.contract.topic import TopicProfile
from seedcrawl.pipelines.decode import DecodeOptions, decode
from seedcrawl.pipelines.dedup.normalize import normalize_text
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected, out_of_memory
from seedcrawl.pipelines.extract import ExtractOptions, extract
from seedcrawl.pipelines.read import Skipped
from seedcrawl.pipelines.words import word_count

# An ASCII letter or digit is a word of its own after `normalize_text` (which only folds case and
# punctuation around it), so a text holding one has words: the whole normalisation, 0.3 ms a kept
# page on the dev sets, is only needed to judge a text without any.
_ASCII_WORD_CHAR = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class StepOptions:
    decode: DecodeOptions
    extract: ExtractOptions
    topic: TopicProfile | None = None
    keep_off_topic: bool = False


@dataclass(frozen=True, slots=True)
class Rejection:
    doc_id: str
    url: str
    reason: RejectReason
    detail: str
    warc: WarcRef
    fetched_at: str | None = None
    run_id: str | None = None


def score(doc: Document, options: StepOptions) -> Document:
    if options.topic is None:
        return doc
    doc.relevance = round(options.topic.score_text(f"{doc.title or ''}\n\n{doc.text}"), 4)
    if not options.keep_off_topic and doc.relevance < options.topic.threshold:
        raise Rejected(RejectReason.OFF_TOPIC, f"relevance {doc.relevance} below {options.topic.threshold}")
    return doc


def process_one(item: Document | Skipped, options: StepOptions) -> Document | Rejection:
    if isinstance(item, Skipped):
        return _rejection(item, item.reason, item.detail)
    try:
        doc = score(extract(decode(item, options.decode), options.extract), options)
        if not _ASCII_WORD_CHAR.search(doc.text) and word_count(normalize_text(doc.text)) == 0:
            raise Rejected(RejectReason.EMPTY_TEXT, "no words")
        return doc
    except Rejected as verdict:
        return _rejection(item, verdict.reason, verdict.detail)
    except Exception as exc:
        if out_of_memory(exc):  # the worker's address-space cap (pipelines.pool) was reached
            detail = "out of memory in the extraction process"
            return _rejection(item, RejectReason.EXTRACT_MEMORY, detail)
        return _rejection(item, RejectReason.ERROR, f"{type(exc).__name__}: {exc}"[:500])


def overrun(item: Document | Skipped, reason: RejectReason, detail: str) -> Rejection:
    """The result of a record whose worker was stopped (extract_timeout, extract_memory) or died."""
    return _rejection(item, reason, detail)


def _rejection(item: Document | Skipped, reason: RejectReason, detail: str) -> Rejection:
    return Rejection(item.id, item.url, reason, detail, item.warc, item.fetched_at or None, item.run_id)
