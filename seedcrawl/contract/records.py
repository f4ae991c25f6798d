"""The corpus record contract: file names, the WARC reference a line carries, why a page was rejected.

    DIR/corpus/articles.jsonl    one article per line (schema: pipelines/schema/article.schema.json)
    DIR/corpus/rejects.jsonl     one line per response that did not become an article, with the reason
    DIR/corpus/duplicates.jsonl  one line per near or exact duplicate dropped, with the id it duplicates
    DIR/corpus/clusters.jsonl    later growth of a kept article's cluster (its line is never rewritten)
    DIR/state/topic.json         the topic profile a crawl was given, which processing scores against

pipelines writes these files; crawler reads them back for incremental runs. Reading a line here
follows the writer's one promise: lines are only appended, so only the last one can be torn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

ARTICLES = "articles.jsonl"
REJECTS = "rejects.jsonl"
DUPLICATES = "duplicates.jsonl"
CLUSTERS = "clusters.jsonl"
TOPIC_FILE = "topic.json"  # in DIR/state/: written by a crawl given a topic, read by processing


class RejectReason(StrEnum):
    """The `reason` of a rejects.jsonl line."""

    # what the page says: fetching it again would not change the verdict
    NOT_ARTICLE = "not_article"
    OFF_TOPIC = "off_topic"
    # how it was served or read: another fetch may well succeed
    HTTP_STATUS = "http_status"
    TRUNCATED = "truncated"
    REVISIT = "revisit"  # counted in the processing summary, never written as a reject line
    REDIRECT = "redirect"  # likewise: the page it points at is captured in its own right
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    BINARY = "binary"
    EMPTY = "empty"
    EMPTY_TEXT = "empty_text"
    LANGUAGE = "language"  # not one of the languages asked for
    RENDERED = "rendered"  # the HTTP response of a page whose rendered DOM became the document
    CONTENT_DECODING = "content_decoding"
    CORRUPT_RECORD = "corrupt_record"
    PARSE_ERROR = "parse_error"
    EXTRACT_MEMORY = "extract_memory"
    EXTRACT_TIMEOUT = "extract_timeout"
    ERROR = "error"

    @property
    def about_content(self) -> bool:
        """Whether the verdict is about the page's content rather than how it was fetched."""
        return self in (RejectReason.NOT_ARTICLE, RejectReason.OFF_TOPIC)


@dataclass(frozen=True, slots=True)
class WarcRef:
    """Where a capture lives in the archive, enough to find and replay it again."""

    file: str  # WARC file name, relative to DIR/warc/
    offset: int  # byte offset of the record's gzip member in that file
    length: int  # length in bytes of that gzip member
    record_id: str  # WARC-Record-ID, e.g. "<urn:uuid:...>"
    payload_digest: str | None  # WARC-Payload-Digest, e.g. "sha1:..."


def warc_ref(ref: WarcRef) -> dict[str, Any]:
    """The `warc` object of a corpus, reject or duplicate line: the record, found again by file and offset."""
    return {
        "file": ref.file,
        "offset": ref.offset,
        "length": ref.length,
        "record_id": ref.record_id,
        "payload_digest": ref.payload_digest,
    }


def iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete line of a JSONL file that is a JSON object (a torn or damaged line is skipped)."""
    if path.exists():
        yield from (record for _, record in lines_from(path, 0) if record is not None)


def lines_from(path: Path, start: int) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Complete lines from byte `start` on, each with the offset just past it.

    A torn last line (a writer killed mid-line) is not read: the next run of processing trims or
    completes it. A line that is not a JSON object comes back as None.
    """
    with path.open("rb") as stream:
        stream.seek(start)
        offset = start
        for raw in stream:
            if not raw.endswith(b"\n"):
                return
            offset += len(raw)
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
            yield offset, record if isinstance(record, dict) else None
