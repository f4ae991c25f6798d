"""The worker pool of processing: results in order, and a budget of time and memory per item.

A worker that overruns its item's budget is killed and replaced, the item gets the overrun result,
and the items after it are still processed.
"""

from __future__ import annotations

import time

import pytest

from seedcrawl.pipelines.pool import EXTRACT_MEMORY, EXTRACT_TIMEOUT, Budget, ordered_map

MIB = 1 << 20


def work(item: str) -> str:
    """ "hang" never ends, "grow" grows by 20 MiB every 20 ms, "huge" wants 4 GiB at once."""
    if item == "hang":
        time.sleep(3600)
    if item == "grow":
        kept = []
        while True:
            kept.append(b"x" * (20 * MIB))  # written, so resident
            time.sleep(0.02)
    if item == "huge":
        try:
            return str(len(b"x" * (4096 * MIB)))
        except MemoryError:
            return "MemoryError"
    return item.upper()


def overrun(item: str, reason: str, detail: str) -> str:
    return f"{item}:{reason}"


@pytest.mark.parametrize("workers", [1, 2])
def test_overruns_are_stopped_replaced_and_results_stay_in_order(workers: int) -> None:
    items = ["a", "hang", "b", "grow", "c", "huge", "d"]

    results = list(
        ordered_map(work, items, workers, budget=Budget(seconds=3, rss_bytes=200 * MIB), on_overrun=overrun)
    )
    assert results == ["A", f"hang:{EXTRACT_TIMEOUT}", "B", f"grow:{EXTRACT_MEMORY}", "C", "MemoryError", "D"]


def test_without_budget_one_worker_runs_in_this_process() -> None:
    assert list(ordered_map(str.upper, iter(["x", "y"]), 1)) == ["X", "Y"]


def test_a_budget_needs_an_overrun_result() -> None:
    with pytest.raises(ValueError, match="on_overrun"):
        list(ordered_map(work, ["a"], 1, budget=Budget(seconds=1)))


OUT_OF_MEMORY_SCRIPT = """
import resource, sys
from seedcrawl.pipelines.document import Document
from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract

html = "<html><body><div>" + "word<br>\\n" * 180_000 + "</div></body></html>"
doc = Document("l", "http://127.0.0.1/l", "2026-12-04T00:00:00Z", WarcRef("a", 0, 1, "<u>", None), html=html)
size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + int(sys.argv[1]) * 2**20, resource.RLIM_INFINITY))
try:
    extract(doc, ExtractOptions())
    print("extracted")
except MemoryError:
    print("MemoryError")
except Rejected as verdict:
    print(verdict.reason)
"""


@pytest.mark.parametrize("cap_mib", [100, 150, 200, 250])
def test_libxml2_out_of_memory_is_a_memory_error_not_the_pages_parse_error(cap_mib: int) -> None:
    """Under a worker's address-space cap libxml2 reports a failed allocation as an XPath error.

    Read as `parse_error`, a page over its memory budget would be blamed on its markup (what CI saw
    once): the extraction raises MemoryError instead, which `process` records as `extract_memory`.
    Where the cap bites varies with the budget, so several are tried.
    """
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", OUT_OF_MEMORY_SCRIPT, str(cap_mib)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() in {"MemoryError", "not_article", "empty_text"}, run.stdout
