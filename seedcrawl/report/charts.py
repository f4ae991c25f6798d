"""The report's charts, drawn with plotly (its plotly.js is inlined once into the page).

Each builder takes the folder's data and returns a titled figure, or None when there is nothing to
draw (the page then says so instead of showing empty axes). Only SVG traces are used (no WebGL),
so the page renders in any browser, headless or not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go

from seedcrawl.report.data import FolderData, parse_time

LAYOUT: dict[str, Any] = {
    "height": 340,
    "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.25},
}


def _figure(title: str, traces: list[Any], **layout: Any) -> go.Figure:
    figure = go.Figure(traces)
    figure.update_layout(title=title, **{**LAYOUT, **layout})
    return figure


def pages_over_time(data: FolderData) -> go.Figure | None:
    if not data.captures:
        return None
    start = min(c.time for c in data.captures)
    span = (max(c.time for c in data.captures) - start).total_seconds()
    step = max(1, int(span // 60) + 1)  # at most about 60 bars
    by_host: dict[str, Counter[float]] = defaultdict(Counter)
    for capture in data.captures:
        by_host[capture.host][(capture.time - start).total_seconds() // step * step] += 1
    bins = sorted({b for counts in by_host.values() for b in counts})
    traces = [
        go.Bar(name=host, x=[start + timedelta(seconds=b) for b in bins], y=[counts[b] for b in bins])
        for host, counts in sorted(by_host.items())
    ]
    return _figure(
        f"Pages and other responses fetched over time, per host ({step} s bins)", traces, barmode="stack"
    )


def status_by_host(data: FolderData) -> go.Figure | None:
    counts = Counter((c.host, c.status or "revisit") for c in data.captures)
    if not counts:
        return None
    hosts = sorted({host for host, _ in counts})
    statuses = sorted({status for _, status in counts})
    traces = [go.Bar(name=s, x=hosts, y=[counts[(h, s)] for h in hosts]) for s in statuses]
    return _figure("Responses by status, per host", traces, barmode="stack")


def bytes_by_type(data: FolderData) -> go.Figure | None:
    sizes: Counter[str] = Counter()
    for capture in data.captures:
        sizes[capture.mime] += capture.length
    if not sizes:
        return None
    kinds = [kind for kind, _ in sizes.most_common()]
    trace = go.Bar(x=kinds, y=[sizes[k] for k in kinds], name="bytes")
    return _figure("Archived bytes (gzip records) by content type", [trace], yaxis_title="bytes")


def reject_reasons(data: FolderData) -> go.Figure | None:
    reasons = +data.reasons
    if not reasons:
        return None
    names = [name for name, _ in reasons.most_common()]
    trace = go.Bar(x=names, y=[reasons[n] for n in names], name="records")
    return _figure("Responses that did not become articles, by reason", [trace])


def cluster_sizes(data: FolderData) -> go.Figure | None:
    sizes = data.cluster_sizes
    if not sizes:
        return None
    xs = sorted(sizes)
    trace = go.Bar(x=[str(x) for x in xs], y=[sizes[x] for x in xs], name="articles")
    return _figure(
        "Duplicate-cluster sizes (copies a kept article stands for)", [trace], xaxis_title="cluster size"
    )


def article_lengths(data: FolderData) -> go.Figure | None:
    words = data.words
    if not words:
        return None
    trace = go.Histogram(x=words, nbinsx=30, name="articles")
    return _figure("Article length (words)", [trace], xaxis_title="words", yaxis_title="articles")


def relevance(data: FolderData) -> go.Figure | None:
    scores = data.relevances
    if not scores:
        return None
    figure = _figure(
        "Topic relevance of the articles",
        [go.Histogram(x=scores, xbins={"start": 0, "end": 1, "size": 0.05}, name="articles")],
        xaxis_title="relevance",
        xaxis_range=[0, 1],
    )
    threshold = float((data.topic or {}).get("threshold", 0.3))
    budget = data.spec.get("max_pages")
    note = f"on-topic threshold {threshold:g}" + (
        f": the frontier spends the {budget}-page budget above it first" if budget else ""
    )
    figure.add_vline(x=threshold, line_dash="dash", line_color="firebrick", annotation_text=note)
    return figure


def errors_over_time(data: FolderData) -> go.Figure | None:
    timeline = data.summary.get("timeline") or []
    start = parse_time(data.summary.get("started_at"))
    if not timeline or start is None:
        return None
    xs = [start + timedelta(seconds=float(point["seconds"])) for point in timeline]
    kinds = sorted({kind for point in timeline for kind in point.get("errors", {})})
    totals = [sum(point.get("errors", {}).values()) for point in timeline]
    traces = [go.Scatter(x=xs, y=totals, name="all errors", mode="lines+markers")]
    traces += [
        go.Scatter(x=xs, y=[p.get("errors", {}).get(k, 0) for p in timeline], name=k, mode="lines+markers")
        for k in kinds
    ]
    return _figure("Crawl errors by kind over time (cumulative)", traces)


def new_captures(run: dict[str, Any]) -> int:
    """Responses archived whole (not as revisits of a payload or a 304) in a crawl run."""
    return max(0, int(run.get("responses", 0)) - int(run.get("revisits", 0)))


def history(data: FolderData) -> go.Figure | None:
    if not data.runs:
        return None
    names = [str(run["run_id"])[:12] for run in data.runs]
    added = data.added
    revisits = [int(run.get("revisits", 0)) for run in data.runs]
    new = [new_captures(run) for run in data.runs]
    traces = [
        go.Bar(name="articles added", x=names, y=[added[str(run["run_id"])] for run in data.runs]),
        go.Bar(name="new captures", x=names, y=new),
        go.Bar(name="revisits", x=names, y=revisits),
    ]
    return _figure("History of the runs in this folder", traces, barmode="group")


CHARTS: dict[str, Callable[[FolderData], go.Figure | None]] = {
    "pages-over-time": pages_over_time,
    "status-by-host": status_by_host,
    "bytes-by-type": bytes_by_type,
    "reject-reasons": reject_reasons,
    "cluster-sizes": cluster_sizes,
    "article-lengths": article_lengths,
    "relevance": relevance,
    "errors-over-time": errors_over_time,
    "history": history,
}
