"""Peak memory of a crawl against servers whose header block never ends, with and without the bounds.

    .venv/bin/python bench/hostile_heads.py [--stream-mb 600] [--repeats 1]

A loopback site serves a home page linking to one hostile path that sends a status line and then
header lines for `stream-mb` MB (or until the crawler hangs up), never the blank line that ends a
head: many short lines, 1 KB lines, or one field folded over 1 KB continuation lines. Each crawl
is a `seedcrawl crawl` child process (politeness off, WARC capture on), with Scrapy's own HTTP/1.1
download handler (the behaviour before the head limits) or seedcrawl's bounded one (the default),
interleaved. Peak RSS is the crawl process's `ru_maxrss` (`os.wait4`), CPU its user+system time.
Results go to bench/results/hostile_heads.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.testweb import Raw, RawExchange, Site, SiteServer, page

RESULTS = Path(__file__).with_name("results") / "hostile_heads.md"
MB = 1_000_000
ARGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
    "-s",
    "LOG_LEVEL=WARNING",
]
SCRAPY_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
HANDLERS = {
    "Scrapy's handler (before)": ["-s", "DOWNLOAD_HANDLERS=" + json.dumps({"http": SCRAPY_HANDLER})],
    "bounded (default)": [],
}
KINDS: dict[str, Callable[[int], bytes]] = {
    "short lines": lambda n: b"X-Many-%d: %s\r\n" % (n, b"m" * 20),
    "1 KB lines": lambda n: b"X-Long-%d: %s\r\n" % (n, b"l" * 1000),
    "one folded field": lambda n: b"X-Folded: start\r\n" if n == 0 else b" " + b"f" * 1000 + b"\r\n",
}


def endless_head(line: Callable[[int], bytes], total: int) -> Raw:
    def handler(exchange: RawExchange) -> None:
        exchange.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        sent, n = 0, 0
        while sent < total:
            batch = b"".join(line(n + k) for k in range(64))
            n += 64
            exchange.write(batch)  # raises once the client hangs up
            sent += len(batch)

    return Raw(handler)


@dataclass
class Result:
    kind: str
    handler: str
    rss_mb: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


def crawl(kind: str, handler: list[str], total: int, result: Result) -> None:
    site = Site("hostile")
    site.add("/head", endless_head(KINDS[kind], total))
    site.add("/", page(b'<html><body><a href="/head">head</a></body></html>', "text/html"))
    site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        server = stack.enter_context(SiteServer(site, host="127.0.0.71"))
        cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(Path(tmp) / "out"), *ARGS, *handler]
        started = time.monotonic()
        child = subprocess.Popen(
            [*cmd, server.base_url + "/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(child.pid, 0)
        result.wall.append(time.monotonic() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"crawl exited {os.waitstatus_to_exitcode(status)}")
    result.rss_mb.append(usage.ru_maxrss / 1024)
    result.cpu.append(usage.ru_utime + usage.ru_stime)


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stream-mb", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    results = {(k, h): Result(k, h) for k in KINDS for h in HANDLERS}
    for _ in range(args.repeats):
        for kind in KINDS:
            for name, handler in HANDLERS.items():  # interleaved: A B per kind
                crawl(kind, handler, args.stream_mb * MB, results[(kind, name)])
                print(kind, name, results[(kind, name)], file=sys.stderr)
    write_results(args, list(results.values()))
    return 0


def write_results(args: argparse.Namespace, results: list[Result]) -> None:
    lines = [
        "# Headers that never end",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores (shared with other jobs), Python "
        f"{platform.python_version()}. Command: `.venv/bin/python bench/hostile_heads.py --stream-mb "
        f"{args.stream_mb} --repeats {args.repeats}`.",
        f"One loopback page whose head streams header lines for {args.stream_mb} MB unless the crawler hangs up. "
        "Peak RSS and CPU (user+system) of the `seedcrawl crawl` process (`os.wait4`), "
        f"mean of {args.repeats} run(s) each, contenders interleaved.",
        "",
        "| head | download handler | peak RSS MB | CPU s | wall s |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.kind} | {r.handler} | {mean(r.rss_mb):.0f} | {mean(r.cpu):.2f} | {mean(r.wall):.1f} |"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
