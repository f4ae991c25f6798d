"""`seedcrawl crawl --shards N --redis URL`: run N crawl shards on one output folder and supervise them.

This process holds the folder's lock and its run marker (DIR/state/run.json), picks the run id
all shards share, and starts each shard through the crawl's child entry point
(seedcrawl/crawl_child.py) with the same options plus `shard` I and that run id (a child process:
one Twisted reactor each), which writes the shard's CrawlResult. A shard that dies (a signal, a crash,
the WARC writer lost) is started again, at most `SEEDCRAWL_SHARD_RESTARTS` times (default 3): it
resumes its part of the run from what it archived (crawler/run/resume.py) and reads its Redis inbox
again. Once every shard has ended, the folder is indexed and the shards' results are added up
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
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from seedcrawl.archive.index import build_index
from seedcrawl.crawl import _as_planned, _check_browser, _given_seeds, _lock_folder, _plan, run_crawl
from seedcrawl.crawl_result import (
    CrawlError,
    CrawlResult,
    CrawlStatus,
    child_command,
)
from seedcrawl.crawler.run.resume import RunMarker
from seedcrawl.crawler.sharding.shards import ShardSpec
from seedcrawl.exits import Exit
from seedcrawl.option_fields import to_json
from seedcrawl.options import CrawlOptions
from seedcrawl.outdir.atomic import write_bytes_atomically

logger = logging.getLogger(__name__)

DONE_STATUSES = frozenset({0, 1})  # finished; nothing to fetch on this shard's hosts
SUMMED = ("pages", "requests", "responses", "bytes", "warc_records", "revisits", "not_archived", "replayed")


class _Shard:
    """One shard's child process, started again (with the same options) when it dies."""

    def __init__(self, options: CrawlOptions, folder: Path) -> None:
        self.input = json.dumps(to_json(options)).encode("utf-8")
        self.result_file = folder / f"shard{options.shard}.json"
        self.proc = self.start()

    def start(self) -> subprocess.Popen[bytes]:
        # its own session: a terminal's Ctrl-C reaches the supervisor only, which passes it on once
        proc = subprocess.Popen(
            child_command(self.result_file),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(self.input)
        proc.stdin.close()
        self.proc = proc
        return proc

    def result(self) -> CrawlResult | None:
        try:
            return CrawlResult.read(self.result_file)
        except (OSError, ValueError, KeyError):
            return None


def start_crawl(options: CrawlOptions) -> CrawlResult:
    """The crawl the options ask for: shards supervised by this process (`--redis` without
    `--shard`, even a single one), or one crawl (or one given shard) in this process."""
    if options.redis and options.shard is None:
        _check_browser(options)
        return run_shards(options)
    return run_crawl(options)


def run_shards(options: CrawlOptions) -> CrawlResult:
    redis_url = options.redis
    if redis_url is None:
        raise CrawlError("--shards needs --redis", CrawlStatus.USAGE)
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
            with tempfile.TemporaryDirectory(prefix="seedcrawl-shards-") as folder:
                shards = {
                    i: _Shard(replace(options, shard=i, run_id=plan.run_id), Path(folder))
                    for i in range(options.shards)
                }
                statuses = _supervise(shards, options)
                results = [shard.result() for shard in shards.values()]
            done = queue.is_done()
        finally:
            queue.close()
        build_index(layout.root)
        summary = merge_summaries(plan.run_id, [r for r in results if r is not None])
        summary["seconds"] = time.monotonic() - started
        summary["shards"] = {str(i): status for i, status in statuses.items()}
        summary["resumed"] = plan.resume
        interrupted = any(status == Exit.INTERRUPTED for status in statuses.values())
        failed = {i: s for i, s in statuses.items() if s not in DONE_STATUSES}
        reason = "finished" if done and not failed else "shutdown" if interrupted else "forced"
        summary["finish_reason"] = reason
        marker.finish(reason, {"seedcrawl/pages": summary.get("pages", 0)})
        text = json.dumps(summary, indent=2) + "\n"
        write_bytes_atomically(layout.logs_dir / f"crawl-{plan.run_id}.json", text.encode("utf-8"))
        if failed:
            status = _worst(failed.values())
            why = f"shards {sorted(failed)} did not finish (exit {failed}); run the same command again to resume"
            return CrawlResult.from_summary(status, why, summary)
        if summary.get("pages", 0) == 0:
            return CrawlResult.from_summary(CrawlStatus.NOTHING_FETCHED, "no page was fetched", summary)
        return CrawlResult.from_summary(CrawlStatus.DONE, "finished", summary)
    finally:
        lock.release()


def _worst(statuses: Any) -> CrawlStatus:
    """The status of the run from its failed shards' exit statuses (a signal: interrupted)."""
    from seedcrawl.crawl_result import EXIT_CODES

    worst = max(statuses)
    if worst <= 0:
        return CrawlStatus.INTERRUPTED
    return next((s for s, code in EXIT_CODES.items() if code == worst), CrawlStatus.CRASHED)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _supervise(shards: dict[int, _Shard], options: CrawlOptions) -> dict[int, int]:
    """Run every shard to its end, starting again those that die; returns each one's exit status.

    SIGTERM or Ctrl-C is passed on to the shards as one SIGTERM (they run in sessions of their own,
    so a terminal's Ctrl-C does not reach them twice): each finishes its pages in flight and exits
    130, and the same command resumes the run.
    """
    previous = signal.signal(signal.SIGTERM, _interrupted)
    restarts = int(options.settings.get("SEEDCRAWL_SHARD_RESTARTS", "3"))
    running = {i: shard.proc for i, shard in shards.items()}
    left = dict.fromkeys(shards, restarts)
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
                died = status < 0 or status not in (*DONE_STATUSES, Exit.USAGE)
                if died and left[i] > 0 and not stopping:
                    left[i] -= 1
                    logger.warning("shard %d/%d died (exit %d): starting it again", i, options.shards, status)
                    print(f"seedcrawl: shard {i} died (exit {status}); resuming it", file=sys.stderr)
                    running[i] = shards[i].start()
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


def merge_summaries(run_id: str, results: list[CrawlResult]) -> dict[str, Any]:
    """The shards' summaries added up."""
    merged: dict[str, Any] = {key: 0 for key in SUMMED}
    merged.update({"by_status": {}, "hosts": {}, "errors": {}, "run_id": run_id, "budget_exhausted": False})
    merged["archive_error"] = None
    for result in results:
        part = result.summary
        for key in SUMMED:
            merged[key] += int(part.get(key) or 0)
        for key in ("by_status", "errors"):
            for name, value in (part.get(key) or {}).items():
                merged[key][name] = merged[key].get(name, 0) + int(value)
        merged["hosts"].update(part.get("hosts") or {})
        merged["budget_exhausted"] |= bool(part.get("budget_exhausted"))
    return merged
