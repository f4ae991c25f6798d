"""report.html: one self-contained page (styles and plotly.js inlined), readable from the disk.

Numbers in the at-a-glance table carry `data-key` attributes naming the summary field they show,
so tests (and scrapers) can read them back. Links to captures point at a pywb collection
(`--replay-base`); they are plain links, nothing is fetched when the page opens.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any

from seedcrawl.report.charts import CHARTS, new_captures
from seedcrawl.report.data import REJECTS_SHOWN, FolderData

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1em; }
.chart { border: 1px solid #eee; } .none { color: #888; padding: 1em; }
code { background: #f4f4f4; padding: 1px 4px; word-break: break-all; }
"""


def _cell(value: Any, key: str | None = None) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    attrs = (' class="n"' if numeric else "") + (f' data-key="{escape(key)}"' if key else "")
    return f"<td{attrs}>{escape(text)}</td>"


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _link(url: str, base: str, fetched_at: str | None = None) -> str:
    stamp = "".join(ch for ch in (fetched_at or "")[:19] if ch.isdigit())
    href = f"{base}{stamp + '/' if stamp else ''}{url}"
    return f'<a href="{escape(href)}">{escape(url)}</a>'


def glance(data: FolderData) -> list[tuple[str, str, Any]]:
    """(summary key, label, value) rows of the run at a glance."""
    s, p = data.summary, data.process
    rows: list[tuple[str, str, Any]] = [
        ("run_id", "crawl run", s.get("run_id", "none")),
        ("exit_code", "exit status", s.get("exit_code", "unknown")),
        ("finish_reason", "finish reason", s.get("finish_reason") or "unknown"),
        ("pages", "pages fetched", int(s.get("pages", 0))),
    ]
    if "requisites" in s:
        rows.append(("requisites", "page requisites", int(s.get("requisites") or 0)))
    rows += [
        ("requests", "requests", int(s.get("requests", 0))),
        ("bytes", "bytes downloaded", int(s.get("bytes", 0))),
        ("revisits", "revisits", int(s.get("revisits", 0))),
        ("articles", "new articles", int(p.get("articles", 0))),
        ("duplicates", "duplicates dropped", int(p.get("duplicates", 0))),
        ("rejects", "rejects", int(p.get("rejects", 0))),
        ("errors", "crawl errors", sum(int(n) for n in (s.get("errors") or {}).values())),
        ("seconds", "crawl time (s)", float(s.get("seconds", 0.0))),
        ("started_at", "started", s.get("started_at", "unknown")),
        ("finished_at", "finished", s.get("finished_at", "unknown")),
        ("corpus", "articles in the corpus", data.corpus_size),
    ]
    if data.run_record:
        rows.append(
            ("total_seconds", "run time, all steps (s)", sum(data.run_record.get("steps", {}).values()))
        )
    return rows


def _robots(data: FolderData) -> dict[str, str]:
    found: dict[str, str] = {}
    for capture in data.captures:
        if capture.url.endswith("/robots.txt") and capture.status:
            code = int(capture.status)
            outcome = (
                "rules applied"
                if code < 300
                else "allow all"
                if 400 <= code < 500 and code != 429
                else "host disallowed"
            )
            found[capture.host] = f"{outcome} ({code})"
    return found


def _politeness(data: FolderData) -> str:
    from seedcrawl.crawler import settings as defaults

    given = data.spec.get("settings") or {}
    delay = given.get("DOWNLOAD_DELAY", defaults.DOWNLOAD_DELAY)
    throttle = str(given.get("AUTOTHROTTLE_ENABLED", defaults.AUTOTHROTTLE_ENABLED)).lower() in ("true", "1")
    return f"{delay} s" + (" + AutoThrottle" if throttle else "")


