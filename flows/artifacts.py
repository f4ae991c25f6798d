"""What a run leaves in Prefect's UI: a progress bar, a markdown summary, a table per host.

Keys are per output folder ("seedcrawl-<folder>-summary"), so the Artifacts page shows the latest
run of each collection and keeps the earlier ones as its history. The builders are plain
functions of the run record; only `Progress` and `publish` talk to the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

KEY_PREFIX = "seedcrawl"
CRAWL_COLUMNS = ("requests", "responses", "pages", "bytes")
PROCESS_COLUMNS = ("articles", "duplicates", "rejects")


def artifact_key(out: Path, kind: str) -> str:
    """A key Prefect accepts (lowercase letters, digits, dashes) naming the folder and the kind."""
    slug = re.sub(r"[^a-z0-9]+", "-", Path(out).name.lower()).strip("-")[:40].strip("-")
    return "-".join(part for part in (KEY_PREFIX, slug, kind) if part)


def host_rows(
    crawl_hosts: Mapping[str, Mapping[str, Any]], process_hosts: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per host: what the crawl fetched there and what processing made of it."""
    crawl_fields = [c for c in CRAWL_COLUMNS if any(c in counts for counts in crawl_hosts.values())]
    rows = []
    for host in sorted({*crawl_hosts, *process_hosts}):
        fetched = crawl_hosts.get(host, {})
        made = process_hosts.get(host, {})
        row: dict[str, Any] = {"host": host}
        row.update({name: int(fetched.get(name, 0)) for name in crawl_fields})
        row.update({name: int(made.get(name, 0)) for name in PROCESS_COLUMNS})
        rows.append(row)
    return rows


def _counts(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


def summary_markdown(record: Mapping[str, Any]) -> str:
    """The run summary: counts, time per step and where the output went."""
    crawl = record.get("crawl") or {}
    report = record.get("process") or {}
    outputs = record.get("outputs") or {}
    steps = record.get("steps") or {}
    lines = [
        f"# seedcrawl run `{record['run_id']}`",
        "",
        f"Output folder: `{record['out']}`",
        "",
        "| | |",
        "|---|---|",
        f"| pages fetched | {crawl.get('pages', 0)} |",
        f"| requests | {crawl.get('requests', 0)} |",
        f"| bytes | {crawl.get('bytes', 0):,} |",
        f"| new articles | {report.get('articles', 0)} |",
        f"| duplicates dropped | {report.get('duplicates', 0)} |",
        f"| rejects | {report.get('rejects', 0)} |",
        f"| crawl errors | {_counts(crawl.get('errors') or {})} |",
        f"| processing errors | {report.get('errors', 0)} |",
        f"| page budget exhausted | {'yes' if crawl.get('budget_exhausted') else 'no'} |",
        "",
        "## Time per step",
        "",
        "| step | seconds |",
        "|---|---|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in steps.items()),
        f"| **total** | {sum(steps.values()):.1f} |",
        "",
        "## Output",
        "",
        *(f"- {name}: `{path}`" for name, path in outputs.items()),
    ]
    return "\n".join(lines) + "\n"


class Progress:
    """A progress artifact moved forward after each step of the run."""

    def __init__(self, out: Path, steps: Sequence[str]) -> None:
        self.steps = list(steps)
        self.done = 0
        # sync here (called from a sync flow); the stub also allows the async dispatch
        self.id = cast(
            UUID,
            create_progress_artifact(
                progress=0.0, key=artifact_key(out, "progress"), description=f"starting: {self.steps[0]}"
            ),
        )

    def step_done(self, step: str, note: str) -> None:
        self.done += 1
        following = self.steps[self.done] if self.done < len(self.steps) else None
        description = f"{step} done: {note}" + (f"; now: {following}" if following else "")
        update_progress_artifact(
            self.id, progress=100.0 * self.done / len(self.steps), description=description
        )

    def failed(self, reason: str) -> None:
        update_progress_artifact(
            self.id, progress=100.0 * self.done / len(self.steps), description=f"failed: {reason}"
        )


def glance_markdown(out: Path) -> str:
    """The report's at-a-glance table and a link to DIR/report.html, as markdown."""
    from seedcrawl.report import REPORT
    from seedcrawl.report.data import load_folder
    from seedcrawl.report.page import glance

    report = Path(out) / REPORT
    rows = [
        f"| {label} | {value:,} |" if isinstance(value, int) else f"| {label} | {value} |"
        for _, label, value in glance(load_folder(Path(out)))
    ]
    return (
        "\n".join(
            [
                "## At a glance",
                "",
                f"Charts and tables: [{report}]({report.as_uri()})",
                "",
                "| | |",
                "|---|---|",
                *rows,
            ]
        )
        + "\n"
    )


def publish(record: Mapping[str, Any]) -> None:
    """The summary and per-host artifacts of a finished run."""
    out = Path(record["out"])
    create_markdown_artifact(
        markdown=summary_markdown(record) + "\n" + glance_markdown(out),
        key=artifact_key(out, "summary"),
        description=f"seedcrawl run {record['run_id']}",
    )
    rows = host_rows(
        (record.get("crawl") or {}).get("hosts") or {}, (record.get("process") or {}).get("hosts") or {}
    )
    if rows:
        create_table_artifact(
            table=rows, key=artifact_key(out, "hosts"), description=f"per host, run {record['run_id']}"
        )
