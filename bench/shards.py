"""Crawl shards: throughput with 1, 2 and 4 shards against one process, and Redis memory per URL.

    .venv/bin/python bench/shards.py [--sites 16] [--pages 40] [--latency 0.5] [--repeat 2] [--urls 100000]

The web (bench/crawlweb.py) is latency-bound on purpose: every response takes `--latency` seconds
and a crawl process keeps at most CONCURRENT_REQUESTS (16) requests out, so one process cannot go
faster than 16 / latency pages/s however many cores there are. Contenders run interleaved
(one process, x1, x2, x4, then again), each into a fresh folder, against a redis-server this
script starts on 127.0.0.1. Reported: pages/s on the wall clock (process start to end, start-up
included) and CPU time per page, of the command and all its children (shards, WARC writers).

Redis memory: `--urls` synthetic URLs (news-like, about 80 characters) handed off between 4 shards
through crawler/sharding/shard_queue.py, so each costs a seen-set member and an inbox entry, as in a crawl;
`used_memory` from INFO memory before and after, scaled to a million URLs. The same for the
capture history the shards share (crawler/sharding/shard_history.py): `--urls` captures noted, each with
the validators and record of a news page, 90% with a payload of their own (a digest entry too).
Results go to bench/results/shards.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import redis

from bench.crawlweb import CrawlWeb
from seedcrawl.archive.digests import CaptureInfo
from seedcrawl.archive.records import RevisitTarget
from seedcrawl.crawl import LOOPBACK_SETTINGS
from seedcrawl.crawler.run.frontier_store import Entry
from seedcrawl.crawler.sharding.shard_history import RedisCaptureHistory
from seedcrawl.crawler.sharding.shard_queue import ShardQueue
from seedcrawl.crawler.sharding.shards import ShardSpec
from tests.support.redis_server import redis_server

RESULTS = Path(__file__).with_name("results") / "shards.md"
FAST = [*LOOPBACK_SETTINGS, "-s", "DEPTH_LIMIT=0", "-s", "LOG_LEVEL=WARNING"]
CONTENDERS = {"one process": 0, "shards x1": 1, "shards x2": 2, "shards x4": 4}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl_run(
    web: CrawlWeb, out: Path, shards: int, redis_url: str, run_id: str, concurrency: int
) -> dict[str, float]:
    web.clear()
    cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(out), "--run-id", run_id, *FAST]
    cmd += ["-s", f"CONCURRENT_REQUESTS={concurrency}"]
    if shards:
        cmd += ["--shards", str(shards), "--redis", redis_url]
    cpu = children_cpu()
    started = time.perf_counter()
    subprocess.run([*cmd, *web.seeds], check=True, capture_output=True)
    wall = time.perf_counter() - started
    cpu = children_cpu() - cpu
    summary = json.loads((out / "logs" / f"crawl-{run_id}.json").read_text())
    return {"pages": summary["pages"], "requests": web.requests(), "wall_s": wall, "cpu_s": cpu}


def redis_memory(redis_url: str, urls: int) -> dict[str, float]:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    before = int(client.info("memory")["used_memory"])
    queue = ShardQueue(ShardSpec(0, 4, redis_url), "bench:memory", client)
    pipe_batch = 2000
    for start in range(0, urls, pipe_batch):
        for n in range(start, min(urls, start + pipe_batch)):
            host = f"www.site{n % 997}.example"
            url = f"https://{host}/2026/12/04/politics/story-about-the-news-number-{n:08d}.html"
            queue.hand_off(Entry(url, "page", 0, 3, f"https://{host}/section/politics/"))
    after = int(client.info("memory")["used_memory"])
    sent = queue.handed_off
    client.flushall()
    client.close()
    per_url = (after - before) / max(1, sent)
    return {
        "urls": sent,
        "bytes": after - before,
        "bytes_per_url": per_url,
        "mib_per_million": per_url / 1.048576,
    }


def history_memory(redis_url: str, urls: int) -> dict[str, float]:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    before = int(client.info("memory")["used_memory"])
    history = RedisCaptureHistory(redis_url, "bench:history", client)
    file = "seedcrawl-shard1of4-20261204101500123-00042.warc.gz"
    for n in range(urls):
        host = f"www.site{n % 997}.example"
        url = f"https://{host}/2026/12/04/politics/story-about-the-news-number-{n:08d}.html"
        digest = f"sha1:{n:032X}"
        original = RevisitTarget(
            url, "2026-12-04T10:15:00.123456Z", f"<urn:uuid:{n:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b>"
        )
        if n % 10:
            history.add(digest, original, file)
        info = CaptureInfo(original, digest, f'W/"{n:x}-5f3a9c"', "Fri, 04 Dec 2026 10:14:59 GMT")
        history.note_capture(url, info, file)
    after = int(client.info("memory")["used_memory"])
    client.flushall()
    client.close()
    per_url = (after - before) / max(1, urls)
    return {
        "urls": urls,
        "bytes": after - before,
        "bytes_per_url": per_url,
        "mib_per_million": per_url / 1.048576,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=16)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS per process")
    parser.add_argument("--append", action="store_true", help="add this table to the results file")
    parser.add_argument("--memory-only", action="store_true", help="only the Redis memory, appended")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in CONTENDERS}
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp)) as redis_url:
        memory = redis_memory(redis_url, args.urls) if args.urls else {}
        print("redis", memory, file=sys.stderr)
        history = history_memory(redis_url, args.urls) if args.urls else {}
        print("history", history, file=sys.stderr)
        if args.memory_only:
            write_memory(args, memory, history)
            return 0
        with CrawlWeb(args.sites, args.pages, args.latency) as web:
            for n in range(args.repeat):
                for label, shards in CONTENDERS.items():
                    out = Path(tmp) / f"{n}-{shards}"
                    runs[label].append(
                        crawl_run(web, out, shards, redis_url, f"bench{n}x{shards}", args.concurrency)
                    )
                    print(label, runs[label][-1], file=sys.stderr)
            pages = web.pages
    write_results(args, pages, runs, memory, history)
    return 0


def write_results(
    args: argparse.Namespace,
    pages: int,
    runs: dict[str, list[dict[str, float]]],
    memory: dict[str, float],
    history: dict[str, float],
) -> None:
    def rate(items: list[dict[str, float]]) -> float:
        return statistics.median(run["pages"] / run["wall_s"] for run in items)

    def cpu_ms(items: list[dict[str, float]]) -> float:
        return statistics.median(1000 * run["cpu_s"] / run["pages"] for run in items)

    one = rate(runs["one process"])
    lines = [
        f"## {args.concurrency} requests out per process" if args.append else "# Crawl shards",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores shared with other jobs, Python "
        f"{platform.python_version()}. Web: {args.sites} sites x {args.pages} pages = {pages} pages, "
        f"{args.latency * 1000:.0f} ms latency per response, loopback; politeness off, {args.concurrency} "
        "requests out per process at most (CONCURRENT_REQUESTS). Runs interleaved. Command: "
        f"`.venv/bin/python bench/shards.py --sites {args.sites} --pages {args.pages} --latency {args.latency} "
        f"--repeat {args.repeat} --urls {args.urls} --concurrency {args.concurrency}`.",
        "",
        "| crawl | runs | pages | pages/s (wall, median) | vs one process | CPU ms/page (with children, median) |",
        "|---|---|---|---|---|---|",
    ]
    for label, items in runs.items():
        lines.append(
            f"| {label} | {len(items)} | {int(items[0]['pages'])} | {rate(items):.1f} | "
            f"{rate(items) / one:.2f}x | {cpu_ms(items):.1f} |"
        )
    x1 = rate(runs["shards x1"])

    def cpu_s(label: str) -> float:
        return statistics.median(run["cpu_s"] for run in runs[label])

    per_shard = (cpu_s("shards x4") - cpu_s("shards x1")) / 3
    lines += [
        "",
        f"- Overhead of sharding (one shard under the supervisor, with Redis, against one plain process): "
        f"{100 * (1 - x1 / one):.1f}% of pages/s, "
        f"{cpu_ms(runs['shards x1']) - cpu_ms(runs['one process']):+.1f} ms CPU per page "
        "(the supervisor's own start-up, a Redis round trip per new URL).",
        "- Wall time includes each process's start-up (Python, Scrapy: several seconds on this loaded "
        "machine), which a short crawl does not amortise; shards start in parallel.",
        f"- CPU per run grows by {per_shard:.1f} s per extra shard (x1 to x4, whatever the page count): each "
        "process's start-up (interpreter, Scrapy, Twisted, the WARC writer's fork), paid once per shard, "
        "not per page; on a crawl of this size it dominates the CPU-per-page column.",
    ]
    lines += memory_lines(memory, history)
    RESULTS.parent.mkdir(exist_ok=True)
    before = RESULTS.read_text(encoding="utf-8") + "\n" if args.append and RESULTS.exists() else ""
    RESULTS.write_text(before + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def memory_lines(memory: dict[str, float], history: dict[str, float]) -> list[str]:
    if not memory:
        return []
    lines = [
        "",
        "## Redis memory",
        "",
        f"{int(memory['urls']):,} URLs handed between 4 shards (seen-set member + inbox entry each, about "
        f"80-character URLs with their referrer): {memory['bytes'] / 2**20:.1f} MiB, "
        f"{memory['bytes_per_url']:.0f} bytes per URL, so **{memory['mib_per_million']:.0f} MiB per million URLs** "
        "(`used_memory` from INFO memory, before and after). Only URLs that cross shards are stored; "
        "a shard's own links stay in its SQLite frontier. The inboxes are logs kept for the run (a "
        "restarted shard reads its own again), so they grow with the run, and are deleted by the next run "
        "into the folder.",
    ]
    if history:
        lines += [
            "",
            f"Capture history (crawler/sharding/shard_history.py), {int(history['urls']):,} captures noted (URL entry "
            "with its record, payload digest, ETag and Last-Modified; 90% also a payload-digest entry): "
            f"{history['bytes'] / 2**20:.1f} MiB, {history['bytes_per_url']:.0f} bytes per captured URL, so "
            f"**{history['mib_per_million']:.0f} MiB per million captured URLs**. It is kept across runs "
            "(it is the folder's, not the run's), so it grows with every URL ever archived into the folder.",
        ]
    return lines


def write_memory(args: argparse.Namespace, memory: dict[str, float], history: dict[str, float]) -> None:
    lines = [
        "",
        f"## Redis memory, measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(`.venv/bin/python bench/shards.py --memory-only --urls {args.urls}`)",
        *memory_lines(memory, history)[3:],
    ]
    before = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    RESULTS.write_text(before + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
