"""What each part of the process step costs, measured by taking it out, against bare trafilatura.

    .venv/bin/python bench/extraction_parts.py [--rounds N] [--output bench/results/extraction_parts.md]

cProfile charges every Python call its own overhead, so a part made of many small calls (lxml's
element class lookup, our line tests) looks several times dearer under it than it is. Here each
part is priced by the CPU the step spends without it: the shipped step, and the same step with the
date search (htmldate) or the language detection stubbed out, or with one trafilatura run (the
recall mode pruned as precision mode prunes, with and without the date search), and the opt-in
`fast` profile with and without that pruning, are timed in turn with bare `trafilatura.extract` and
`extract(with_metadata=True)` on the article pages of both dev sets, in one process, by
`bench.extraction.cpu_ms_each` (the order flips from page to page; the caches keyed by a page's
strings are emptied before each call). The stubs exist only here: what a variant outputs is not
scored, only its CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import (
    CANDIDATES,
    SHARED,
    Contender,
    cpu_ms_each,
    publish,
    run_bare,
    run_bare_with_metadata,
    steps_for,
)
from bench.extraction_sets import Output, Page, load_aeb, load_wcxb
from seedcrawl.pipelines import extract, metadata
from seedcrawl.pipelines.extract import profile_options


def _without(step: Contender, module: Any, name: str) -> Contender:
    """`step` with `module.name` answering None while it runs."""

    def run(page: Page) -> Output:
        with patch.object(module, name, lambda *args, **kwargs: None):
            return step(page)

    return run


def contenders() -> dict[str, Contender]:
    shipped = steps_for(CANDIDATES["shipped"])
    one_run = steps_for(CANDIDATES["recall mode only, pruned as precision mode"])
    fast = profile_options("fast")
    return {
        "bare trafilatura.extract": run_bare,
        "trafilatura.extract(with_metadata=True)": run_bare_with_metadata,
        "ours: shipped": shipped,
        "ours: without the date search": _without(shipped, metadata, "find_date"),
        "ours: without language detection": _without(shipped, extract, "detect_language"),
        "ours: one trafilatura run (recall mode, pruned as precision mode)": one_run,
        "ours: one run, without the date search": _without(one_run, metadata, "find_date"),
        "ours: --extraction fast (one run, the date from the markup)": steps_for(fast),
        "ours: fast without the precision-mode pruning": steps_for(replace(fast, precision_prune=False)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--aeb", type=Path, default=SHARED / "aeb-dev")
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    pages = [p for p in load_aeb(args.aeb) + load_wcxb(args.wcxb) if p.page_type == "article"]
    load_before = os.getloadavg()
    ms = cpu_ms_each(pages, contenders(), args.rounds)
    bare, meta = ms["bare trafilatura.extract"], ms["trafilatura.extract(with_metadata=True)"]
    shipped = ms["ours: shipped"]
    lines = [
        "# What each part of the process step costs (issue 11)",
        "",
        "Reproduce with `.venv/bin/python bench/extraction_parts.py --output bench/results/extraction_parts.md`.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} at the start, "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
        f"- pages: the {len(pages)} article pages of aeb-dev and wcxb-dev, {args.rounds} round(s), all contenders "
        "timed in turn on each page in one process (CPU time, `time.process_time`)",
        "",
        "| contender | CPU ms per page | ratio to bare | ratio to bare with metadata | part's cost (shipped minus this) |",
        "|---|---|---|---|---|",
    ]
    for name, value in ms.items():
        part = (
            f"{shipped - value:.2f} ms ({(shipped - value) / shipped:.0%})"
            if name.startswith("ours: ")
            else ""
        )
        lines.append(f"| {name} | {value:.2f} | {value / bare:.2f} | {value / meta:.2f} | {part} |")
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
