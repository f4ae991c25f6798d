"""Crawl throughput: seedcrawl with WARC capture, without it, and wget, on the same local web.

    .venv/bin/python bench/crawl_throughput.py [--sites 8] [--pages 150] [--latency 0.05] [--repeat 7]

All crawl the same generated web (bench/crawlweb.py) with the same artificial latency per
response, in one run, and the ratios are written to bench/results/crawl.md. Capture runs with the
default writer process and, for comparison, with the writer thread (SEEDCRAWL_WARC_WRITER).
seedcrawl runs with politeness off (no delay, no AutoThrottle, 8 requests per host) because the
point is the cost of the machinery; wget has no concurrency to offer. Pages/s for seedcrawl uses the crawl's own clock
(spider open to close); the wall time including the ~2 s interpreter and Scrapy start-up is
reported beside it, and the wget ratio is given both ways.
"""

from __future__ import annotations

import argparse
import json
import platform
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

RESULTS = Path(__file__).with_name("results") / "crawl.md"
FAST = [*LOOPBACK_SETTINGS, "-s", "CONCURRENT_REQUESTS=64", "-s", "DEPTH_LIMIT=0", "-s", "LOG_LEVEL=WARNING"]


def seedcrawl_run(web: CrawlWeb, out: Path, capture: bool, writer: str = "process") -> dict[str, float]:
    web.clear()
    cmd = [
        sys.executable,
        "-m",
        "seedcrawl",
        "crawl",
        "--out",
        str(out),
        "--run-id",
        "bench",
        *FAST,
        "-s",
        f"SEEDCRAWL_WARC_CAPTURE={capture}",
        "-s",
        f"SEEDCRAWL_WARC_WRITER={writer}",
        *web.seeds,
    ]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - started
    summary = json.loads((out / "logs" / "crawl-bench.json").read_text())
    return {
        "pages": summary["pages"],
        "requests": web.requests(),
        "crawl_s": summary["seconds"],
        "wall_s": wall,
    }


def wget_run(web: CrawlWeb, out: Path) -> dict[str, float]:
    web.clear()
    out.mkdir(parents=True)
    cmd = [
        "wget",
        "--compression=auto",
        "--recursive",
        "--level=inf",
        "--span-hosts",
        f"--domains={','.join(web.hosts)}",
        f"--warc-file={out / 'wget'}",
        "--no-verbose",
        f"--directory-prefix={out / 'files'}",
        "--tries=1",
        *web.seeds,
    ]
    started = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True)
    wall = time.perf_counter() - started
    robots = len(web.seeds)  # one robots.txt per site
    return {"pages": web.requests() - robots, "requests": web.requests(), "crawl_s": wall, "wall_s": wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {
        "capture": [],
        "capture, writer thread": [],
        "no capture": [],
        "wget": [],
    }
    with CrawlWeb(args.sites, args.pages, args.latency) as web, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            for label, capture, writer in (
                ("capture", True, "process"),
                ("capture, writer thread", True, "thread"),
                ("no capture", False, "process"),
            ):
                out = Path(tmp) / f"{n}-{label}".replace(" ", "-").replace(",", "")
                runs[label].append(seedcrawl_run(web, out, capture, writer))
                shutil.rmtree(out)
                print(label, runs[label][-1], file=sys.stderr)
        if shutil.which("wget"):
            runs["wget"].append(wget_run(web, Path(tmp) / "wget"))
            print("wget", runs["wget"][-1], file=sys.stderr)
        pages = web.pages
    write_results(args, pages, runs)
    return 0


def rate(run: dict[str, float], clock: str) -> float:
    return run["pages"] / run[clock]


def median_rate(runs: list[dict[str, float]], clock: str) -> float:
    return statistics.median(rate(run, clock) for run in runs)


def write_results(args: argparse.Namespace, pages: int, runs: dict[str, list[dict[str, float]]]) -> None:
    cap, nocap = median_rate(runs["capture"], "crawl_s"), median_rate(runs["no capture"], "crawl_s")
    lines = [
        "# Crawl throughput",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}.",
        f"Web: {args.sites} sites x {args.pages} pages = {pages} pages of 8-12 KB of HTML (a third gzip, a third chunked), "
        f"{args.latency * 1000:.0f} ms latency per response, all on loopback in the same machine. "
        f"Command: `.venv/bin/python bench/crawl_throughput.py --sites {args.sites} --pages {args.pages} "
        f"--latency {args.latency} --repeat {args.repeat}`.",
        "",
        "| crawler | runs | pages | pages/s (crawl clock, median) | pages/s (wall, median) |",
        "|---|---|---|---|---|",
    ]
    for label, items in runs.items():
        if items:
            lines.append(
                f"| {label} | {len(items)} | {int(items[0]['pages'])} | {median_rate(items, 'crawl_s'):.1f} | "
                f"{median_rate(items, 'wall_s'):.1f} |"
            )
    thread = median_rate(runs["capture, writer thread"], "crawl_s")
    lines += [
        "",
        f"- Capture overhead: {100 * (1 - cap / nocap):.1f}% (goal <= 10%); "
        f"with the writer in a thread instead of a forked process: {100 * (1 - thread / nocap):.1f}%.",
    ]
    if runs["wget"]:
        wget = rate(runs["wget"][0], "wall_s")
        lines.append(
            f"- seedcrawl with capture vs wget: {cap / wget:.1f}x on the crawl clock, "
            f"{median_rate(runs['capture'], 'wall_s') / wget:.1f}x on the wall clock (goal >= 10x)."
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
