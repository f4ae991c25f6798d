"""The Chromium processes this crawl started, and how much memory they hold (from /proc).

Playwright does not tell which processes belong to the browser it launched: they are the
descendants of this process (Playwright's driver, then Chromium and its renderers) whose command
name says Chromium. Memory is PSS: Chromium's processes share most of their pages, which RSS
would count once per process.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return parents


def descendants(root: int) -> set[int]:
    parents = _parents()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def chromium_pids(root: int | None = None) -> set[int]:
    """This process's descendants that are Chromium (browser, renderers, GPU and utility processes)."""
    pids = set()
    for pid in descendants(os.getpid() if root is None else root):
        try:
            name = (_PROC / str(pid) / "comm").read_text()
        except OSError:
            continue
        if "chrom" in name.lower():
            pids.add(pid)
    return pids


def memory_bytes(pids: set[int]) -> int:
    """Sum of the PSS of `pids` (0 for any that ended)."""
    total = 0
    for pid in pids:
        try:
            with open(_PROC / str(pid) / "smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total
