"""What the per-record extraction budget costs on normal pages, and what it saves on hostile ones.

    .venv/bin/python bench/extract_budget.py [--data DIR] [--rounds N] [--output FILE]

Normal pages: the article-extraction benchmark pages (shared/bench/aeb-dev) through the processing
step (decode + extract + score), one worker, A/B interleaved round by round:
A, in this process without a budget (how `process --workers 1` ran before budgets);
B, in a budgeted worker process (`pipelines.pool`, the default 30 s / 512 MiB), which adds pickling
each record to the worker and back and the parent's polling. CPU time per page counts this process
and the worker (and the fork server), read from /proc, beside wall time per page.

Hostile pages: 1.6 MB and 4 MB of `word<br>` lines, unbounded in this process (CPU time and peak
RSS, in a child so the peaks do not mix) and under the default budget.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import _REF, DEFAULT_DATA, FETCHED_AT, load_pages
from seedcrawl.pipelines.decode import DecodeOptions
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.extract import ExtractOptions
from seedcrawl.pipelines.pool import EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT_S, Budget, ordered_map
from seedcrawl.pipelines.steps import Rejection, StepOptions, overrun, process_one

BUDGET = Budget(EXTRACT_TIMEOUT_S, EXTRACT_MEMORY_MB << 20)
_TICK = os.sysconf("SC_CLK_TCK")
HOSTILE_SIZES = (1_600_000, 4_000_000)


def _descendants_cpu() -> float:
    """CPU seconds (user + system) of every live descendant of this process."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    total, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def documents(pages: list[tuple[str, str, bytes]]) -> Iterator[Document]:
    for page_id, url, body in pages:
        yield Document(page_id, url, FETCHED_AT, _REF, content_type="text/html", payload=body)


def timed(pages: list[tuple[str, str, bytes]], budget: Budget | None) -> tuple[float, float, int]:
    """(CPU s per page, wall s per page, articles) over all pages, one worker."""
    fn = partial(process_one, options=StepOptions(DecodeOptions(), ExtractOptions()))
    cpu0, kids0, wall0 = time.process_time(), _descendants_cpu(), time.perf_counter()
    results = ordered_map(fn, documents(pages), 1, budget=budget, on_overrun=overrun if budget else None)
    got = [next(results) for _ in pages]  # the worker is still alive: its CPU time can be read
    cpu = time.process_time() - cpu0 + _descendants_cpu() - kids0
    wall = time.perf_counter() - wall0
    results.close()
    return cpu / len(pages), wall / len(pages), sum(not isinstance(r, Rejection) for r in got)


def lines_page(size: int) -> bytes:
    unit = b"word<br>\n"
    return b"<html><body><div>" + unit * (size // len(unit)) + b"</div></body></html>"


def unbounded_child(size: int) -> str:
    """Run one hostile page in a fresh interpreter without a budget: CPU s and peak RSS MB."""
    code = (
        "import resource, sys, time; sys.path.insert(0, sys.argv[2]);"
        "from bench.extract_budget import hostile_once; hostile_once(int(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(size), str(Path(__file__).resolve().parents[1])],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def hostile_once(size: int) -> None:
    fn = partial(process_one, options=StepOptions(DecodeOptions(), ExtractOptions()))
    doc = Document(
        "h", "http://h.test/", FETCHED_AT, _REF, content_type="text/html", payload=lines_page(size)
    )
    start = time.process_time()
    result = fn(doc)
    reason = result.reason if isinstance(result, Rejection) else "article"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.process_time() - start:.1f} s CPU, peak RSS {peak:.0f} MB, {reason}")


def budgeted_hostile(size: int) -> str:
    fn = partial(process_one, options=StepOptions(DecodeOptions(), ExtractOptions()))
    doc = Document(
        "h", "http://h.test/", FETCHED_AT, _REF, content_type="text/html", payload=lines_page(size)
    )
    start = time.perf_counter()
    [result] = list(ordered_map(fn, [doc], 1, budget=BUDGET, on_overrun=overrun))
    reason = result.reason if isinstance(result, Rejection) else "article"
    return f"{time.perf_counter() - start:.1f} s wall, {reason}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "extract_budget.md"
    )
    args = parser.parse_args(argv)
    pages = [(p.page_id, p.url, p.body) for p in load_pages(args.data)]
    timed(pages[:5], None)  # stoplists and caches loaded before any clock starts
    timed(pages[:5], BUDGET)  # and the fork server started
    rows, sums = [], {"A": [0.0, 0.0], "B": [0.0, 0.0]}
    for n in range(args.rounds):
        for name, budget in (("A in process, no budget", None), ("B budgeted worker", BUDGET)):
            cpu, wall, articles = timed(pages, budget)
            sums[name[0]][0] += cpu / args.rounds
            sums[name[0]][1] += wall / args.rounds
            rows.append(f"| {n + 1} | {name} | {cpu * 1000:.1f} | {wall * 1000:.1f} | {articles} |")
            print(rows[-1], flush=True)
    for name, (cpu, wall) in sums.items():
        rows.append(f"| mean | {name} | {cpu * 1000:.1f} | {wall * 1000:.1f} | |")
    hostile = []
    for size in HOSTILE_SIZES:
        hostile.append(f"| {size / 1e6:.1f} MB | {unbounded_child(size)} | {budgeted_hostile(size)} |")
        print(hostile[-1], flush=True)
    lines = [
        "# Extraction budget: overhead on normal pages, bound on hostile ones",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; command: `.venv/bin/python bench/extract_budget.py`",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared with other work)",
        f"- {len(pages)} aeb-dev pages per round, one worker; budget {EXTRACT_TIMEOUT_S:g} s / {EXTRACT_MEMORY_MB} MiB",
        "",
        "| round | path | CPU ms/page (all processes) | wall ms/page | articles |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Hostile pages (`word<br>` lines): unbounded in one process, and under the default budget.",
        "",
        "| page | unbounded | default budget |",
        "|---|---|---|",
        *hostile,
    ]
    report = "\n".join(lines) + "\n"
    args.output.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