def hosts_table(data: FolderData) -> str:
    hosts = data.summary.get("hosts") or {}
    failed = Counter(c.host for c in data.captures if c.status[:1] in ("4", "5"))
    robots, delay = _robots(data), _politeness(data)
    rows = [
        [
            _cell(host),
            _cell(int(counts.get("pages", 0))),
            _cell(int(counts.get("responses", 0))),
            _cell(int(counts.get("bytes", 0))),
            _cell(failed[host]),
            _cell(robots.get(host, "not fetched in this run")),
            _cell(delay),
        ]
        for host, counts in sorted(hosts.items())
    ]
    return _table(["host", "pages", "responses", "bytes", "4xx/5xx", "robots.txt", "politeness delay"], rows)


def clusters_table(data: FolderData, base: str) -> str:
    rows = []
    for cluster in data.clusters:
        kept = cluster.kept
        link = _link(str(kept.get("url") or ""), base, kept.get("fetched_at"))
        rows.append([_cell(str(kept.get("title") or kept["id"])), _cell("kept"), f"<td>{link}</td>"])
        for dup in sorted(cluster.copies, key=lambda d: -float(d.get("similarity") or 0)):
            similarity = f"{float(dup.get('similarity') or 0):.2f} ({dup.get('kind', '')})"
            rows.append([_cell(""), _cell(similarity), f"<td>{_link(str(dup.get('url', '')), base)}</td>"])
    if not rows:
        return '<p class="none">No duplicates.</p>'
    return _table(["kept article", "similarity", "capture (replay)"], rows)


def rejects_table(data: FolderData, base: str) -> str:
    rows = [
        [
            _cell(str(reject.get("reason"))),
            _cell(str(reject.get("detail", ""))[:120]),
            f"<td>{_link(str(reject.get('url', '')), base)}</td>",
        ]
        for reject in sorted(data.rejects, key=lambda r: str(r.get("reason")))
    ]
    return (
        _table(["reason", "detail", "capture (replay)"], rows) if rows else '<p class="none">No rejects.</p>'
    )


def history_table(data: FolderData) -> str:
    added = data.added
    rows = [
        [
            _cell(str(run["run_id"])),
            _cell(str(run.get("finished_at", ""))),
            _cell(int(run.get("pages", 0))),
            _cell(new_captures(run)),
            _cell(int(run.get("revisits", 0))),
            _cell(added[str(run["run_id"])]),
            _cell(run.get("exit_code", "")),
        ]
        for run in data.runs
    ]
    return _table(
        ["crawl run", "finished", "pages", "new captures", "revisits", "articles added", "exit"], rows
    )


def charts_html(data: FolderData) -> str:
    parts = []
    for name, build in CHARTS.items():
        figure = build(data)
        if figure is None:
            parts.append(
                f'<div class="chart" data-chart="{name}"><p class="none">{escape(name)}: no data in this folder.</p></div>'
            )
            continue
        body = figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{name}",
            config={"displaylogo": False, "responsive": True},
        )
        parts.append(f'<div class="chart" data-chart="{name}">{body}</div>')
    return '<div class="charts">' + "".join(parts) + "</div>"


def render(data: FolderData, plotly_js: str, replay_base: str) -> str:
    rows = [[_cell(label), _cell(value, key)] for key, label, value in glance(data)]
    command = data.summary.get("command") or "unknown"
    options = json.dumps(data.spec, indent=1) if data.spec else "{}"
    written = datetime.now(UTC).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>seedcrawl report: {escape(data.root.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style>
<script>{plotly_js}</script>
</head><body>
<h1>seedcrawl run report: <code>{escape(str(data.root))}</code></h1>
<p>Written {escape(written)}. Capture links open the pywb collection at <code>{escape(replay_base)}</code>.</p>
<h2>The run at a glance</h2>
{_table(["", "value"], rows)}
<p>Command: <code>{escape(command)}</code></p>
<details><summary>Seeds and options</summary><pre>{escape(options)}</pre></details>
<h2>Charts</h2>
{charts_html(data)}
<h2>Per host</h2>
{hosts_table(data)}
<h2>Largest duplicate clusters</h2>
{clusters_table(data, replay_base)}
<h2>Rejected pages (first {REJECTS_SHOWN} per reason)</h2>
{rejects_table(data, replay_base)}
<h2>History of the runs in this folder</h2>
{history_table(data)}
</body></html>
"""
