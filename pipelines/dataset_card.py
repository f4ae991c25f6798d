"""DIR/corpus/README.md: the dataset card that lets `datasets.load_dataset(DIR/corpus)` load the corpus.

Its YAML header names the data files (`configs`) and every column's type (`dataset_info.features`,
derived from the JSON Schema by pipelines/columns.py). With the types declared, `datasets` casts
each file to them instead of guessing from the first rows, so a run without a topic (`relevance`
null on every line) and a run with one load together, and `published`/`fetched_at` are both
timestamps. The body says how the corpus was made: seeds, crawl runs and their dates, versions.
Rewritten atomically by every `seedcrawl process`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from seedcrawl.contract.records import ARTICLES
from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.pipelines.columns import columns, hf_feature

CARD = "README.md"
TOOLS = ("seedcrawl", "scrapy", "warcio", "trafilatura", "datasketch")


def card_header() -> dict[str, Any]:
    """The YAML header: the default config over articles.jsonl and the features of every column.

    No `splits` sizes: `datasets` verifies them, and the corpus grows after the card is read."""
    info: dict[str, Any] = {"features": [hf_feature(c) for c in columns()]}
    return {
        "license": "other",  # placeholder: the texts belong to their publishers; set what applies
        "language": ["multilingual"],
        "pretty_name": "seedcrawl news corpus",
        "tags": ["news", "web-crawl", "warc"],
        "configs": [
            {"config_name": "default", "data_files": [{"split": "train", "path": ARTICLES}], "default": True}
        ],
        "dataset_info": info,
    }


def _versions() -> dict[str, str]:
    found = {}
    for name in TOOLS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _runs(logs_dir: Path) -> list[dict[str, Any]]:
    """Crawl summaries (logs/crawl-<run id>.json), oldest first."""
    runs = []
    for path in logs_dir.glob("crawl-*.json"):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict):
            finished = summary.get("finished_at") or datetime.fromtimestamp(
                path.stat().st_mtime, UTC
            ).isoformat(timespec="seconds")
            runs.append(
                {**summary, "finished_at": finished, "run_id": summary.get("run_id") or path.stem[6:]}
            )
    return sorted(runs, key=lambda run: str(run["finished_at"]))


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))


def card_text(root: Path) -> str:
    corpus = root / "corpus"
    articles = _count_lines(corpus / ARTICLES)
    header = yaml.safe_dump(card_header(), sort_keys=False, allow_unicode=True)
    runs = _runs(root / "logs")
    try:
        marker = json.loads((root / "state" / "run.json").read_text(encoding="utf-8"))
        seeds = list((marker.get("spec") or {}).get("seeds") or [])
        topic = (marker.get("spec") or {}).get("topic")
    except (OSError, ValueError, AttributeError):
        seeds, topic = [], None
    lines = [
        "---",
        header.rstrip(),
        "---",
        "",
        "# seedcrawl news corpus",
        "",
        f"{articles} news articles extracted from web archives (WARC) that seedcrawl captured, one JSON",
        "object per line in `articles.jsonl`; the fields are specified by `article.schema.json` in",
        "seedcrawl's `pipelines/schema/`. Every record points back to its capture (`warc.file`, `warc.offset`).",
        "",
        "```python",
        "import datasets",
        'corpus = datasets.load_dataset("path/to/corpus", split="train")',
        "```",
        "",
        "## License",
        "",
        "**To be set by whoever publishes this corpus.** The texts belong to their publishers; this",
        "card's `license: other` is a placeholder.",
        "",
        "## How it was made",
        "",
        "Fetched with Scrapy into WARC files, main text extracted with trafilatura, near-duplicates",
        "dropped with MinHash LSH (`cluster_size` counts the copies a record stands for).",
        "",
        f"- seeds of the latest crawl: {', '.join(f'`{s}`' for s in seeds) or 'unknown'}",
        f"- topic: {topic!r}" if topic else "- topic: none (breadth-first within the seeds' hosts)",
        "- tool versions: " + ", ".join(f"{name} {version}" for name, version in _versions().items()),
        f"- card written: {datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
        "| crawl run | finished | pages | bytes |",
        "|---|---|---|---|",
        *(
            f"| `{run['run_id']}` | {run['finished_at']} | {run.get('pages', 0)} | {run.get('bytes', 0):,} |"
            for run in runs
        ),
        "",
    ]
    return "\n".join(lines)


def write_card(root: Path) -> Path:
    path = root / "corpus" / CARD
    write_bytes_atomically(path, card_text(root).encode("utf-8"))
    return path
