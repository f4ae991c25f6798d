"""CPU time of trafilatura's regex-heavy XPath expressions three ways, on the dev pages.

    .venv/bin/python bench/xpath_hits.py --output bench/results/xpath_hits.md

Each expression set runs over every page of aeb-dev and wcxb-dev as trafilatura writes it
(`re:test`, a Python call per element), with the `contains()` guards of `pipelines.xpath_guard`,
and through `pipelines.xpath_hits.PageRegexXPath` (regexes answered from the page's values). The
three alternate within each round (A B C A B C), CPU time; every page's selections are compared
first, and the run stops if any way selects other elements. `OVERALL_DISCARD_XPATH` runs on the
raw tree as the precision run prunes it (after the two shared prunes), the author expressions on
the parsed page, all of each set evaluated.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from copy import copy
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from lxml.etree import XPath, _Element
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.utils import load_html
from trafilatura.xpaths import (
    AUTHOR_XPATHS,
    OVERALL_DISCARD_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
)

from bench.extraction_sets import SHARED, load_aeb, load_wcxb
from seedcrawl.pipelines.xpath_guard import guarded
from seedcrawl.pipelines.xpath_hits import PageRegexXPath

Way = Callable[[_Element], list[list[_Element]]]


def _ways(expressions: list[XPath]) -> dict[str, Way]:
    guards, hits = guarded(expressions), PageRegexXPath(expressions)
    return {
        "trafilatura's": lambda tree: [expression(tree) for expression in expressions],
        "guarded": lambda tree: [expression(tree) for expression in guards],
        "page values": lambda tree: list(hits.select(tree)),
    }


def _raw(tree: _Element) -> _Element:
    return prune_unwanted_nodes(
        prune_unwanted_nodes(copy(tree), RAW_TREE_PRUNE_XPATH), REMOVE_COMMENTS_AND_LISTS_XPATH
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aeb", type=Path, default=SHARED / "aeb-dev")
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    pages = [load_html(page.body) for page in load_aeb(args.aeb) + load_wcxb(args.wcxb)]
    sets = {
        "OVERALL_DISCARD_XPATH (precision run, raw tree)": (
            [_raw(tree) for tree in pages],
            OVERALL_DISCARD_XPATH,
        ),
        "AUTHOR_XPATHS (markup byline, page)": (pages, AUTHOR_XPATHS),
    }
    load = os.getloadavg()
    lines = [
        "# trafilatura's regex XPath expressions: as written, guarded, answered from the page's values",
        "",
        f"Reproduce with `.venv/bin/python bench/xpath_hits.py --output bench/results/xpath_hits.md`. Measured "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores shared with other jobs, load average "
        f"{load[0]:.2f} at the start; {len(pages)} pages, {args.rounds} rounds, the ways alternating within each "
        "round; CPU ms per page (`time.process_time`).",
        "",
        "| expressions | way | same selections | CPU ms/page, each round | mean | ratio to trafilatura's |",
        "|---|---|---|---|---|---|",
    ]
    for label, (trees, expressions) in sets.items():
        ways = _ways(expressions)
        expected = [ways["trafilatura's"](tree) for tree in trees]
        same = {
            name: sum(way(tree) == e for tree, e in zip(trees, expected, strict=True))
            for name, way in ways.items()
        }
        if any(count != len(trees) for count in same.values()):
            print(f"{label}: selections differ {same}", file=sys.stderr)
            return 1
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                start = time.process_time()
                for tree in trees:
                    way(tree)
                times[name].append(1000 * (time.process_time() - start) / len(trees))
        base = sum(times["trafilatura's"]) / args.rounds
        for name, values in times.items():
            mean = sum(values) / len(values)
            rounds = ", ".join(f"{value:.2f}" for value in values)
            lines.append(
                f"| {label} | {name} | {same[name]}/{len(trees)} | {rounds} | {mean:.2f} | {mean / base:.2f} |"
            )
    print("\n".join(lines))
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
