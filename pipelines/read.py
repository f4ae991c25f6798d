"""Turn the response records of a WARC file into Documents (or into rejections).

Only `response` records, and the rendered DOM of a page (`resource` records `urn:dom:<url>`,
written by a crawl with `--browser`), can become articles. A page rendered in the browser is
extracted from its DOM, not from the HTML as fetched (a script-filled shell): its response record
is reported as `rendered`. Everything else that answered a request (revisits,
truncated captures, error statuses, records that cannot be read) is reported as a `Skipped` with a
reason, so that rejects.jsonl (or, for revisits and redirects, the summary's counts) accounts for
every response in the archive.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.archive.errors import ContentDecodingError, PayloadError, WarcFormatError
from seedcrawl.archive.reader import WarcRecord, decode_body, iter_records
from seedcrawl.archive.records import DOM_PREFIX
from seedcrawl.contract.records import RejectReason, WarcRef
from seedcrawl.pipelines.decode import may_be_html, media_type_of
from seedcrawl.pipelines.document import Document

_UUID_ID = re.compile(r"<urn:uuid:([0-9a-fA-F-]{36})>")

# Captures that are not pages to extract, yet not rejects either: a revisit stands for a payload
# archived before, a redirect points at the page, which is captured in its own right. They are
# counted in the processing summary, not written to rejects.jsonl.
NOT_REJECTS = frozenset({RejectReason.REVISIT, RejectReason.REDIRECT})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Skipped:
    """A response that will not become a document, and why."""

    id: str
    url: str
    reason: RejectReason
    detail: str
    warc: WarcRef
    fetched_at: str | None = None  # WARC-Date of the record (None: no record could be read)
    run_id: str | None = None  # the crawl run that captured it, from its warcinfo


def document_id(record_id: str) -> str:
    """Stable id for a capture: its WARC-Record-ID's UUID, or a hash of any other record id."""
    match = _UUID_ID.fullmatch(record_id.strip())
    if match:
        return match.group(1).lower()
    return hashlib.sha1(record_id.encode("utf-8")).hexdigest()


def _ref(record: WarcRecord) -> WarcRef:
    return WarcRef(record.file, record.offset, record.length, record.record_id or "", record.payload_digest)


def _skip(record: WarcRecord, run_id: str | None, reason: RejectReason, detail: str = "") -> Skipped:
    return Skipped(
        document_id(record.record_id or f"{record.file}@{record.offset}"),
        record.target_uri or "",
        reason,
        detail,
        _ref(record),
        record.date or None,
        run_id or None,
    )


def read_documents(path: Path, *, max_payload: int) -> Iterator[Document | Skipped]:
    """Documents for the 200 responses of one closed WARC file, in file order.

    A record that cannot be parsed is reported and reading carries on with the next gzip member,
    so one damaged record never costs the rest of the file.
    """
    run_ids: dict[str, str] = {}
    errors: list[WarcFormatError] = []
    rendered = _rendered_pages(path, max_payload)
    for record in iter_records(path, max_payload=max_payload, on_error=errors.append):
        while errors:
            yield _corrupt(path, errors.pop(0))
        if record.type == "warcinfo":
            run_ids[record.record_id or ""] = _warcinfo_field(record.raw_payload, "seedcrawl-run-id")
        elif record.type == "revisit":
            run_id = run_ids.get(record.warcinfo_id or "")
            yield _skip(
                record, run_id, RejectReason.REVISIT, f"same payload as {record.refers_to_target_uri}"
            )
        elif record.type == "response" and record.target_uri in rendered and record.http_status == 200:
            run_id = run_ids.get(record.warcinfo_id or "")
            detail = f"extracted from its rendered DOM {DOM_PREFIX}{record.target_uri}"
            yield _skip(record, run_id, RejectReason.RENDERED, detail)
        elif record.type == "response":
            yield _document(record, run_ids.get(record.warcinfo_id or ""), max_payload)
        elif record.type == "resource" and (record.target_uri or "").startswith(DOM_PREFIX):
            yield _dom_document(record, run_ids.get(record.warcinfo_id or ""))
    for error in errors:
        yield _corrupt(path, error)


