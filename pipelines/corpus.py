"""The corpus folder: append-only JSON Lines files that downstream projects read.

    DIR/corpus/articles.jsonl    one article per line (schema: pipelines/schema/article.schema.json)
    DIR/corpus/rejects.jsonl     one line per response that did not become an article, with the reason
                                 (one per URL, reason and run: a retried 500 is one line, its first
                                 attempt's); revisits and redirects are counted, not rejected
    DIR/corpus/duplicates.jsonl  one line per near or exact duplicate dropped, with the id it duplicates
    DIR/corpus/clusters.jsonl    later growth of a kept article's cluster (its line is never rewritten)

Lines are only ever appended. A crash can leave a torn last line; it is trimmed when the file is
next opened. Every line carries an `id`; an id already present is never written again, which is
what makes processing the same WARC files twice change nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from seedcrawl.contract.records import (
    ARTICLES,
    CLUSTERS,
    DUPLICATES,
    REJECTS,
    RejectReason,
    WarcRef,
    iter_lines,
    warc_ref,
)
from seedcrawl.pipelines.document import Document

SOURCE = "seedcrawl"


def article_record(doc: Document) -> dict[str, Any]:
    """A corpus line. Every key is always present and keeps one type (string, number, boolean, list
    of strings, or null), so `datasets.load_dataset("json", ...)` and datatrove read the file as it is."""
    return {
        "id": doc.id,
        "url": doc.url,
        "canonical_url": doc.canonical_url,
        "title": doc.title,
        "author": doc.author,
        "authors": list(doc.authors),
        "published": doc.published,
        "sitename": doc.sitename,
        "language": doc.language,
        "language_detected": doc.language_detected,
        "text": doc.text,
        "paywalled": bool(doc.paywalled),
        "extraction": doc.extraction,
        "fetched_at": doc.fetched_at,
        "run_id": doc.run_id,
        "relevance": None if doc.relevance is None else float(doc.relevance),
        "cluster_size": int(doc.cluster_size),
        "source": SOURCE,
        "warc": warc_ref(doc.warc),
    }


def trim_torn_tail(path: Path) -> int:
    """Cut a file back to its last complete line; returns how many bytes were removed."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with path.open("r+b") as stream:
        pos = size
        while pos > 0:
            step = min(pos, 1 << 16)
            stream.seek(pos - step)
            chunk = stream.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                end = pos - step + cut + 1
                break
            pos -= step
        else:
            end = 0
        if end == size:
            return 0
        stream.truncate(end)
        stream.flush()
        os.fsync(stream.fileno())
        return size - end


class JsonlAppender:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.trimmed = trim_torn_tail(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        self._out = os.fdopen(fd, "wb")
        self.written = 0

    def write(self, obj: dict[str, Any]) -> None:
        text = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
        # One write per line, so a crash can only ever tear the last line.
        self._out.write(text.encode("utf-8", "replace") + b"\n")
        self.written += 1

    def sync(self) -> None:
        self._out.flush()
        os.fsync(self._out.fileno())

    def close(self) -> None:
        self.sync()
        self._out.close()


def _reject_key(line: dict[str, Any]) -> tuple[str, str, str] | None:
    """What makes two reject lines the same rejection; None when the line lacks a run or a URL
    (a corrupt record, a WARC file no seedcrawl crawl wrote): those are all kept."""
    run_id, url, reason = line.get("run_id"), line.get("url"), line.get("reason")
    if not (isinstance(run_id, str) and run_id and isinstance(url, str) and url):
        return None
    return run_id, url, str(reason)


class Corpus:
    """The four corpus files, and the ids they already hold."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.articles = JsonlAppender(folder / ARTICLES)
        self.rejects = JsonlAppender(folder / REJECTS)
        self.duplicates = JsonlAppender(folder / DUPLICATES)
        self.clusters = JsonlAppender(folder / CLUSTERS)
        self.known: set[str] = set()
        # (run id, URL, reason) of each reject line: a URL tried again in the same run (a retried
        # 500) and rejected again for the same reason is not a line more
        self._rejected: set[tuple[str, str, str]] = set()
        for name in (ARTICLES, REJECTS, DUPLICATES):
            for line in iter_lines(folder / name):
                if "id" in line:
                    self.known.add(str(line["id"]))
                if name == REJECTS and (key := _reject_key(line)) is not None:
                    self._rejected.add(key)

    @property
    def trimmed_bytes(self) -> int:
        return sum(f.trimmed for f in (self.articles, self.rejects, self.duplicates, self.clusters))

    def add_article(self, doc: Document) -> bool:
        return self._add(self.articles, doc.id, article_record(doc))

    def add_reject(
        self,
        doc_id: str,
        url: str,
        reason: RejectReason,
        detail: str,
        ref: WarcRef,
        *,
        fetched_at: str | None = None,
        run_id: str | None = None,
    ) -> bool:
        """Write a reject line; False when the id, or the same URL and reason in the same run, has one."""
        record = {
            "id": doc_id,
            "url": url,
            "reason": reason,
            "detail": detail[:500],
            "fetched_at": fetched_at,
            "run_id": run_id,
            "warc": warc_ref(ref),
        }
        key = _reject_key(record)
        if key is not None and key in self._rejected:
            return False
        if not self._add(self.rejects, doc_id, record):
            return False
        if key is not None:
            self._rejected.add(key)
        return True

    def add_duplicate(self, record: dict[str, Any]) -> bool:
        return self._add(self.duplicates, str(record["id"]), record)

    def add_cluster_size(self, kept_id: str, size: int, run_id: str | None) -> None:
        self.clusters.write({"id": kept_id, "cluster_size": size, "run_id": run_id})

    def _add(self, sink: JsonlAppender, doc_id: str, record: dict[str, Any]) -> bool:
        if doc_id in self.known:
            return False
        sink.write(record)
        self.known.add(doc_id)
        return True

    def close(self) -> None:
        for sink in (self.articles, self.rejects, self.duplicates, self.clusters):
            sink.close()
