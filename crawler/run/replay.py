"""Rebuild a resumed run's frontier from the WARC records the run already wrote.

A resumed run (crawler/run/resume.py) starts from its seeds like any run, but every URL it captured
before is read back from the archive instead of fetched: the frontier takes the parked entries
whose URL was archived (best first, as it would hand them out), and their archived bodies go
through the spider's own link-following code, which admits what they link to, and so on until no
archived URL is left parked. Kinds, depths, priorities, canonical claims and the page budget come
out as they did in the run itself, and only what the run never archived is fetched: the pages in
flight when it died, and captures worth retrying (a 5xx or 429, a body cut by a dropped
connection), which are left out of the table so that their URLs stay parked.

Where each URL's capture is comes from one pass over the run's files (those whose warcinfo
carries its `seedcrawl-run-id`, including the file recovery cut back), into the frontier store's
`archived` table. An identical-payload revisit points at the record holding the payload, found
among the run's own responses or, failing that, in the folder's other files, newest first.
Redirects are followed through the archive too: the target's capture is replayed in its place,
or the target is parked to be fetched when the run never got to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from seedcrawl.archive.errors import ArchiveError
from seedcrawl.archive.reader import WarcRecord, closed_warcs, iter_records, read_record
from seedcrawl.crawler.discover.discovery import sitemaps_from_robots
from seedcrawl.crawler.discover.sites import SiteDiscovery
from seedcrawl.crawler.discover.urls import canonicalize_url
from seedcrawl.crawler.run.frontier import Frontier, Stats, Verdict
from seedcrawl.crawler.run.frontier_store import Entry, url_key
from seedcrawl.crawler.sharding.shards import SHARD_SETTING, warc_prefix
from seedcrawl.outdir.layout import Layout

logger = logging.getLogger(__name__)

RUN_ID_FIELD = "seedcrawl-run-id"
IDENTICAL = "/revisit/identical-payload-digest"
BATCH = 256
# Cut short by the network, not by our size limit: the live crawl retries these.
RETRIED_TRUNCATIONS = frozenset({"disconnect", "time", "unspecified"})
# Transfer-level headers of the stored body: the replayed body is decoded, as Scrapy's was.
_DROPPED_HEADERS = frozenset({b"content-encoding", b"transfer-encoding", b"content-length"})

Handler = Callable[[Entry, Response], None]


def open_replay(
    crawler: Crawler, frontier: Frontier, layout: Layout | None, handle: Handler
) -> Replay | None:
    """In a resumed run (SEEDCRAWL_RESUME), a replay of what it archived; None in any other run."""
    settings = crawler.settings
    if layout is None or not settings.getbool("SEEDCRAWL_RESUME"):
        return None
    run_id = str(settings.get("SEEDCRAWL_RUN_ID"))
    options = ReplayOptions(
        retry_statuses=frozenset({429, *(int(code) for code in settings.getlist("RETRY_HTTP_CODES"))}),
        max_body=settings.getint("DOWNLOAD_MAXSIZE") or 1 << 30,
        max_redirects=settings.getint("REDIRECT_MAX_TIMES"),
    )
    assert crawler.stats is not None
    replay = Replay(frontier, layout.warc_dir, crawler.stats, options, handle)
    files = run_files(layout.warc_dir, run_id, warc_prefix(settings) if settings.get(SHARD_SETTING) else None)
    found = replay.load(files)
    logger.info("resume: run %s archived %d URLs in %d WARC files", run_id, found, len(files))
    return replay


def run_files(warc_dir: Path, run_id: str, prefix: str | None = None) -> list[Path]:
    """The closed WARC files written by run `run_id`, in write order (a shard's: its own only)."""
    return [
        path
        for path in closed_warcs(warc_dir)
        if (prefix is None or path.name.startswith(prefix + "-")) and warcinfo_run_id(path) == run_id
    ]


def warcinfo_run_id(path: Path) -> str | None:
    try:
        first = next(iter_records(path, max_payload=1 << 16), None)
    except (OSError, ArchiveError) as exc:
        logger.warning("cannot read the warcinfo of %s: %s", path.name, exc)
        return None
    if first is None or first.type != "warcinfo":
        return None
    for line in first.raw_payload.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == RUN_ID_FIELD:
            return value.strip()
    return None


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    retry_statuses: Collection[int]  # RETRY_HTTP_CODES: a capture with one of these is fetched again
    max_body: int  # DOWNLOAD_MAXSIZE: the most a decoded body may be, as when it was fetched
    max_redirects: int  # REDIRECT_MAX_TIMES


class Replay:
    def __init__(
        self, frontier: Frontier, warc_dir: Path, stats: Stats, options: ReplayOptions, handle: Handler
    ) -> None:
        self.frontier = frontier
        self.store = frontier.store
        self.warc_dir = warc_dir
        self.stats = stats
        self.options = options
        self.handle = handle
        self.robots: dict[str, tuple[str, int]] = {}  # origin -> its latest archived robots.txt

    # -- reading what the run archived -------------------------------------------------------------

    def load(self, files: list[Path]) -> int:
        """Note where every good capture of the run is; returns how many URLs were found."""
        revisits: list[tuple[int, str]] = []  # (URL key, record id of the record with the payload)
        for path in files:
            for record in self._records(path):
                url = record.target_uri or ""
                key = _key(url)
                if record.type not in ("response", "revisit") or key is None:
                    continue
                if not self._good(record):
                    self.stats.inc_value("seedcrawl/resume/captures_to_retry")
                    continue
                profile = record.warc_header("WARC-Profile") or ""
                if record.type == "revisit" and profile.endswith(IDENTICAL) and record.refers_to:
                    revisits.append((key, record.refers_to))
                    continue
                self.store.note_archived(key, path.name, record.offset, record.record_id)
                if urlsplit(url).path == "/robots.txt" and 200 <= (record.http_status or 0) < 300:
                    self.robots[_origin(url)] = (path.name, record.offset)
        self._resolve(revisits, {path.name for path in files})
        found = self.store.archived_count()
        self.stats.set_value("seedcrawl/resume/archived_urls", found)
        return found

    def _good(self, record: WarcRecord) -> bool:
        status = record.http_status or 0
        return status not in self.options.retry_statuses and record.truncated not in RETRIED_TRUNCATIONS

    def _records(self, path: Path, max_payload: int = 0) -> Iterator[WarcRecord]:
        def skip(err: ArchiveError) -> None:
            logger.warning("resume: skipping an unreadable record: %s", err)

        yield from iter_records(path, max_payload=max_payload, on_error=skip)

    def _resolve(self, revisits: list[tuple[int, str]], scanned: set[str]) -> None:
        """Point each revisit's URL at the record that holds its payload."""
        wanted: dict[str, list[int]] = {}
        for key, original in revisits:
            place = self.store.archived_record(original)
            if place is not None:
                self.store.note_archived(key, *place)
            else:
                wanted.setdefault(original, []).append(key)
        for path in reversed(closed_warcs(self.warc_dir)):
            if not wanted:
                break
            if path.name in scanned:
                continue
            for record in self._records(path):
                for key in wanted.pop(record.record_id or "", []):
                    self.store.note_archived(key, path.name, record.offset)
        for keys in wanted.values():
            self.stats.inc_value("seedcrawl/resume/payload_not_found", len(keys))

    # -- replaying it ------------------------------------------------------------------------------

    def run(self, sites: SiteDiscovery) -> int:
        """Replay every archived URL the frontier reaches; returns how many entries were replayed."""
        return sum(self.steps(sites))

    def steps(self, sites: SiteDiscovery) -> Iterator[int]:
        """`run()` a batch at a time, yielding how many entries each replayed: a crawl lets its event
        loop run in between, so that SIGTERM is heard during a long replay."""
        for file, offset in self.robots.values():
            # robots.txt is the robots middleware's fetch, not a frontier entry: its Sitemap: lines
            # are admitted here as the spider admits them when it arrives (NewsSpider._on_response).
            record = self._read(file, offset)
            response = self._response(record, record.target_uri or "", 0) if record is not None else None
            if response is not None:
                sites.admit_links(sitemaps_from_robots(response.body, response.url), 0, response.url)
        replayed = 0
        while batch := self.frontier.take_archived(BATCH):
            for entry in batch:
                self._replay(entry, entry.url, 0)
            replayed += len(batch)
            self.stats.set_value("seedcrawl/resume/replayed", replayed)
            yield len(batch)
        self.stats.set_value("seedcrawl/resume/replayed", replayed)
        self.frontier.commit()
        logger.info("resume: replayed %d archived URLs; %d URLs to fetch", replayed, self.frontier.parked)

    def _replay(self, entry: Entry, url: str, hops: int) -> None:
        place = self.store.archived(url_key(url))
        record = self._read(*place) if place is not None else None
        if record is None:
            self.stats.inc_value("seedcrawl/resume/unreadable")
            self.frontier.repark(_moved(entry, url))
            return
        status = record.http_status or 0
        location = record.http_header("Location")
        if 300 <= status < 400 and location:
            self._redirect(entry, urljoin(record.target_uri or url, location.strip()), hops)
            return
        if record.truncated is not None:
            return  # cut at DOWNLOAD_MAXSIZE: the live crawl dropped it unparsed too
        if not 200 <= status < 300:
            return  # errors, 304s and absent fallbacks held no links when they were fetched either
        response = self._response(record, url, entry.depth)
        if response is not None:
            self.handle(entry, response)

    def _redirect(self, entry: Entry, target: str, hops: int) -> None:
        # The same check as crawler/components/frontier_mw.py makes of a live redirect hop.
        if hops >= self.options.max_redirects or self.frontier.claim_redirect(target) is not Verdict.ADMITTED:
            return
        canonical = canonicalize_url(target) or target
        if self.store.archived(url_key(canonical)) is None:
            self.frontier.repark(_moved(entry, canonical))  # the run never got there: fetch it
        else:
            self._replay(entry, canonical, hops + 1)

    def _read(self, file: str, offset: int) -> WarcRecord | None:
        try:
            return read_record(self.warc_dir / file, offset, max_payload=self.options.max_body + 1)
        except (OSError, ArchiveError) as exc:
            logger.warning("resume: cannot read %s at %d: %s", file, offset, exc)
            return None

    def _response(self, record: WarcRecord, url: str, depth: int) -> Response | None:
        try:
            body = record.decoded_payload(self.options.max_body)
        except ArchiveError as exc:
            logger.debug("resume: %s not replayed: %s", url, exc)
            return None
        headers = Headers()
        for name, value in record.http_headers:
            if name.lower().encode("latin-1") not in _DROPPED_HEADERS:
                headers.appendlist(name, value)
        # The record may be another URL's (the payload of a revisit): links resolve against ours.
        if canonicalize_url(record.target_uri or "") == canonicalize_url(url):
            url = record.target_uri or url
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        request = Request(url, meta={"depth": depth})
        return cls(url=url, status=record.http_status or 200, headers=headers, body=body, request=request)


def _key(url: str) -> int | None:
    canonical = canonicalize_url(url)
    return url_key(canonical) if canonical else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _moved(entry: Entry, url: str) -> Entry:
    return Entry(url, entry.kind, entry.priority, entry.depth, entry.via, entry.refetch)
