"""What the run report shows, read from what the output folder already holds.

    logs/crawl-<run id>.json   the crawl summaries (pages, bytes, statuses, errors over time, exit status)
    logs/run-<run id>.json     a `seedcrawl run` record (processing counts, time per step)
    logs/process-latest.json   the latest `seedcrawl process` counts
    state/run.json             the latest run's seeds and options; state/topic.json its topic
    indexes/index.cdxj         every capture: time, URL, status, content type, archived length
    corpus/*.jsonl             articles, rejects, duplicates, cluster growth

Nothing here writes; a missing or unreadable file is an empty section of the report. The corpus
files are streamed into counts and small samples (never held whole), so a corpus of millions of
articles costs a few numbers per article.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seedcrawl.contract.records import ARTICLES, CLUSTERS, DUPLICATES, REJECTS, iter_lines

PROCESS_LATEST = "process-latest.json"
REJECTS_SHOWN = 20  # per reason
CLUSTERS_SHOWN = 10


@dataclass
class Capture:
    time: datetime
    host: str
    url: str
    status: str  # "" for a revisit or a record without one
    mime: str
    length: int
    revisit: bool


@dataclass
class Cluster:
    kept: dict[str, Any]  # id, url, title, fetched_at of the kept article ({"id"} if not found)
    copies: list[dict[str, Any]]  # its duplicates.jsonl lines


@dataclass
class FolderData:
    root: Path
    summary: dict[str, Any]  # the latest crawl's summary ({} when there is none)
    runs: list[dict[str, Any]]  # every crawl summary, oldest first
    run_record: dict[str, Any] | None  # the `seedcrawl run` record of the latest crawl
    process: dict[str, Any]  # the latest processing counts
    spec: dict[str, Any]  # the latest run's seeds and options (state/run.json)
    topic: dict[str, Any] | None
    captures: list[Capture] = field(default_factory=list)  # of the latest crawl
    corpus_size: int = 0  # articles in the corpus
    words: list[int] = field(default_factory=list)  # length of each article
    relevances: list[float] = field(default_factory=list)  # of the articles that have one
    added: Counter[str] = field(default_factory=Counter)  # articles per crawl run id
    cluster_sizes: Counter[int] = field(default_factory=Counter)  # cluster size -> kept articles
    reasons: Counter[str] = field(default_factory=Counter)  # reject reason -> records
    rejects: list[dict[str, Any]] = field(default_factory=list)  # the first REJECTS_SHOWN per reason
    clusters: list[Cluster] = field(default_factory=list)  # the largest, largest first

    @property
    def run_id(self) -> str | None:
        value = self.summary.get("run_id")
        return str(value) if value else None


def read_json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def crawl_summaries(logs: Path) -> list[dict[str, Any]]:
    runs = []
    for path in logs.glob("crawl-*.json"):
        summary = read_json(path)
        if summary:
            summary.setdefault("run_id", path.stem.removeprefix("crawl-"))
            if not summary.get("finished_at"):
                mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                summary["finished_at"] = mtime.isoformat(timespec="seconds")
            runs.append(summary)
    return sorted(runs, key=lambda s: str(s["finished_at"]))


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_captures(index: Path, start: datetime | None, end: datetime | None) -> list[Capture]:
    """Responses and revisits in the CDXJ index captured between `start` and `end` (seconds)."""
    found: list[Capture] = []
    if not index.exists():
        return found
    with index.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            try:
                fields = json.loads(parts[2])
                when = datetime.strptime(parts[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            except ValueError:
                continue
            kind = fields.get("warc-type") or (
                "revisit" if fields.get("mime") == "warc/revisit" else "response"
            )
            if kind not in ("response", "revisit") or "url" not in fields:
                continue
            if (start and when < start.replace(microsecond=0)) or (end and when > end):
                continue
            found.append(
                Capture(
                    time=when,
                    host=urlsplit(fields["url"]).netloc,
                    url=fields["url"],
                    status=str(fields.get("status") or ""),
                    mime=str(fields.get("mime") or "unknown").split(";")[0],
                    length=int(fields.get("length") or 0),
                    revisit=kind == "revisit",
                )
            )
    return found


def load_folder(root: Path) -> FolderData:
    logs, corpus = root / "logs", root / "corpus"
    runs = crawl_summaries(logs)
    summary = runs[-1] if runs else {}
    run_id = summary.get("run_id")
    record = read_json(logs / f"run-{run_id}.json") if run_id else {}
    process = (record or {}).get("process") or read_json(logs / PROCESS_LATEST)
    marker = read_json(root / "state" / "run.json")
    topic = read_json(root / "state" / "topic.json") or None
    start, end = parse_time(summary.get("started_at")), parse_time(summary.get("finished_at"))
    data = FolderData(
        root=root,
        summary=summary,
        runs=runs,
        run_record=record or None,
        process=process,
        spec=marker.get("spec") or {},
        topic=topic,
        captures=read_captures(root / "indexes" / "index.cdxj", start if summary else None, end),
    )
    _read_corpus(data, corpus)
    return data


def _read_corpus(data: FolderData, corpus: Path) -> None:
    copies_of: Counter[str] = Counter(str(d.get("duplicate_of")) for d in iter_lines(corpus / DUPLICATES))
    largest = {kept for kept, _ in copies_of.most_common(CLUSTERS_SHOWN)}
    clusters = {kept: Cluster({"id": kept}, []) for kept in largest}
    for dup in iter_lines(corpus / DUPLICATES):
        if dup.get("duplicate_of") in clusters:
            clusters[str(dup["duplicate_of"])].copies.append(dup)
    sizes: dict[str, int] = {}  # articles standing for more than themselves
    for article in iter_lines(corpus / ARTICLES):
        data.corpus_size += 1
        data.words.append(len(str(article.get("text") or "").split()))
        if article.get("relevance") is not None:
            data.relevances.append(float(article["relevance"]))
        data.added[str(article.get("run_id"))] += 1
        if int(article.get("cluster_size") or 1) > 1:
            sizes[str(article.get("id"))] = int(article["cluster_size"])
        if article.get("id") in clusters:
            clusters[str(article["id"])].kept = {
                k: article.get(k) for k in ("id", "url", "title", "fetched_at")
            }
    for growth in iter_lines(corpus / CLUSTERS):  # sizes only grow
        sizes[str(growth.get("id"))] = int(growth.get("cluster_size") or 1)
    data.cluster_sizes = Counter(sizes.values())
    data.cluster_sizes[1] += max(0, data.corpus_size - len(sizes))
    data.cluster_sizes = +data.cluster_sizes
    data.clusters = sorted(clusters.values(), key=lambda c: (-len(c.copies), str(c.kept["id"])))
    for reject in iter_lines(corpus / REJECTS):
        reason = str(reject.get("reason"))
        data.reasons[reason] += 1
        if data.reasons[reason] <= REJECTS_SHOWN:
            data.rejects.append(reject)
    data.reasons["duplicate"] += sum(copies_of.values())
