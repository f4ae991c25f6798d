"""What capture counts in the crawl's stats, which the crawl summary and the report read.

Bytes are counted as downloaded (still content-encoded), per host and for requisites apart; the
writer's own counts (records, revisits, truncations, records dropped by a forced stop) are folded
in once it has closed, so the summary counts every record actually written.
"""

from __future__ import annotations

from collections import Counter

from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from seedcrawl.archive.errors import ArchiveWriteError
from seedcrawl.crawler.discover.requisites import REQUISITE_META

NOT_ARCHIVED = "seedcrawl/not_archived"  # responses downloaded but never written
ARCHIVE_ERROR = "seedcrawl/archive_error"  # why the archive could not be written, if it could not


def count_response(stats: StatsCollector, response: Response, request: Request) -> None:
    host = urlparse_cached(response).netloc
    stats.inc_value("seedcrawl/bytes", len(response.body))
    stats.inc_value(f"seedcrawl/host/{host}/responses")
    stats.inc_value(f"seedcrawl/host/{host}/bytes", len(response.body))
    if request.meta.get(REQUISITE_META):
        stats.inc_value("seedcrawl/requisite_bytes", len(response.body))


def fold_writer_counts(stats: StatsCollector, counts: Counter[str], error: ArchiveWriteError | None) -> None:
    """The closed writer's counts and error, into the crawl's stats."""
    # A request and a response (or revisit) record per exchange; a resource record per rendered DOM.
    stats.set_value("seedcrawl/warc_records", 2 * counts["exchanges"] + counts["rendered"])
    stats.set_value("seedcrawl/revisits", counts["revisits"])
    for key, value in counts.items():
        if key.startswith("truncated_"):
            stats.set_value(f"seedcrawl/truncated/{key.removeprefix('truncated_')}", value)
    if counts["dropped"]:
        stats.inc_value(NOT_ARCHIVED, counts["dropped"])
    if error is not None:
        stats.set_value(ARCHIVE_ERROR, str(error))
