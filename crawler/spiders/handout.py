"""The Scrapy request for a frontier entry: what each kind of entry asks of the downloader.

The spider (crawler/spiders/news.py) hands entries out; this builds their requests. Every request
carries its kind, the URL it was admitted as (redirects change `request.url`) and the host it was
handed out for, so the spider can free that host's slot whatever happens to the request. A
requisite or a page fetched again (`--refetch`) is asked for conditionally when an earlier run
archived it, and then accepts a 304; a guessed discovery location (a fallback) accepts 404 and 410.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import scrapy

from seedcrawl.crawler.components.frontier_mw import ADMITTED_META
from seedcrawl.crawler.discover.requisites import REQUISITE_META, is_stylesheet
from seedcrawl.crawler.run.frontier import Kind
from seedcrawl.crawler.run.frontier_store import Entry
from seedcrawl.crawler.run.revalidate import Revalidator

__all__ = ["HOST_META", "KIND_META", "request_for"]

KIND_META = "seedcrawl_kind"
HOST_META = "seedcrawl_host"  # the host a request was handed out for, even after a redirect

Count = Callable[[str, int], None]  # a crawl statistic and how much to add to it


def request_for(
    entry: Entry,
    callback: Callable[..., Any],
    errback: Callable[..., Any],
    revalidator: Revalidator,
    count: Count,
) -> scrapy.Request:
    kind = Kind(entry.kind)
    meta: dict[str, Any] = {
        KIND_META: kind,
        ADMITTED_META: entry.url,
        HOST_META: entry.host,
        "depth": entry.depth,
    }
    headers = {"Referer": entry.via} if entry.via else {}
    statuses = [404, 410] if kind is Kind.FALLBACK else []
    if kind is Kind.REQUISITE:
        meta[REQUISITE_META] = True
        # Fetched in an earlier run: ask again conditionally, as --refetch asks for pages. Not
        # a stylesheet: a 304 has no body to find its fonts and images in (fetched whole, an
        # unchanged one is archived as an identical-payload revisit all the same).
        conditional = {} if is_stylesheet(None, entry.url) else revalidator.headers(entry.url)
        if conditional:
            headers.update(conditional)
            statuses.append(304)
            count("seedcrawl/requisites/conditional", 1)
    elif entry.refetch:
        conditional = revalidator.headers(entry.url)
        headers.update(conditional)
        statuses.append(304)
        count("seedcrawl/incremental/refetched", 1)
        count("seedcrawl/incremental/conditional", int(bool(conditional)))
    if statuses:
        meta["handle_httpstatus_list"] = statuses
    return scrapy.Request(
        entry.url,
        callback=callback,
        errback=errback,
        priority=entry.priority,
        headers=headers,
        meta=meta,
        dont_filter=True,  # the frontier has already made sure it is new
    )
