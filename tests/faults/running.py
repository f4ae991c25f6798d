"""Run `seedcrawl crawl` / `seedcrawl process` as a child process and measure what it cost.

Peak memory comes from `os.wait4` on that one child, not from RUSAGE_CHILDREN, which would report
the largest of every child the test session ever waited for (pywb, other crawls).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.check import check_folder
from archive.reader import WarcRecord, iter_records
from tests.faults.webs import FaultWeb
from tests.support.cli import FAST, REPO, seedcrawl_command

# Fallback discovery (/feed, /sitemap.xml, ...) is off: the fault sites have none, and their 404s
# would only crowd the request logs the tests read.
FAULT_ARGS = [*FAST, "-s", "SEEDCRAWL_DISCOVERY_FALLBACKS=False"]
RUN_ID = "faults"
# A crawl of a few pages peaks near 90 MB; one bomb inflated in memory (256 MiB) would pass this.
RSS_BOUND_MB = 400


@dataclass(frozen=True)
class Run:
    returncode: int
    stderr: str
    seconds: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Crawl:
    out: Path
    run: Run

    @property
    def summary(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.out / "logs" / f"crawl-{RUN_ID}.json").read_text())
        return loaded

    @property
    def log_text(self) -> str:
        return (self.out / "logs" / f"crawl-{RUN_ID}.log").read_text(encoding="utf-8", errors="replace")

    def records(self, max_payload: int = 64 << 20) -> list[WarcRecord]:
        files = sorted((self.out / "warc").glob("*.warc.gz"))
        return [record for path in files for record in iter_records(path, max_payload=max_payload)]

    def responses(self, url: str) -> list[WarcRecord]:
        return [r for r in self.records() if r.type == "response" and r.target_uri == url]


def run_measured(args: Sequence[str], timeout: float) -> Run:
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        child = subprocess.Popen(seedcrawl_command(*args), cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                raise AssertionError(f"{args[0]} still running after {timeout} s")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    run = Run(child.returncode, stderr, seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB
    # Shown with `pytest -s`: the measured bounds, for comparing runs and reporting them.
    print(
        f"[measured] seedcrawl {args[0]} {args[-1]}: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB"
    )
    return run


def crawl(out: Path, seeds: Sequence[str], *extra: str, timeout: float = 120, ok: bool = True) -> Crawl:
    args = ["crawl", "--out", str(out), "--run-id", RUN_ID, *FAULT_ARGS, *extra, *seeds]
    run = run_measured(args, timeout)
    if ok:
        assert run.returncode == 0, f"crawl exited {run.returncode}:\n{run.stderr[-3000:]}"
    return Crawl(out, run)


def process(out: Path, timeout: float = 120) -> Run:
    """`seedcrawl process OUT` in one process (no worker pool), so its peak memory is the whole cost."""
    run = run_measured(["process", str(out), "--workers", "1"], timeout)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def assert_archive_whole(out: Path) -> None:
    report = check_folder(out / "warc")
    assert report.reports, "no WARC file was written"
    assert report.ok, (report.open_files, [p for r in report.reports for p in r.problems])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line, decoded as strict UTF-8 (a stray byte fails the test) and parsed as JSON."""
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        # A lone surrogate would pass json.loads but is not UTF-8 text.
        json.dumps(line, ensure_ascii=False).encode("utf-8")
    return lines


def corpus(out: Path) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """(articles by URL, rejects by URL: one per response that made no article) of the corpus."""
    articles = read_jsonl(out / "corpus" / "articles.jsonl")
    for item in articles:
        assert "\x00" not in item["text"] and "\ufffd" not in item["text"], item["url"]
    rejects: dict[str, list[dict[str, Any]]] = {}
    for line in read_jsonl(out / "corpus" / "rejects.jsonl"):
        rejects.setdefault(line["url"], []).append(line)
    return {a["url"]: a for a in articles}, rejects


@dataclass
class Crawled:
    """A fault web and the one crawl a test module ran against it."""

    web: FaultWeb
    crawl: Crawl
