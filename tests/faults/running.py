"""Run `seedcrawl crawl` / `seedcrawl process` as a child process and measure what it cost.

Peak memory comes from `os.wait4` on that one command, not from RUSAGE_CHILDREN, which would report
the largest of every child the test session ever waited for (pywb, other crawls). The command is
forked by a small launcher, not by the test process: Linux carries the parent's peak RSS over a
fork (or vfork) and exec into the child's `ru_maxrss`, so a command spawned by a test process that
had grown to 600 MB (a pytest-xdist worker late in the run) reported 600 MB whatever it used.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import WarcRecord, iter_records
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
    # Sampled over the command's whole process tree (a fork server's workers are not its children,
    # so wait4 never sees them): the largest single process, and the largest sum of their PSS.
    tree_max_rss_mb: float = 0.0
    tree_pss_mb: float = 0.0


# argv: report path, command...; forks the command, writes its wait4 status and ru_maxrss (KiB)
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump({"status": status, "maxrss": usage.ru_maxrss}, report)
"""


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {
        line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if line.endswith("kB")
    }
    return values.get("Rss", 0), values.get("Pss", 0)


def tree_memory_mb(pid: int, with_root: bool = True) -> tuple[float, float]:
    """(largest RSS of one process, sum of PSS) over `pid` (unless not `with_root`) and its
    descendants, in MB."""
    sizes = [_memory_kib(p) for p in _descendants(pid)[0 if with_root else 1 :]]
    return max((rss for rss, _ in sizes), default=0) / 1024, sum(pss for _, pss in sizes) / 1024


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


def run_measured(args: Sequence[str], timeout: float, *, sample_tree: bool = False) -> Run:
    tree_max, tree_pss = 0.0, 0.0
    with tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "rusage.json"
        launcher = [sys.executable, "-I", "-c", _LAUNCHER, str(report)]
        started = time.monotonic()
        child = subprocess.Popen(
            [*launcher, *seedcrawl_command(*args)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # a timeout kills the command with its launcher
        )
        deadline = started + timeout
        while child.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                raise AssertionError(f"{args[0]} still running after {timeout} s")
            if sample_tree:
                largest, pss = tree_memory_mb(child.pid, with_root=False)
                tree_max, tree_pss = max(tree_max, largest), max(tree_pss, pss)
            time.sleep(0.2 if sample_tree else 0.05)
        seconds = time.monotonic() - started
        assert child.returncode == 0 and report.exists(), f"the launcher failed ({child.returncode})"
        measured = json.loads(report.read_text())
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    returncode = os.waitstatus_to_exitcode(measured["status"])
    # ru_maxrss is in KiB; a sampled worker of the tree may have been larger than the command
    run = Run(returncode, stderr, seconds, max(measured["maxrss"] / 1024, tree_max), tree_max, tree_pss)
    # Shown with `pytest -s`: the measured bounds, for comparing runs and reporting them.
    tree = f"; process tree: largest {tree_max:.0f} MB, PSS sum {tree_pss:.0f} MB" if sample_tree else ""
    print(
        f"[measured] seedcrawl {args[0]} {args[-1]}: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB{tree}"
    )
    return run


def crawl(out: Path, seeds: Sequence[str], *extra: str, timeout: float = 120, ok: bool = True) -> Crawl:
    args = ["crawl", "--out", str(out), "--run-id", RUN_ID, *FAULT_ARGS, *extra, *seeds]
    run = run_measured(args, timeout)
    if ok:
        assert run.returncode == 0, f"crawl exited {run.returncode}:\n{run.stderr[-3000:]}"
    return Crawl(out, run)


def process(out: Path, timeout: float = 120) -> Run:
    """`seedcrawl process OUT` with one extraction worker. Its peak memory is that of the largest
    process: the command (wait4) or its worker (sampled; a fork server's child is not the command's)."""
    run = run_measured(["process", str(out), "--workers", "1"], timeout, sample_tree=True)
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
