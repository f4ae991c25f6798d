"""How a crawl ended, as one typed value: what `seedcrawl crawl` prints and exits with, and what
the flow reads from the crawl's child process (seedcrawl/crawl_child.py).

`EXIT_CODES` is the one table from a crawl's status to its exit code; the statuses the flow may
retry are decided by `CrawlResult.retryable`, here too. Nothing in this module imports Scrapy or
Prefect: the CLI checks options, and the flow reads results, without either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from seedcrawl.exits import Exit
from seedcrawl.outdir.atomic import write_bytes_atomically


class CrawlStatus(StrEnum):
    DONE = "done"
    NOTHING_FETCHED = "nothing_fetched"
    USAGE = "usage"  # bad options or seeds, or options that differ from the run being resumed
    OUTPUT = "output"  # the output folder is unusable or in use by another run
    ARCHIVE = "archive"  # a WARC record could not be written (disk full): every file still whole
    INTERRUPTED = "interrupted"  # first SIGTERM/Ctrl-C: in-flight pages finished, files closed
    FORCED = "forced"  # second SIGTERM/Ctrl-C: stopped at once, only whole records
    CRASHED = "crashed"  # the crawl's process died without a result (killed, out of memory)


# A status's exit code, from the one exit table (seedcrawl/exits.py) every command uses.
EXIT_CODES: Mapping[CrawlStatus, Exit] = {
    CrawlStatus.DONE: Exit.OK,
    CrawlStatus.NOTHING_FETCHED: Exit.NOTHING,
    CrawlStatus.USAGE: Exit.USAGE,
    CrawlStatus.OUTPUT: Exit.FOLDER,
    CrawlStatus.ARCHIVE: Exit.ARCHIVE,
    CrawlStatus.INTERRUPTED: Exit.INTERRUPTED,
    CrawlStatus.FORCED: Exit.FORCED,
    CrawlStatus.CRASHED: Exit.NOTHING,
}

# Error kinds (crawler/components/report.py) that a later attempt may not meet: the network or the server
# was slow or failing for a while. A refused connection or an unknown host is not among them: an
# unreachable seed is reported at once instead of after minutes of retries.
_TRANSIENT_KINDS = ("Timeout", "TimedOut", "ResponseNeverReceived", "ConnectionLost", "ResponseFailed")
COUNTS = ("pages", "requisites", "requests", "responses", "bytes", "warc_records", "revisits", "not_archived")


class CrawlError(Exception):
    """The crawl could not run; `status` says which kind of failure, and so its exit code."""

    def __init__(self, message: str, status: CrawlStatus) -> None:
        super().__init__(message)
        self.status = status

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


@dataclass(frozen=True)
class CrawlResult:
    status: CrawlStatus
    reason: str  # one line for the user: "finished", or what went wrong and what to do
    run_id: str | None = None
    resumed: bool = False  # this crawl continued an unfinished run of the folder
    replayed: int = 0  # pages and documents of that run read back from its WARC files
    counts: Mapping[str, int] = field(default_factory=dict)  # COUNTS
    errors: Mapping[str, int] = field(default_factory=dict)  # by kind, as in the summary
    summary: Mapping[str, Any] = field(default_factory=dict)  # the crawl's whole summary (hosts, ...)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def retryable(self) -> bool:
        """Whether running the crawl again a minute later may do better."""
        if self.status is CrawlStatus.CRASHED:
            return True  # the next attempt resumes the run
        if self.status is not CrawlStatus.NOTHING_FETCHED:
            return False
        statuses = (self.summary.get("by_status") or {}).keys()
        server_trouble = any(str(code).startswith("5") or str(code) == "429" for code in statuses)
        return server_trouble or any(part in kind for kind in self.errors for part in _TRANSIENT_KINDS)

    @classmethod
    def from_summary(cls, status: CrawlStatus, reason: str, summary: Mapping[str, Any]) -> CrawlResult:
        return cls(
            status=status,
            reason=reason,
            run_id=summary.get("run_id"),
            resumed=bool(summary.get("resumed")),
            replayed=int(summary.get("replayed") or 0),
            counts={name: int(summary.get(name) or 0) for name in COUNTS},
            errors={str(k): int(v) for k, v in (summary.get("errors") or {}).items()},
            summary=dict(summary),
        )

    @classmethod
    def failed(cls, error: CrawlError) -> CrawlResult:
        return cls(status=error.status, reason=str(error))

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "reason": self.reason,
            "run_id": self.run_id,
            "resumed": self.resumed,
            "replayed": self.replayed,
            "counts": dict(self.counts),
            "errors": dict(self.errors),
            "summary": dict(self.summary),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrawlResult:
        return cls(
            status=CrawlStatus(data["status"]),
            reason=str(data["reason"]),
            run_id=data.get("run_id"),
            resumed=bool(data.get("resumed")),
            replayed=int(data.get("replayed") or 0),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            errors={str(k): int(v) for k, v in (data.get("errors") or {}).items()},
            summary=dict(data.get("summary") or {}),
        )

    def write(self, path: Path) -> None:
        """Written whole or not at all: a reader never sees half a result."""
        write_bytes_atomically(path, (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8"))

    @classmethod
    def read(cls, path: Path) -> CrawlResult:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def child_command(result_file: Path, recorded: Sequence[str] = ()) -> list[str]:
    """The command line of a crawl child (seedcrawl/crawl_child.py) that writes its result to
    `result_file`; here, beside the result, so the shard supervisor (which that child may start)
    needs no import of the child's module."""
    return [sys.executable, "-m", "seedcrawl.crawl_child", str(result_file), *recorded]
