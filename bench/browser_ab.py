"""Interleaved A/B of `--browser` crawls: two checkouts (or settings) crawling the same web in turn.

    .venv/bin/python bench/browser_ab.py --contender base=/work/wt-base/.venv/bin/python:auto \\
        --contender this=.venv/bin/python:auto --contender never=.venv/bin/python:never \\
        [--sites 2] [--pages 30] [--latency 0.05] [--rounds 3] [-s NAME=VALUE for every crawl]

A contender is NAME=PYTHON:MODE[:SETTING=VALUE,...]: that interpreter's seedcrawl (an editable
install of a checkout), `--browser MODE`, the settings given. The web is bench/browser.py's (one
article in ten a script-filled shell). Each round crawls once with every contender, in the order
given, so a change of the machine's load hits all of them alike; one crawl per contender first,
not counted, warms the page cache. Prints a Markdown table of every run (crawl clock from the
crawl's summary, wall clock, CPU of the whole process tree per page) and the medians, with the
load average before and after: paste it into bench/results/browser*.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.browser import crawl_once, make_shells
from bench.requisites import RequisiteWeb


@dataclass(frozen=True)
class Contender:
    name: str
    python: str
    mode: str
    settings: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> Contender:
        name, _, rest = spec.partition("=")
        python, mode, *settings = rest.split(":")
        pairs = [pair for item in settings for pair in item.split(",") if pair]
        return cls(name, python, mode, tuple(arg for pair in pairs for arg in ("-s", pair)))


def _cell(runs: list[dict[str, float]], key: str, scale: float = 1.0) -> str:
    return " / ".join(f"{run[key] * scale:.2f}" for run in runs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contender", action="append", required=True, type=Contender.parse)
    parser.add_argument("--sites", type=int, default=2)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-s", dest="common", action="append", default=[], help="a setting for every crawl")
    args = parser.parse_args()
    common = tuple(arg for pair in args.common for arg in ("-s", pair))
    contenders: list[Contender] = args.contender
    runs: dict[str, list[dict[str, float]]] = {c.name: [] for c in contenders}
    load_before = os.getloadavg()
    with RequisiteWeb(args.sites, args.pages, args.latency) as web, tempfile.TemporaryDirectory() as tmp:
        shells = sum(make_shells(server.site) for server in web.servers[:-1])
        for n in range(-1, args.rounds):
            for c in contenders:
                out = Path(tmp) / f"{n}-{c.name}"
                run = crawl_once(web, out, c.mode, c.python, c.settings + common)
                shutil.rmtree(out)
                print(c.name, {k: round(v, 3) for k, v in run.items()}, file=sys.stderr, flush=True)
                if n >= 0:
                    runs[c.name].append(run)
    load_after = os.getloadavg()
    print(
        f"Interleaved A/B, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{platform.uname().system} "
        f"{platform.uname().release}`, {len(os.sched_getaffinity(0))} cores shared with other jobs; "
        f"{args.sites} sites x {args.pages} pages, {shells} shells, {args.latency * 1000:.0f} ms latency, "
        f"{args.rounds} rounds; load average (1/5 min) {load_before[0]:.1f}/{load_before[1]:.1f} before, "
        f"{load_after[0]:.1f}/{load_after[1]:.1f} after.\n"
    )
    print(
        "| contender | rendered | crawl s (each round) | wall s | CPU s | CPU ms per page | median crawl s |"
    )
    print("|---|---|---|---|---|---|---|")
    for c in contenders:
        items = runs[c.name]
        print(
            f"| {c.name} (`{c.mode}`{' ' + ' '.join(c.settings) if c.settings else ''}) "
            f"| {statistics.median(r['rendered'] for r in items):.0f} | {_cell(items, 'crawl_s')} "
            f"| {_cell(items, 'wall_s')} | {_cell(items, 'cpu_s')} "
            f"| {statistics.median(1000 * r['cpu_s'] / r['pages'] for r in items):.0f} "
            f"| {statistics.median(r['crawl_s'] for r in items):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