def _document(record: WarcRecord, run_id: str | None, max_payload: int) -> Document | Skipped:
    if record.truncated:
        return _skip(record, run_id, RejectReason.TRUNCATED, f"capture cut short ({record.truncated})")
    if record.http_status in REDIRECT_STATUSES:
        return _skip(
            record, run_id, RejectReason.REDIRECT, f"{record.http_status} to {record.http_header('Location')}"
        )
    if record.http_status != 200:
        return _skip(record, run_id, RejectReason.HTTP_STATUS, str(record.http_status))
    if not record.payload_complete:
        return _skip(record, run_id, RejectReason.TOO_LARGE, f"payload of {record.payload_length} bytes")
    content_type = record.http_header("Content-Type")
    if not may_be_html(content_type):
        # Page requisites (stylesheets, scripts, images, fonts) mostly: rejected before their
        # payload is decoded or sent to a worker, for the reason decode() would give.
        return _skip(record, run_id, RejectReason.NOT_HTML, media_type_of(content_type))
    try:
        payload = record.decoded_payload(max_payload)
    except ContentDecodingError as exc:
        if not _mislabelled_gzip(record):
            return _skip(record, run_id, RejectReason.CONTENT_DECODING, str(exc))
        # A server that labels a plain body gzip: the capture keeps the label as sent (archive.check
        # warns); the text is the body as it is.
        try:
            payload = decode_body(
                record.raw_payload, None, record.http_header("Transfer-Encoding"), max_payload
            )
        except PayloadError as again:
            return _skip(record, run_id, RejectReason.CONTENT_DECODING, str(again))
    except PayloadError as exc:
        return _skip(record, run_id, RejectReason.CONTENT_DECODING, str(exc))
    return Document(
        id=document_id(record.record_id or ""),
        url=record.target_uri or "",
        fetched_at=record.date or "",
        warc=_ref(record),
        status=200,
        content_type=content_type,
        payload=payload,
        run_id=run_id or None,
    )


def _rendered_pages(path: Path, max_payload: int) -> set[str]:
    """URLs whose rendered DOM the file holds (read first: the DOM comes after the response)."""
    pages: set[str] = set()
    for record in iter_records(path, max_payload=1, on_error=lambda error: None):
        uri = record.target_uri or ""
        if record.type == "resource" and uri.startswith(DOM_PREFIX) and record.payload_length:
            pages.add(uri[len(DOM_PREFIX) :])
    return pages


def _dom_document(record: WarcRecord, run_id: str | None) -> Document | Skipped:
    if not record.payload_complete:
        return _skip(record, run_id, RejectReason.TOO_LARGE, f"rendered DOM of {record.payload_length} bytes")
    return Document(
        id=document_id(record.record_id or ""),
        url=(record.target_uri or "")[len(DOM_PREFIX) :],
        fetched_at=record.date or "",
        warc=_ref(record),
        status=200,
        content_type=record.content_type or "text/html; charset=utf-8",
        payload=record.raw_payload,
        run_id=run_id or None,
    )


def _mislabelled_gzip(record: WarcRecord) -> bool:
    """Content-Encoding is gzip alone, but the stored body does not start as gzip does."""
    codings = [c.strip().lower() for c in (record.http_header("Content-Encoding") or "").split(",")]
    chunked = "chunked" in (record.http_header("Transfer-Encoding") or "").lower()
    return (
        codings in (["gzip"], ["x-gzip"]) and not chunked and not record.raw_payload.startswith(b"\x1f\x8b")
    )


def _corrupt(path: Path, error: WarcFormatError) -> Skipped:
    ref = WarcRef(path.name, error.offset, 0, "", None)
    return Skipped(
        document_id(f"{path.name}@{error.offset}"), "", RejectReason.CORRUPT_RECORD, str(error), ref
    )


def _warcinfo_field(block: bytes, name: str) -> str:
    prefix = f"{name}:".encode()
    for line in block.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip().decode("utf-8", "replace")
    return ""
