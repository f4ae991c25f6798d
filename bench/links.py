"""What one page with very many links costs a crawl: CPU time for the page, and the longest stall.

    .venv/bin/python bench/links.py [--links 80000] [--repeats 2]

A loopback site serves one home page of `links` distinct in-scope links (`<li><a>` each, about
45 bytes a link). Each contender is a `seedcrawl crawl` child process (politeness off, WARC capture
on), run with SEEDCRAWL_MAX_LINKS_PER_PAGE=0 (every link followed: the behaviour before the
limit) and with the default limit, interleaved (A B A B):

- CPU per page: `--max-pages 1` crawls of the big page and of a home page of 10 links; the big
  page's cost is the difference of the crawl process's user+system CPU time (`os.wait4`).
- Stall: the same big page (answered after 1 s) beside a second site serving an endless chain of
  pages (each links to the next, 50 ms to answer; DEPTH_LIMIT=0), crawled for 40 s
  (`SEEDCRAWL_MAX_TIME`, longer than any stall: the stall holds that timer too): the longest gap
  between two requests reaching the chain site is how long the crawl's event loop was held.

Results go to bench/results/links.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from seedcrawl.crawler import settings
from tests.support.testweb import Request, Response, Site, SiteServer, page

RESULTS = Path(__file__).with_name("results") / "links.md"
ARGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s",
    "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
    "-s",
    "LOG_LEVEL=WARNING",
]
STALL_SECONDS = 40  # longer than the longest stall, which also holds the timer that ends the crawl


def link_page(links: int) -> Response:
    items = "".join(f'<li><a href="/b/{k}">story number {k}</a></li>' for k in range(links))
    html = f"<html><head><title>Links</title></head><body><ul>{items}</ul></body></html>"
    reply = page(html.encode(), "text/html; charset=utf-8")
    reply.delay = 1.0  # so that the chain site is being crawled when it arrives
    return reply


def big_site(links: int) -> Site:
    site = Site("big", fallback=lambda request: page(b"gone", "text/plain", status=404))
    site.add("/", link_page(links))
    site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    return site


def chain_site() -> Site:
    def answer(request: Request) -> Response:
        k = int(request.route_path.rsplit("/", 1)[1] or 0) if request.route_path.startswith("/c/") else 0
        html = f'<html><body><p>Page {k}.</p><a href="/c/{k + 1}">next</a></body></html>'
        reply = page(html.encode(), "text/html; charset=utf-8")
        reply.delay = 0.05
        return reply

    site = Site("chain", fallback=answer)
    site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    return site


@dataclass
class Sample:
    cpu: float  # crawl process user + system seconds
    wall: float
    stall: float = 0.0  # longest gap between requests at the chain site


@dataclass
class Contender:
    name: str
    limit: int
    big: list[Sample] = field(default_factory=list)
    small: list[Sample] = field(default_factory=list)
    stalls: list[Sample] = field(default_factory=list)


def run_crawl(seeds: list[str], *extra: str) -> Sample:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "seedcrawl",
            "crawl",
            "--out",
            str(Path(tmp) / "out"),
            *ARGS,
            *extra,
            *seeds,
        ]
        started = time.monotonic()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"crawl {cmd} exited {os.waitstatus_to_exitcode(status)}")
    return Sample(usage.ru_utime + usage.ru_stime, wall)


def measure(contender: Contender, links: int) -> None:
    limit = ["-s", f"SEEDCRAWL_MAX_LINKS_PER_PAGE={contender.limit}"]
    with ExitStack() as stack:
        big = stack.enter_context(SiteServer(big_site(links), host="127.0.0.61"))
        small = stack.enter_context(SiteServer(big_site(10), host="127.0.0.62"))
        chain = stack.enter_context(SiteServer(chain_site(), host="127.0.0.63"))
        contender.big.append(run_crawl([big.base_url + "/"], "--max-pages", "1", *limit))
        contender.small.append(run_crawl([small.base_url + "/"], "--max-pages", "1", *limit))
        chain.log.clear()
        seeds = [chain.base_url + "/", big.base_url + "/"]
        sample = run_crawl(seeds, "-s", f"SEEDCRAWL_MAX_TIME={STALL_SECONDS}", "-s", "DEPTH_LIMIT=0", *limit)
        times = sorted(entry.time for entry in chain.log.entries("chain") if entry.path.startswith("/c/"))
        sample.stall = max((b - a for a, b in itertools.pairwise(times)), default=0.0)
        contender.stalls.append(sample)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--links", type=int, default=80_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    default = settings.SEEDCRAWL_MAX_LINKS_PER_PAGE
    contenders = [
        Contender("every link (limit 0, before)", 0),
        Contender(f"limit {default} (default)", default),
    ]
    for _ in range(args.repeats):
        for contender in contenders:  # interleaved: A B A B
            measure(contender, args.links)
            print(
                contender.name, contender.big[-1], contender.small[-1], contender.stalls[-1], file=sys.stderr
            )
    write_results(args, contenders)
    return 0


def write_results(args: argparse.Namespace, contenders: list[Contender]) -> None:
    lines = [
        "# One page with very many links",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores (shared with other jobs), Python "
        f"{platform.python_version()}. Command: `.venv/bin/python bench/links.py --links {args.links} "
        f"--repeats {args.repeats}`.",
        f"One loopback page of {args.links:,} distinct in-scope links. CPU is the crawl process's user+system "
        "time (`os.wait4`); the page's CPU is that of a `--max-pages 1` crawl of it minus one of a 10-link page. "
        f"Stall: the longest gap between requests at a second site (an endless chain of pages answering in 50 ms) "
        f"crawled beside the big page for {STALL_SECONDS} s. Means of {args.repeats} interleaved runs.",
        "",
        "| links followed per page | crawl CPU s (big page) | wall s | CPU s of the page | longest stall s |",
        "|---|---|---|---|---|",
    ]
    for c in contenders:
        page_cpu = mean([s.cpu for s in c.big]) - mean([s.cpu for s in c.small])
        lines.append(
            f"| {c.name} | {mean([s.cpu for s in c.big]):.2f} | {mean([s.wall for s in c.big]):.2f} | "
            f"{page_cpu:.2f} | {mean([s.stall for s in c.stalls]):.2f} |"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
