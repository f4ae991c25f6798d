"""What each part of the process step costs, measured by taking it out, against bare trafilatura.

    .venv/bin/python bench/extraction_parts.py [--rounds N] [--output bench/results/extraction_parts.md]

cProfile charges every Python call its own overhead, so a part made of many small calls (lxml's
element class lookup, our line tests) looks several times dearer under it than it is. Here each
part is priced by the CPU the step spends without it: the default profile `fast`, the same step
with the date search (htmldate) or the language detection stubbed out, without the precision-mode
pruning, or with the date searched to another depth (`pipelines.page_date`), and the profile
`accurate` with and without its date search, are timed in turn with bare `trafilatura.extract` and
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


DEFAULT = "ours: fast (the default profile)"


def contenders() -> dict[str, Contender]:
    fast, accurate = profile_options("fast"), profile_options("accurate")
    step = steps_for(fast)
    return {
        "bare trafilatura.extract": run_bare,
        "trafilatura.extract(with_metadata=True)": run_bare_with_metadata,
        DEFAULT: step,
        "ours: fast without the date search": _without(step, metadata, "find_date"),
        "ours: fast, the date from the markup only": steps_for(replace(fast, date_search="markup")),
        "ours: fast, htmldate's full date search": steps_for(replace(fast, date_search="full")),
        "ours: fast without language detection": _without(step, extract, "detect_language"),
        "ours: fast without the precision-mode pruning": steps_for(replace(fast, precision_prune=False)),
        "ours: --extraction accurate (two runs vote)": steps_for(accurate),
        "ours: accurate without the date search": _without(steps_for(accurate), metadata, "find_date"),
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
    default = ms[DEFAULT]
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
        "| contender | CPU ms per page | ratio to bare | ratio to bare with metadata | part's cost (the default minus this) |",
        "|---|---|---|---|---|",
    ]
    for name, value in ms.items():
        part = (
            f"{default - value:.2f} ms ({(default - value) / default:.0%})"
            if name.startswith("ours: ")
            else ""
        )
        lines.append(f"| {name} | {value:.2f} | {value / bare:.2f} | {value / meta:.2f} | {part} |")
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
