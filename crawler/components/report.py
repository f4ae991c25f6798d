"""Progress while a crawl runs and a summary when it ends.

The summary (pages, bytes, responses by status, errors by kind, time) is logged, kept on the
crawler for the command line to print, and written as JSON under DIR/logs/ for flows and for
anyone auditing a run later.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from seedcrawl.crawler.sharding.shards import file_suffix
from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.outdir.layout import Layout
from seedcrawl.progress import progress_bar

TIMELINE_POINTS = 500  # samples of errors and pages over time kept in the summary, at most

_ERROR_PREFIXES = {
    "downloader/exception_type_count/": "",
    "seedcrawl/truncated/": "truncated_",
    "retry/max_reached": "retries_exhausted",
    "robotstxt/forbidden": "robots_forbidden",
    "seedcrawl/robots_unreachable": "robots_unreachable",
    "seedcrawl/out_of_scope": "out_of_scope",
    "seedcrawl/errors/": "",  # components count their own kinds of failure here (retry_after.py)
}


def summarize(stats: dict[str, Any], elapsed: float) -> dict[str, Any]:
    by_status = {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    errors: dict[str, int] = {}
    for key, value in stats.items():
        if key.endswith(".IgnoreRequest"):
            continue  # refusals (robots, scope, size) are counted under their own names
        for prefix, label in _ERROR_PREFIXES.items():
            if key.startswith(prefix):
                name = label + key[len(prefix) :].rsplit(".", 1)[-1] if prefix.endswith("/") else label
                errors[name] = errors.get(name, 0) + int(value)
    hosts: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith("seedcrawl/host/"):
            host, _, field = key[len("seedcrawl/host/") :].rpartition("/")
            hosts.setdefault(host, {"responses": 0, "pages": 0, "requisites": 0, "bytes": 0})[field] = int(
                value
            )
    return {
        "pages": int(stats.get("seedcrawl/pages", 0)),
        # page requisites (stylesheets, scripts, images, fonts, media) answered 2xx or 304, and
        # the body bytes of every requisite response (in `bytes` too)
        "requisites": int(stats.get("seedcrawl/requisites", 0)),
        "requisite_bytes": int(stats.get("seedcrawl/requisite_bytes", 0)),
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": int(stats.get("downloader/response_count", 0)),
        "bytes": int(stats.get("seedcrawl/bytes", stats.get("downloader/response_bytes", 0))),
        "warc_records": int(stats.get("seedcrawl/warc_records", 0)),
        "revisits": int(stats.get("seedcrawl/revisits", 0)),
        "by_status": dict(sorted(by_status.items())),
        "hosts": dict(sorted(hosts.items())),
        "errors": dict(sorted(errors.items())),
        "budget_exhausted": bool(stats.get("seedcrawl/budget_exhausted")),
        "not_archived": int(stats.get("seedcrawl/not_archived", 0)),
        "archive_error": stats.get("seedcrawl/archive_error"),
        "finish_reason": stats.get("finish_reason"),
        "seconds": round(elapsed, 2),
        "rendered": _rendered(stats),
    }


def _rendered(stats: dict[str, Any]) -> dict[str, Any]:
    """Pages rendered in the browser (--browser), why, and each page (crawler/chromium/rendering.py)."""
    prefix = "seedcrawl/browser/reason/"
    return {
        "pages": int(stats.get("seedcrawl/browser/rendered", 0)),
        "by_reason": {
            key[len(prefix) :]: int(v) for key, v in sorted(stats.items()) if key.startswith(prefix)
        },
        "timed_out": int(stats.get("seedcrawl/browser/timed_out", 0)),
        "failed": int(stats.get("seedcrawl/browser/failed", 0)),
        "browser_requests": int(stats.get("seedcrawl/browser/requests", 0)),
        "browser_unavailable": bool(stats.get("seedcrawl/browser/unavailable")),
        # Chromium started (SEEDCRAWL_BROWSER_PRESTART starts it before any page needs it; restarts)
        "browser_launches": int(stats.get("seedcrawl/browser/launches", 0)),
        "list": list(stats.get("seedcrawl/browser/pages") or []),
    }


def format_summary(summary: dict[str, Any]) -> str:
    statuses = ", ".join(f"{code}: {count}" for code, count in summary["by_status"].items()) or "none"
    errors = ", ".join(f"{kind}: {count}" for kind, count in summary["errors"].items()) or "none"
    return (
        f"pages {summary['pages']}, requisites {summary.get('requisites', 0)}, "
        f"requests {summary['requests']}, {summary['bytes']:,} bytes, "
        f"{summary['warc_records']} WARC records ({summary['revisits']} revisits) in {summary['seconds']:.1f} s\n"
        f"  responses by status: {statuses}\n"
        f"  errors: {errors}" + _rendered_line(summary.get("rendered") or {})
    )


def _rendered_line(rendered: dict[str, Any]) -> str:
    if not rendered.get("pages") and not rendered.get("failed"):
        return ""
    reasons = ", ".join(f"{why}: {count}" for why, count in rendered.get("by_reason", {}).items())
    return (
        f"\n  rendered in the browser: {rendered['pages']} pages ({reasons or 'none'}), "
        f"{rendered.get('timed_out', 0)} cut at the timeout, {rendered.get('failed', 0)} failed"
    )


class CrawlReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started = time.monotonic()
        self.summary: dict[str, Any] | None = None
        progress = crawler.settings.get("SEEDCRAWL_PROGRESS")
        self.show_progress = (
            sys.stderr.isatty() if progress is None else crawler.settings.getbool("SEEDCRAWL_PROGRESS")
        )
        self.interval = crawler.settings.getfloat("SEEDCRAWL_PROGRESS_INTERVAL")
        self._loop: task.LoopingCall | None = None
        self._bar: Progress | None = None
        # errors by kind and pages over time, for the run report's charts (seedcrawl/report/)
        self.timeline: list[dict[str, Any]] = []
        self._sampler: task.LoopingCall | None = None
        self._ticks, self._every = 0, 1  # sample every `_every` ticks: halved resolution when full
        self.started_at = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC)
        self._sampler = task.LoopingCall(self._tick)
        self._sampler.start(max(self.interval, 1.0), now=False)
        if self.show_progress:
            # pages of the --max-pages budget, with a rate and the time left; no total without one
            self._bar = progress_bar("pages", auto_refresh=False)
            self._bar.add_task("crawl", total=getattr(spider, "max_pages", None), note="")
            self._bar.start()
            self._loop = task.LoopingCall(self._progress)
            self._loop.start(self.interval, now=False)

    def _progress(self) -> None:
        stats = self._stats()
        if self._bar is None:
            return
        self._bar.update(
            self._bar.task_ids[0],
            completed=int(stats.get("seedcrawl/pages", 0)),
            note=f"requests {stats.get('downloader/request_count', 0)}  "
            f"{int(stats.get('seedcrawl/bytes', 0)) / 1e6:.1f} MB",
        )
        self._bar.refresh()

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks % self._every == 0:
            self._sample()
        if len(self.timeline) >= TIMELINE_POINTS:  # a long crawl keeps its summary small
            self.timeline, self._every = self.timeline[::2], self._every * 2

    def _sample(self) -> None:
        stats = self._stats()
        summary = summarize(stats, time.monotonic() - self.started)
        self.timeline.append(
            {"seconds": summary["seconds"], "pages": summary["pages"], "errors": summary["errors"]}
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
            self._progress()
        if self._bar is not None:
            self._bar.stop()
        if self._sampler is not None and self._sampler.running:
            self._sampler.stop()
        self._sample()
        stats = dict(self._stats())
        stats.setdefault("finish_reason", reason)
        self.summary = summarize(stats, time.monotonic() - self.started)
        self.summary["started_at"] = self.started_at.isoformat(timespec="seconds")
        self.summary["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.summary["timeline"] = self.timeline
        self.summary["run_id"] = self.crawler.settings.get("SEEDCRAWL_RUN_ID")
        # a resumed run's summary says so, with what it read back instead of fetching
        self.summary["resumed"] = self.crawler.settings.getbool("SEEDCRAWL_RESUME")
        self.summary["replayed"] = int(stats.get("seedcrawl/resume/replayed", 0))
        spider.logger.info("crawl summary: %s", json.dumps(self.summary))
        output = self.crawler.settings.get("SEEDCRAWL_OUTPUT")
        if output:
            self._write(Layout(Path(output).absolute()))

    def _write(self, layout: Layout) -> None:
        run_id = self.crawler.settings.get("SEEDCRAWL_RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = layout.logs_dir / f"crawl-{run_id}{file_suffix(self.crawler.settings)}.json"
        write_bytes_atomically(path, (json.dumps(self.summary, indent=2) + "\n").encode("utf-8"))
