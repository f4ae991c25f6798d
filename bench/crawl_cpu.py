"""Crawl CPU per page with WARC capture on: this tree, optionally a baseline tree, and no capture.

    .venv/bin/python bench/crawl_cpu.py [--sites 10] [--pages 150] [--latency 0.05] [--repeat 5]
        [--baseline-python DIR/.venv/bin/python]

CPU time is what load from other jobs does not distort, so it is the figure here; wall time and
pages/s on the crawl's own clock are given beside it. CPU is `seedcrawl crawl`'s and all its
children's (the forked WARC writer included), user + system, from RUSAGE_CHILDREN. Two figures:

- whole command: everything, interpreter and Scrapy start-up included, over the pages crawled;
- per page: the start-up taken out, as the slope between the full web and a small one (the same
  sites, `--small` pages each), both crawled in every round, so what is left is what each page costs.

`--baseline-python` runs the same crawl with another checkout's interpreter (`git archive REF | tar
-x -C DIR`, a venv there with `pip install -e DIR`): before/after in one interleaved run
(baseline, this tree, no capture; then again).
Results go to bench/results/crawl_cpu.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.crawlweb import CrawlWeb
from seedcrawl.crawl import LOOPBACK_SETTINGS

RESULTS = Path(__file__).with_name("results") / "crawl_cpu.md"
FAST = [*LOOPBACK_SETTINGS, "-s", "DEPTH_LIMIT=0", "-s", "LOG_LEVEL=WARNING"]
Run = dict[str, float]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(web: CrawlWeb, out: Path, capture: bool, python: str, concurrency: int) -> Run:
    web.clear()
    cmd = [python, "-m", "seedcrawl", "crawl", "--out", str(out), "--run-id", "bench", *FAST]
    cmd += ["-s", f"CONCURRENT_REQUESTS={concurrency}"]
    cmd += ["-s", f"SEEDCRAWL_WARC_CAPTURE={capture}", *web.seeds]
    cpu, started = children_cpu(), time.perf_counter()
    # Run from the output's parent: `python -m` puts the working directory first on sys.path, which
    # would import this checkout's seedcrawl into the baseline's interpreter.
    subprocess.run(cmd, check=True, capture_output=True, cwd=out.parent)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    summary = json.loads((out / "logs" / "crawl-bench.json").read_text())
    shutil.rmtree(out)
    return {"pages": summary["pages"], "crawl_s": summary["seconds"], "wall_s": wall, "cpu_s": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--small", type=int, default=10, help="pages per site of the small web (start-up)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64, help="CONCURRENT_REQUESTS")
    parser.add_argument("--append", action="store_true", help="add this table to the results file")
    parser.add_argument("--baseline-python", help="the interpreter of a checkout to compare against")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the results file (Markdown)")
    args = parser.parse_args()
    contenders: dict[str, tuple[bool, str]] = {}
    if args.baseline_python:
        contenders["capture, baseline"] = (True, args.baseline_python)
    contenders |= {"capture": (True, sys.executable), "no capture": (False, sys.executable)}
    runs: dict[str, dict[str, list[Run]]] = {label: {"big": [], "small": []} for label in contenders}
    with (
        CrawlWeb(args.sites, args.pages, args.latency) as big,
        CrawlWeb(args.sites, args.small, args.latency) as small,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for n in range(args.repeat):
            for label, (capture, python) in contenders.items():
                for size, web in (("big", big), ("small", small)):
                    run = crawl(web, Path(tmp) / f"{n}-{size}", capture, python, args.concurrency)
                    runs[label][size].append(run)
                    print(label, size, json.dumps({k: round(v, 3) for k, v in run.items()}), file=sys.stderr)
    write_results(args, runs)
    return 0


def per_page(items: dict[str, list[Run]]) -> float:
    """Median over rounds of the CPU slope between the big and the small web, ms per page."""
    return statistics.median(
        1000 * (b["cpu_s"] - s["cpu_s"]) / (b["pages"] - s["pages"])
        for b, s in zip(items["big"], items["small"], strict=True)
    )


def write_results(args: argparse.Namespace, runs: dict[str, dict[str, list[Run]]]) -> None:
    def med(items: list[Run], key: str) -> float:
        return statistics.median(run[key] for run in items)

    command = (
        f"`.venv/bin/python bench/crawl_cpu.py --sites {args.sites} --pages {args.pages} --small {args.small} "
        f"--latency {args.latency} --concurrency {args.concurrency} --repeat {args.repeat}"
        + (" --baseline-python DIR/.venv/bin/python" if args.baseline_python else "")
        + (f" --output {args.output}" if args.output != RESULTS else "")
        + "`"
    )
    lines = [
        "# Crawl CPU per page (capture on)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores shared with other jobs, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end.",
        f"Web: {args.sites} sites on loopback, {args.pages} pages each (8-12 KB of HTML, a third gzip, a third "
        f"chunked, {args.latency * 1000:.0f} ms latency), politeness off, {args.concurrency} requests out at most; the small web for the start-up: {args.small} pages a "
        f"site. Contenders interleaved, {args.repeat} rounds. Command: {command}.",
        "CPU = the crawl command and its children (the WARC writer process), user + system.",
        "",
        "| crawl | runs | pages | CPU ms/page (per page, start-up out) | CPU ms/page (whole command) "
        "| CPU s (small web: start-up + its pages) | pages/s (crawl clock) | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, items in runs.items():
        big, small = items["big"], items["small"]
        whole = statistics.median(1000 * r["cpu_s"] / r["pages"] for r in big)
        lines.append(
            f"| {label} | {len(big)} | {int(big[0]['pages'])} | {per_page(items):.2f} | {whole:.2f} | "
            f"{med(small, 'cpu_s'):.2f} | {statistics.median(r['pages'] / r['crawl_s'] for r in big):.1f} | "
            f"{med(big, 'wall_s'):.1f} |"
        )
    output: Path = args.output
    output.parent.mkdir(exist_ok=True)
    if args.append and output.exists():
        lines = [output.read_text(encoding="utf-8").rstrip("\n"), "", "#" + lines[0], *lines[1:]]
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
