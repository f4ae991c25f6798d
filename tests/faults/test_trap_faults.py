"""Fault table, trap rows: calendars and session ids that mint new URLs without end.

Depth is practically unlimited in this crawl, so only the trap rules can bound it.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest

from tests.faults.running import Crawled, assert_archive_whole, corpus, crawl, process
from tests.faults.webs import Answer, FaultWeb, home, html_page, story
from tests.support.testweb import Request, Response

pytestmark = pytest.mark.slow

MONTHS_AHEAD = 13  # TrapLimits.calendar_days_ahead = 366: this month and twelve more at most


def next_month(month: date, step: int = 1) -> date:
    index = month.year * 12 + month.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


def page(title: str, links: list[str], paragraphs: tuple[str, ...] = ("A page.",)) -> Response:
    body = html_page(title, paragraphs, links).encode()
    return Response(body=body, headers=[("Content-Type", "text/html; charset=utf-8")])


def calendar(request: Request) -> Answer:
    """/calendar?month=YYYY-MM and /events/YYYY/MM/: each month links to the next and next year."""
    path = request.route_path
    if path == "/calendar":
        month = date.fromisoformat(request.query["month"][0] + "-01")
        links = [f"/calendar?month={next_month(month, n):%Y-%m}" for n in (1, 12)]
    else:
        year, number = (int(part) for part in path.split("/")[2:4])
        month = date(year, number, 1)
        links = [f"/events/{next_month(month, n):%Y/%m}/" for n in (1, 12)]
    return page(f"Events in {month:%B %Y}", links)


def sessions(request: Request) -> Answer:
    """Three pages whose every link carries a session id minted for this response."""
    token = secrets.token_hex(16)
    links = [
        f"/s/one?PHPSESSID={token}",
        f"/s/two;jsessionid={token.upper()}",
        f"/s/three?id=3&sid={token}",
    ]
    index = {"/s/one": 0, "/s/two": 1, "/s/three": 2}.get(request.route_path.split(";")[0], 3)
    title, paragraphs = story(14 + index)
    return page(title, links, paragraphs)


def relative(request: Request) -> Answer:
    """Every page under /rel/ links to `more/` relative to itself: /rel/more/more/more/..."""
    return page("Nested", ["more/"])


def dispatch(request: Request) -> Answer:
    prefix = request.route_path.split("/")[1]
    handler = {"calendar": calendar, "events": calendar, "s": sessions, "rel": relative}.get(prefix)
    return handler(request) if handler else Response(status=404)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    this_month = datetime.now(UTC).date().replace(day=1)
    with FaultWeb(sentinel_host="127.0.0.169") as web:
        site = web.add_site("traps", "127.0.0.161", fallback=dispatch)
        entries = [f"/calendar?month={this_month:%Y-%m}", f"/events/{this_month:%Y/%m}/", "/s/one", "/rel/"]
        site.add("/", home([*entries, web.url("sentinel")]))
        out = tmp_path_factory.mktemp("traps") / "out"
        # The page budget only keeps a failing trap rule from running the crawl until its timeout.
        result = crawl(out, [web.url("traps")], "--depth", "10000", "--max-pages", "300")
        process(out)
        yield Crawled(web, result)


def requested(crawled: Crawled, prefix: str) -> list[str]:
    return [e.path for e in crawled.web.entries("traps") if e.path.startswith(prefix)]


def test_archive_is_whole_and_nothing_out_of_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []


@pytest.mark.parametrize("prefix", ["/calendar", "/events/"])
def test_calendar_trap_is_bounded(crawled: Crawled, prefix: str) -> None:
    months = requested(crawled, prefix)
    assert len(months) == len(set(months))
    assert 2 <= len(months) <= MONTHS_AHEAD  # entered, and left no later than a year ahead
    assert "seedcrawl/trap/calendar" in crawled.crawl.log_text


def test_session_ids_do_not_mint_new_urls(crawled: Crawled) -> None:
    pages = requested(crawled, "/s/")
    # Ids are stripped before the seen-check: each page once, and never with an id in its URL.
    assert Counter(urlsplit(p).path.split(";")[0] for p in pages) == {"/s/one": 1, "/s/two": 1, "/s/three": 1}
    assert not [p for p in pages if "sess" in p.lower() or "sid=" in p]
    articles, _ = corpus(crawled.crawl.out)
    assert len([url for url in articles if "/s/" in url]) == 3


def test_relative_link_nesting_is_bounded(crawled: Crawled) -> None:
    assert 1 <= len(requested(crawled, "/rel/")) <= 3  # a path segment repeats at most twice
