"""Interleaved A/B of `--browser` crawls: two checkouts (or settings) crawling the same web in turn.

    .venv/bin/python bench/browser_ab.py --contender base=/work/wt-base/.venv/bin/python:auto \\
        --contender this=.venv/bin/python:auto --contender never=.venv/bin/python:never \\
        [--sites 2] [--pages 30] [--latency 0.05] [--rounds 3] [--shell-images N]
        [-s NAME=VALUE for every crawl]

A contender is NAME=PYTHON:MODE[:SETTING=VALUE,...]: that interpreter's seedcrawl (an editable
install of a checkout), `--browser MODE`, the settings given. The web is bench/browser.py's (one
article in ten a script-filled shell). Each round crawls once with every contender, in the order
given, so a change of the machine's load hits all of them alike; one crawl per contender first,
not counted, warms the page cache. Prints a Markdown table of every run (crawl clock from the
crawl's summary, wall clock, CPU of the whole process tree per page) and the medians, with the
load average before and after: paste it into bench/results/browser*.md. `--shell-images N` names
N more of the CDN's article images in each shell (a news page's teasers and gallery: what the
browser loads, or not, besides the page's own one image).
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
from seedcrawl.testweb import Request, Response, Site, page


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


def add_shell_images(site: Site, cdn: str, sites: int, pages: int, count: int) -> None:
    """Name `count` more CDN images in each shell of `site` (the images of other articles)."""
    for path in site.paths():
        response = site.resolve(Request(site.name, "GET", path))
        if not isinstance(response, Response) or b"/api/" not in response.body:
            continue
        images = "".join(
            f'<img src="{cdn}/img/site{n % sites}/{(n // sites) % pages}.jpg">' for n in range(count)
        )
        body = response.body.replace(b"</article>", images.encode() + b"</article>", 1)
        site.add(path, page(body, "text/html; charset=utf-8"))


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
    parser.add_argument("--shell-images", type=int, default=0, help="more images named in each shell")
    parser.add_argument("-s", dest="common", action="append", default=[], help="a setting for every crawl")
    args = parser.parse_args()
    common = tuple(arg for pair in args.common for arg in ("-s", pair))
    contenders: list[Contender] = args.contender
    runs: dict[str, list[dict[str, float]]] = {c.name: [] for c in contenders}
    load_before = os.getloadavg()
    with RequisiteWeb(args.sites, args.pages, args.latency) as web, tempfile.TemporaryDirectory() as tmp:
        shells = sum(make_shells(server.site) for server in web.servers[:-1])
        for server in web.servers[:-1] if args.shell_images else []:
            add_shell_images(server.site, web.servers[-1].base_url, args.sites, args.pages, args.shell_images)
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
        f"{args.shell_images} more images per shell, {args.rounds} rounds; load average (1/5 min) {load_before[0]:.1f}/{load_before[1]:.1f} before, "
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
