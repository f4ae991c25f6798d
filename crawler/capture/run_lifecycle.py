"""The run a capture records: its id, what its WARC files say of it, the folder lock, the run marker.

Capture holds the output folder's lock for the whole crawl. Under `seedcrawl crawl` the command
locks the folder before it plans the run and says so (SEEDCRAWL_LOCK_HELD), so the lock here only
checks that it is held; under `scrapy crawl` it takes it. With the lock held it begins the run
marker (crawler/run/resume.py), and closes it after the last record is written: the spider's close
reason decides whether the run ended or can be resumed.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from scrapy.settings import BaseSettings

from seedcrawl.crawler.run.resume import RunMarker
from seedcrawl.crawler.sharding.shards import ShardSpec
from seedcrawl.outdir.layout import Layout
from seedcrawl.outdir.lock import FolderLock

logger = logging.getLogger(__name__)

# The close reason of a crawl stopped because the output folder cannot be written: resumable.
ARCHIVE_ERROR_REASON = "archive_write_error"


def new_run_id() -> str:
    """A run id that sorts by start time: "20261122T101500Z-3fa9c2"."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


class CaptureRun:
    """One crawl's run in the output folder, from the lock taken to the marker closed."""

    def __init__(self, settings: BaseSettings, layout: Layout, shard: ShardSpec | None) -> None:
        self.run_id = str(settings.get("SEEDCRAWL_RUN_ID") or new_run_id())
        self.shard = shard
        # `seedcrawl crawl` takes the lock before it plans the run and says so; `scrapy crawl` does not.
        held = settings.getint("SEEDCRAWL_LOCK_HELD") == os.getpid()
        # A crawl shard holds its own lock; the folder's is held by whatever runs the shards.
        if shard is not None:
            self.lock = FolderLock(layout.root, held=held, name=shard.lock_name)
        else:
            self.lock = FolderLock(layout.root, held=held)
        self.lock.acquire()
        try:
            self.marker = RunMarker.from_settings(settings, layout.state_dir, self.run_id)
        except BaseException:
            self.lock.release()
            raise

    def warcinfo(self, settings: BaseSettings) -> dict[str, str]:
        """The fields of the warcinfo record that opens every WARC file of this run."""
        info = {
            "software": f"seedcrawl/{version('seedcrawl')} (Scrapy {version('scrapy')}; warcio {version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "http-header-user-agent": settings.get("USER_AGENT"),
            "robots": "obey (RFC 9309)" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            # Processing copies this onto every corpus record made from the file.
            "seedcrawl-run-id": self.run_id,
        }
        if self.shard is not None:
            info["shard"] = self.shard.label  # "0/2": which process of a sharded crawl wrote the file
        return info

    def finish(self, reason: str | None, archive_failed: bool, stats: Mapping[str, Any]) -> None:
        """Close the run marker: ended, or resumable when the spider's reason or the archive says so."""
        if archive_failed:
            reason = ARCHIVE_ERROR_REASON  # records are missing: the run is not complete
        try:
            self.marker.finish(reason, stats)
        except OSError as exc:  # a full disk: the marker still says running, so the run is resumed
            logger.warning("could not close the run marker: %s", exc)

    def release(self) -> None:
        self.lock.release()
