"""The one record type that flows through every processing step.

A `Document` starts as a captured HTTP response read from a WARC file (url, payload, provenance),
is decoded (payload -> html), extracted (html -> text and metadata), filtered and deduplicated, and
is finally written as one JSONL line. Steps fill fields in; they never change provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

from seedcrawl.contract.records import WarcRef


@dataclass(slots=True)
class Document:
    """One captured page on its way to the corpus."""

    id: str  # stable for the same capture across runs (derived from the WARC record id)
    url: str  # WARC-Target-URI
    fetched_at: str  # WARC-Date as ISO 8601 UTC ("2026-11-22T10:00:00Z")
    warc: WarcRef
    status: int = 200  # HTTP status of the capture
    content_type: str | None = None  # HTTP Content-Type header, verbatim
    payload: bytes = b""  # HTTP body after content decoding; emptied once decoded
    html: str = ""  # decoded markup; emptied once extracted
    text: str = ""  # main text: paragraphs separated by blank lines
    title: str | None = None
    author: str | None = None  # the authors joined with ", "
    authors: tuple[str, ...] = ()  # one name each
    published: str | None = None  # ISO 8601 date, or None when unknown
    sitename: str | None = None
    language: str | None = None  # as the page declares it
    language_detected: str | None = None  # ISO 639-1, detected from the text
    canonical_url: str | None = None
    paywalled: bool = False  # declared not free, or the text stops at a subscription wall
    extraction: str = ""  # the extraction profile that filled text and metadata (pipelines.extract)
    run_id: str | None = None  # the crawl run that captured it
    relevance: float | None = None  # topic score, when a topic was given
    cluster_size: int = 1  # near-duplicate copies this record stands for (itself included)
