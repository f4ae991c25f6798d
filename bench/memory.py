"""Peak memory of a crawl as it grows: 50,000 pages against 100,000 (goal: within 15%, under 1 GiB).

    .venv/bin/python bench/memory.py [--sites 10] [--sizes 50000 100000]

The web is generated on the fly (no page is held in memory by the servers): `sites` loopback
sites, page k of a site linking to pages 2k+1 and 2k+2, each a few hundred bytes, no latency. The
crawl runs as `seedcrawl crawl` with politeness off and WARC capture on, in a child process; its
peak resident set size comes from `os.wait4` on that child (the kernel's `ru_maxrss`), and its
resident size is also sampled from /proc every second, so the table shows how it grew. Results go
to bench/results/memory.md. A run of both sizes takes several minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.testweb import Request, Response, Site, SiteServer, page

RESULTS = Path(__file__).with_name("results") / "memory.md"
PAGE = re.compile(r"/p/(\d+)\.html")
ARGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS=64",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s",
    "DEPTH_LIMIT=0",
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
]


def tiny_site(name: str, pages: int) -> Site:
    def answer(request: Request) -> Response:
        found = PAGE.fullmatch(request.route_path)
        k = int(found.group(1)) if found else 0 if request.route_path == "/" else -1
        if not 0 <= k < pages:
            return page(b"not here", "text/plain", status=404)
        links = "".join(f'<a href="/p/{c}.html">{c}</a> ' for c in (2 * k + 1, 2 * k + 2) if c < pages)
        html = f"<html><head><title>{name} {k}</title></head><body><p>Page {k} of {name}.</p>{links}</body></html>"
        return page(html.encode(), "text/html; charset=utf-8")

    site = Site(name, fallback=answer)
    site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    return site


@dataclass
class Run:
    pages: int
    seconds: float = 0.0
    peak_mb: float = 0.0
    archived_mb: float = 0.0
    samples: list[tuple[int, float]] = field(default_factory=list)  # (requests so far, RSS MB)


def rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 if found else None


def crawl(sites: int, total: int, first_host: int) -> Run:
    run = Run(total)
    per_site = total // sites
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        servers = [
            stack.enter_context(SiteServer(tiny_site(f"s{i}", per_site), host=f"127.0.0.{first_host + i}"))
            for i in range(sites)
        ]
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(out), "--run-id", "memory", *ARGS]
        child = subprocess.Popen([*cmd, *(s.base_url + "/" for s in servers)], stderr=subprocess.DEVNULL)
        started = time.monotonic()
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            rss = rss_mb(child.pid)
            if rss is not None:
                run.samples.append((sum(len(s.log) for s in servers), rss))
            time.sleep(1.0)
        run.seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"crawl of {total} pages exited {child.returncode}")
        run.peak_mb = usage.ru_maxrss / 1024
        run.archived_mb = sum(p.stat().st_size for p in (out / "warc").glob("*.warc.gz")) / 1e6
        requested = sum(len(s.log) for s in servers) - sites  # robots.txt aside
        if requested != per_site * sites:
            raise SystemExit(f"crawl of {total} pages requested {requested}")
    return run


def at_share(run: Run, share: float) -> str:
    """RSS when the crawl had made `share` of its requests."""
    wanted = share * run.pages
    found = next(
        (rss for done, rss in run.samples if done >= wanted), run.samples[-1][1] if run.samples else 0
    )
    return f"{found:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 100_000])
    args = parser.parse_args()
    runs = []
    for size in args.sizes:
        runs.append(crawl(args.sites, size, first_host=120))
        print(runs[-1].pages, runs[-1].seconds, runs[-1].peak_mb, file=sys.stderr)
    write_results(args, runs)
    return 0


def write_results(args: argparse.Namespace, runs: list[Run]) -> None:
    lines = [
        "# Crawl memory",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}.",
        f"Web: {args.sites} loopback sites of generated pages of about 200 bytes, each linking to two more, no "
        "latency; politeness off (64 requests at once, 8 per host), WARC capture on. Peak RSS is the crawl "
        f"process's `ru_maxrss`. Command: `.venv/bin/python bench/memory.py --sites {args.sites} --sizes "
        f"{' '.join(str(r.pages) for r in runs)}`.",
        "",
        "| pages | crawl s | pages/s | WARC MB | RSS at 25% / 50% / 75% of pages (MB) | peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        shares = " / ".join(at_share(run, share) for share in (0.25, 0.5, 0.75))
        lines.append(
            f"| {run.pages:,} | {run.seconds:.0f} | {run.pages / run.seconds:.0f} | {run.archived_mb:.0f} | "
            f"{shares} | {run.peak_mb:.0f} |"
        )
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        growth = 100 * (large.peak_mb / small.peak_mb - 1)
        lines += [
            "",
            f"- Peak RSS at {large.pages:,} pages is {growth:+.1f}% of that at {small.pages:,} "
            f"(goal: within 15%); the largest is {max(r.peak_mb for r in runs):.0f} MB (goal: under 1024 MB).",
        ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
