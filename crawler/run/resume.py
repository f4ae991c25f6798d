"""Which run a crawl into DIR is: a new one, or the resumption of one that never ended cleanly.

Scrapy's JOBDIR queues do not survive SIGKILL (see the reliability notes), so nothing here saves
a queue. A run leaves a marker, `DIR/state/run.json`: its id, the seeds and options it started
with, its status and one entry per attempt. The capture extension writes it when the crawl starts,
holding the folder lock, and closes it when the crawl ends:

    running      written at start; still there after SIGKILL, a power loss or a forced stop
    interrupted  stopped by SIGTERM/Ctrl-C, or the archive could not be written (disk full)
    ended        finished, or stopped at a limit the user set (pages, bytes, time)

A `seedcrawl crawl` into a folder whose latest run is running or interrupted resumes it: same run
id, same seeds and options (the command may repeat them or leave them out, not change them), and
`crawler/run/replay.py` rebuilds the frontier from what that run archived. Passing `--new-run` or
another `--run-id` starts a new run instead, leaving the unfinished one as it is in the archive.
The marker says which run to continue; the WARC files say what it did.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from seedcrawl.outdir.atomic import write_bytes_atomically
from seedcrawl.outdir.errors import FolderBusy, OutputError

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
RUNNING, INTERRUPTED, ENDED = "running", "interrupted", "ended"
# Spider close reasons after which the run still has work to do. Every other reason ("finished",
# a page/byte/time limit) is an end the user asked for, and the next crawl is a new run.
FORCED = "forced"  # a second SIGTERM/Ctrl-C: stopped at once, the spider never closed
RESUMABLE_REASONS = frozenset({"shutdown", "archive_write_error", FORCED})


# What each attempt did, from the crawl's stats, kept with it in the marker.
ATTEMPT_COUNTS = {
    "pages": "seedcrawl/pages",
    "replayed": "seedcrawl/resume/replayed",
    "warc_records": "seedcrawl/warc_records",
    "not_archived": "seedcrawl/not_archived",
}


class ResumeConflict(ValueError):
    """The command asks for other seeds or options than the unfinished run it would resume."""


@dataclass(frozen=True)
class RunSpec:
    """What a run was asked to do; a resumed run does the same."""

    seeds: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    depth: int | None = None
    max_pages: int | None = None
    topic_files: tuple[str, ...] = ()
    topic: str | None = None
    refetch: bool = False
    settings: Mapping[str, str] = field(default_factory=dict)  # -s NAME=VALUE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["settings"] = dict(self.settings)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSpec:
        return cls(
            seeds=tuple(str(s) for s in data.get("seeds") or ()),
            allow_hosts=tuple(str(h) for h in data.get("allow_hosts") or ()),
            depth=_int_or_none(data.get("depth")),
            max_pages=_int_or_none(data.get("max_pages")),
            topic_files=tuple(str(p) for p in data.get("topic_files") or ()),
            topic=data.get("topic") if isinstance(data.get("topic"), str) else None,
            refetch=bool(data.get("refetch")),
            settings={str(k): str(v) for k, v in (data.get("settings") or {}).items()},
        )

    def conflicts(self, given: RunSpec) -> list[str]:
        """Options `given` sets (anything but the default) to another value than this run has."""
        differ = {
            "seeds": bool(given.seeds) and set(given.seeds) != set(self.seeds),
            "--allow-host": bool(given.allow_hosts) and set(given.allow_hosts) != set(self.allow_hosts),
            "--depth": given.depth is not None and given.depth != self.depth,
            "--max-pages": given.max_pages is not None and given.max_pages != self.max_pages,
            "--topic-file": bool(given.topic_files) and set(given.topic_files) != set(self.topic_files),
            "--topic": given.topic is not None and given.topic != self.topic,
            "--refetch": given.refetch and not self.refetch,
        }
        return [name for name, different in differ.items() if different]

    def resumed_with(self, given: RunSpec) -> RunSpec:
        # Settings are how to crawl (politeness, logging, file sizes), not what: the new command's win.
        return replace(self, settings={**self.settings, **given.settings})


@dataclass
class RunState:
    run_id: str
    status: str
    spec: RunSpec
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unfinished(self) -> bool:
        return self.status in (RUNNING, INTERRUPTED)


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    spec: RunSpec
    resume: bool
    replaces: str | None = None  # an unfinished run this new one leaves unfinished


def read_run(state_dir: Path) -> RunState | None:
    """The latest run's marker; None when there is none (or it cannot be read: then a new run)."""
    path = state_dir / RUN_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        # O_NOFOLLOW fails with ELOOP on a link; anything else (a folder in its place, no access) says itself
        why = "it is a symbolic link, which is refused" if exc.errno == errno.ELOOP else exc.strerror
        raise OutputError(f"cannot read {path}: {why}") from None
    with os.fdopen(fd, "rb") as stream:
        raw = stream.read()
    try:
        data = json.loads(raw)
        return RunState(
            str(data["run_id"]),
            str(data["status"]),
            RunSpec.from_json(data.get("spec") or {}),
            list(data.get("attempts") or []),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("ignoring an unreadable run marker %s: %s", path, exc)
        return None


def write_run(state_dir: Path, state: RunState) -> None:
    """Replace the marker atomically: synced under a temporary name, then renamed."""
    data = {
        "run_id": state.run_id,
        "status": state.status,
        "spec": state.spec.to_json(),
        "attempts": state.attempts,
    }
    # The rename replaces a link planted at the marker's name itself, never its target.
    write_bytes_atomically(state_dir / RUN_FILE, json.dumps(data, indent=1).encode("utf-8") + b"\n")


def plan_run(
    state_dir: Path, given: RunSpec, run_id: str | None, new_run: bool, make_id: Callable[[], str]
) -> RunPlan:
    """Decide, from the marker, whether this crawl resumes the latest run or starts a new one.

    Read without the folder lock; `RunMarker.begin` checks the decision again under it.
    """
    current = read_run(state_dir)
    if current is None or not current.unfinished:
        return RunPlan(run_id or make_id(), given, resume=False)
    if new_run and run_id == current.run_id:
        raise ResumeConflict(f"--new-run needs another run id than the unfinished run's ({run_id})")
    if new_run or (run_id is not None and run_id != current.run_id):
        return RunPlan(run_id or make_id(), given, resume=False, replaces=current.run_id)
    conflicts = current.spec.conflicts(given) if current.spec.seeds else []
    if conflicts:
        raise ResumeConflict(
            f"the output folder holds run {current.run_id}, which did not finish ({current.status}); "
            f"this command changes its {', '.join(conflicts)}. Run it with the same seeds and options "
            "(or none) to resume that run, or add --new-run to start a new one"
        )
    spec = current.spec.resumed_with(given) if current.spec.seeds else given
    return RunPlan(current.run_id, spec, resume=True)


class RunMarker:
    """The marker of the running crawl; only the holder of the folder lock writes it."""

    def __init__(self, state_dir: Path, state: RunState) -> None:
        self.state_dir = state_dir
        self.state = state

    @classmethod
    def from_settings(cls, settings: BaseSettings, state_dir: Path, run_id: str) -> RunMarker:
        """Begin the attempt `seedcrawl crawl` planned (see seedcrawl/crawl.py and RunPlan)."""
        spec_json = settings.get("SEEDCRAWL_RUN_SPEC")
        return cls.begin(
            state_dir,
            run_id,
            RunSpec.from_json(json.loads(spec_json)) if spec_json else None,
            resume=settings.getbool("SEEDCRAWL_RESUME"),
            replaces=settings.get("SEEDCRAWL_REPLACES_RUN") or None,
        )

    @classmethod
    def begin(
        cls, state_dir: Path, run_id: str, spec: RunSpec | None, resume: bool, replaces: str | None
    ) -> RunMarker:
        """Record the start of an attempt; raises FolderBusy when the folder changed since planning."""
        current = read_run(state_dir)
        if current is not None and current.unfinished and current.run_id != run_id:
            if spec is not None and current.run_id != replaces:
                raise FolderBusy(
                    f"run {current.run_id} was left unfinished in {state_dir.parent} while this crawl "
                    "started; run the command again"
                )
            logger.warning("starting run %s; unfinished run %s is left as it is", run_id, current.run_id)
        if resume and (current is None or current.run_id != run_id or not current.unfinished):
            raise FolderBusy(
                f"run {run_id} can no longer be resumed: its marker changed; run the command again"
            )
        attempts = current.attempts if resume and current is not None else []
        base = current.spec if resume and current is not None and spec is None else spec or RunSpec()
        attempt = {"started": _now(), "pid": os.getpid(), "host": socket.gethostname(), "resumed": resume}
        marker = cls(state_dir, RunState(run_id, RUNNING, base, [*attempts, attempt]))
        write_run(state_dir, marker.state)
        return marker

    def finish(self, reason: str | None, stats: Mapping[str, Any]) -> str:
        """Close the attempt; returns the run's new status (`ended` only for a clean, complete end)."""
        reason = reason or FORCED
        status = INTERRUPTED if reason in RESUMABLE_REASONS else ENDED
        self.state.status = status
        counts = {name: int(stats.get(key, 0)) for name, key in ATTEMPT_COUNTS.items()}
        self.state.attempts[-1].update({"ended": _now(), "reason": reason, **counts})
        write_run(self.state_dir, self.state)
        logger.info("run %s %s (%s)", self.state.run_id, status, reason)
        return status


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).strip().lstrip("-").isdigit() else None
