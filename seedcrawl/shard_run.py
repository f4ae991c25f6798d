"""`seedcrawl crawl --shards N --redis URL`: run N crawl shards on one output folder and supervise them.

This process holds the folder's lock and its run marker (DIR/state/run.json), picks the run id
all shards share, and starts each shard as `seedcrawl crawl --shards N --shard I --redis URL
--run-id ID` (a child process: one Twisted reactor each). A shard that dies (a signal, a crash,
the WARC writer lost) is started again, at most `SEEDCRAWL_SHARD_RESTARTS` times (default 3): it
resumes its part of the run from what it archived (crawler/run/resume.py) and reads its Redis inbox
again. Once every shard has ended, the folder is indexed and the shards' summaries are added up
into DIR/logs/crawl-<run id>.json. Killed itself, the same command resumes the run: every shard
resumes its own part.

On several machines, run one shard per machine by hand (`--shard I` and the same `--run-id`,
`--redis` and shared folder on each) and `seedcrawl index DIR` once they have all ended.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from seedcrawl.archive.index import build_index
from seedcrawl.crawl import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CrawlError,
    CrawlOptions,
    CrawlResult,
    _as_planned,
    _given_seeds,
    _lock_folder,
    _plan,
)
from seedcrawl.crawler.run.resume import RunMarker
from seedcrawl.crawler.sharding.shards import ShardSpec
from seedcrawl.outdir.atomic import write_bytes_atomically

logger = logging.getLogger(__name__)

DONE_STATUSES = frozenset({0, 1})  # finished; nothing to fetch on this shard's hosts
SUMMED = ("pages", "requests", "responses", "bytes", "warc_records", "revisits", "not_archived")


def add_shard_options(parser: Any, one_shard: bool) -> None:
    parser.add_argument(
        "--shards",
        type=int,
        default=1,
        metavar="N",
        help="crawl with N processes sharing the hosts (needs --redis)",
    )
    if one_shard:
        parser.add_argument(
            "--shard",
            type=int,
            metavar="I",
            help="run only shard I of --shards N (with the same --run-id on each)",
        )
    # `seedcrawl run` has one --redis for both its Redis uses: the shards' keys and the dedup
    # index's keys live under different prefixes, so one server (and db) serves both.
    shared = "redis://HOST:PORT/DB the crawl shards share (seen URLs, one inbox per shard, the end check)"
    parser.add_argument(
        "--redis",
        dest="redis",
        metavar="URL",
        help=shared if one_shard else shared + "; the dedup index is kept there too",
    )


def shard_command(options: CrawlOptions, index: int, run_id: str) -> list[str]:
    assert options.redis is not None
    cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(options.out), "--run-id", run_id]
    cmd += ["--shards", str(options.shards), "--shard", str(index), "--redis", options.redis]
    for host in options.allow_hosts:
        cmd += ["--allow-host", host]
    if options.depth is not None:
        cmd += ["--depth", str(options.depth)]
    if options.max_pages is not None:
        cmd += ["--max-pages", str(options.max_pages)]
    if options.max_bytes is not None:
        cmd += ["--max-bytes", str(options.max_bytes)]
    if options.max_time is not None:
        cmd += ["--max-time", str(options.max_time)]
    for path in options.topic_files:
        cmd += ["--topic-file", str(path)]
    if options.topic:
        cmd += ["--topic", options.topic]
    if options.refetch:
        cmd.append("--refetch")
    if options.browser is not None:
        cmd += ["--browser", options.browser]
    for name, value in options.settings.items():
        cmd += ["-s", f"{name}={value}"]
    return [*cmd, "--", *options.urls]


def run_shards(options: CrawlOptions) -> CrawlResult:
    redis_url = options.redis
    if redis_url is None:
        raise CrawlError("--shards needs --redis", EXIT_USAGE)
    from seedcrawl.crawler.sharding.shard_queue import ShardQueue, namespace  # redis: only shards need it

    given = _given_seeds(options)
    layout, lock = _lock_folder(options.out)
    try:
        plan = _plan(options, given)
        options = _as_planned(options, plan)
        marker = RunMarker.begin(layout.state_dir, plan.run_id, plan.spec, plan.resume, plan.replaces)
        queue = ShardQueue(ShardSpec(0, options.shards, redis_url), namespace(layout.root, plan.run_id))
        try:
            if plan.resume:
                queue.clear_done()  # the shards' own resumes decide what is left
            else:
                queue.reset()
            started = time.monotonic()
            statuses = _supervise(options, plan.run_id)
            done = queue.is_done()
        finally:
            queue.close()
        build_index(layout.root)
        summary = merge_summaries(layout.logs_dir, plan.run_id, options.shards)
        summary["seconds"] = time.monotonic() - started
        summary["shards"] = {str(i): status for i, status in statuses.items()}
        summary["resumed"] = plan.resume
        summary["replayed"] = summary.get("replayed", 0)
        interrupted = any(status == EXIT_INTERRUPTED for status in statuses.values())
        failed = {i: s for i, s in statuses.items() if s not in DONE_STATUSES}
        reason = "finished" if done and not failed else "shutdown" if interrupted else "forced"
        summary["finish_reason"] = reason
        marker.finish(reason, {"seedcrawl/pages": summary.get("pages", 0)})
        text = json.dumps(summary, indent=2) + "\n"
        write_bytes_atomically(layout.logs_dir / f"crawl-{plan.run_id}.json", text.encode("utf-8"))
        if failed:
            worst = max(failed.values())
            return CrawlResult(
                summary,
                worst if worst > 0 else EXIT_INTERRUPTED,
                f"shards {sorted(failed)} did not finish (exit {failed}); run the same command again to resume",
            )
        if summary.get("pages", 0) == 0:
            return CrawlResult(summary, 1, "no page was fetched")
        return CrawlResult(summary, EXIT_OK, "finished")
    finally:
        lock.release()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _supervise(options: CrawlOptions, run_id: str) -> dict[int, int]:
    """Run every shard to its end, starting again those that die; returns each one's exit status.

    SIGTERM or Ctrl-C is passed on to the shards as one SIGTERM (they run in sessions of their own,
    so a terminal's Ctrl-C does not reach them twice): each finishes its pages in flight and exits
    130, and the same command resumes the run.
    """
    previous = signal.signal(signal.SIGTERM, _interrupted)
    restarts = int(options.settings.get("SEEDCRAWL_SHARD_RESTARTS", "3"))
    commands = {i: shard_command(options, i, run_id) for i in range(options.shards)}
    running = {
        i: subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=True)
        for i, cmd in commands.items()
    }
    left = dict.fromkeys(commands, restarts)
    statuses: dict[int, int] = {}
    stopping = False
    try:
        while running:
            time.sleep(0.1)
            for i, proc in list(running.items()):
                status = proc.poll()
                if status is None:
                    continue
                del running[i]
                # Stopped by someone else's SIGTERM (130) too: the others would wait for it for ever.
                died = status < 0 or status not in (*DONE_STATUSES, EXIT_USAGE)
                if died and left[i] > 0 and not stopping:
                    left[i] -= 1
                    logger.warning("shard %d/%d died (exit %d): starting it again", i, options.shards, status)
                    print(f"seedcrawl: shard {i} died (exit {status}); resuming it", file=sys.stderr)
                    running[i] = subprocess.Popen(
                        commands[i], stdout=subprocess.DEVNULL, start_new_session=True
                    )
                    continue
                statuses[i] = status
                if status not in DONE_STATUSES and not stopping:
                    # A shard that cannot go on: the others would wait for its hosts for ever.
                    print(
                        f"seedcrawl: shard {i} failed (exit {status}); stopping the others", file=sys.stderr
                    )
                    stopping = True
                    for other in running.values():
                        other.send_signal(signal.SIGTERM)
    except KeyboardInterrupt:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the wait short
        for proc in running.values():
            proc.send_signal(signal.SIGTERM)
        for i, proc in running.items():
            statuses[i] = proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return statuses


def merge_summaries(logs_dir: Path, run_id: str, count: int) -> dict[str, Any]:
    """The shards' summaries added up (each one's is in DIR/logs/crawl-<run id>-shardIofN.json)."""
    merged: dict[str, Any] = {key: 0 for key in SUMMED}
    merged.update({"by_status": {}, "hosts": {}, "errors": {}, "run_id": run_id, "budget_exhausted": False})
    merged["archive_error"] = None
    for i in range(count):
        path = logs_dir / f"crawl-{run_id}-shard{i}of{count}.json"
        try:
            part = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key in SUMMED:
            merged[key] += int(part.get(key) or 0)
        for key in ("by_status", "errors"):
            for name, value in (part.get(key) or {}).items():
                merged[key][name] = merged[key].get(name, 0) + int(value)
        merged["hosts"].update(part.get("hosts") or {})
        merged["budget_exhausted"] |= bool(part.get("budget_exhausted"))
    return merged
