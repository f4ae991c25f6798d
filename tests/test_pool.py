"""The worker pool of processing: results in order, and a budget of time and memory per item.

A worker that overruns its item's budget is killed and replaced, the item gets the overrun result,
and the items after it are still processed.
"""

from __future__ import annotations

import time

import pytest

from pipelines.pool import EXTRACT_MEMORY, EXTRACT_TIMEOUT, Budget, ordered_map

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
