from __future__ import annotations

import doctest
import importlib
from datetime import UTC, datetime

import pytest

from seedcrawl.crawler.discover.traps import (
    TrapLimits,
    has_session_id,
    screen_url,
    strip_session_ids,
    trap_reason,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def reason(url: str, limits: TrapLimits | None = None) -> str | None:
    return trap_reason(url, limits, now=NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/world/2015/05/12/kerry-meets-lavrov-in-sochi/",
        "https://news.example/2019/11/18/story.html",
        "https://news.example/archive/1998/",
        "https://news.example/events/calendar/2027/06/",  # within a year ahead
        "https://news.example/world/page/3/",
        "https://news.example/search?q=kerry&page=12",
        "https://news.example/?p=123456",  # WordPress post id, not a page number
        "https://news.example/article/2896af5086674d4bbbbd454dec217c63/x",  # AP-style hex article id
        "https://news.example/a?sid=12",  # a section id, not a session
        "https://news.example/a/b/a/b/",  # two repeats are allowed
    ],
)
def test_ordinary_news_urls_pass(url: str) -> None:
    assert reason(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/" + "a" * 2000, "url_too_long"),
        ("https://x.example/" + "/".join(f"s{i}" for i in range(21)), "path_too_deep"),
        ("https://x.example/a/b/a/b/a/", "repeated_segment"),
        ("https://x.example/img/img/img/logo.png", "repeated_segment"),
        ("https://x.example/IMG/img/Img/logo.png", "repeated_segment"),
        ("https://x.example/calendar/2031/05/", "calendar"),
        ("https://x.example/events/2031-05-01/", "calendar"),
        ("https://x.example/events/2031/", "calendar"),
        ("https://x.example/calendar/1900/01/", "calendar"),
        ("https://x.example/events?month=2031-05", "calendar"),
        ("https://x.example/events?date=20310501", "calendar"),
        ("https://x.example/events?year=2031&month=5", "calendar"),
        ("https://x.example/events?tribe-bar-date=2091-01-01", "calendar"),
        ("https://x.example/news?page=500", "pagination"),
        ("https://x.example/news/page/500/", "pagination"),
        ("https://x.example/news?paged=51", "pagination"),
        ("https://x.example/news?page=" + "9" * 5000, "url_too_long"),
        ("https://x.example/a;jsessionid=0123456789ABCDEF0123456789ABCDEF", "session_id"),
        ("https://x.example/a?PHPSESSID=0123456789abcdef0123456789abcdef", "session_id"),
    ],
)
def test_traps_are_named(url: str, expected: str) -> None:
    assert reason(url) == expected


def test_thresholds_are_configurable() -> None:
    loose = TrapLimits(max_page=1000, calendar_days_ahead=365 * 10, max_segment_repeats=3)
    assert reason("https://x.example/news?page=500", loose) is None
    assert reason("https://x.example/calendar/2031/05/", loose) is None
    assert reason("https://x.example/a/b/a/b/a/", loose) is None
    strict = TrapLimits(max_path_depth=2, max_url_length=30)
    assert reason("https://x.example/a/b/c", strict) == "path_too_deep"
    assert reason("https://x.example/abcdefghijklmnop", strict) == "url_too_long"


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_page"):
        TrapLimits(max_page=-1)


def test_calendar_window_follows_now() -> None:
    url = "https://x.example/calendar/2031/05/"
    assert trap_reason(url, now=datetime(2026, 1, 1, tzinfo=UTC)) == "calendar"
    assert trap_reason(url, now=datetime(2031, 1, 1, tzinfo=UTC)) is None


def test_impossible_dates_are_not_calendars() -> None:
    assert reason("https://x.example/events?date=2031-02-30") is None
    assert reason("https://x.example/story/2500/13/") is None  # month 13: an id, not a date


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x.example/a;jsessionid=0A1B2C3D?id=7", "http://x.example/a?id=7"),
        ("http://x.example/a;JSESSIONID=0A1B2C3D/b", "http://x.example/a/b"),
        ("http://x.example/(S(lit3py55t21z5v55vlm25s55))/page.aspx", "http://x.example/page.aspx"),
        ("http://x.example/(X(1)S(abc123def456))/page.aspx?a=1", "http://x.example/page.aspx?a=1"),
        ("http://x.example/a?id=7&PHPSESSID=abc&b=2", "http://x.example/a?id=7&b=2"),
        ("http://x.example/a?sessionid=abc&session_id=d&sessid=e", "http://x.example/a"),
        ("http://x.example/a?ASPSESSIONIDQQGGQGPA=ABCDEFGHIJKLMNOPQRSTUVWX", "http://x.example/a"),
        ("http://x.example/a?CFID=123&CFTOKEN=456&q=1", "http://x.example/a?q=1"),
        ("http://x.example/a?sid=4f9a8c7d6e5b4a39281706f5e4d3c2b1", "http://x.example/a"),
        ("http://x.example/a?sid=12", "http://x.example/a?sid=12"),
        ("http://x.example/a?id=7", "http://x.example/a?id=7"),
    ],
)
def test_session_ids_are_stripped(url: str, expected: str) -> None:
    assert strip_session_ids(url) == expected
    assert has_session_id(url) is (url != expected)


def test_screen_url_strips_then_checks() -> None:
    ok = screen_url("https://x.example/story;jsessionid=ABCDEF0123?id=1", now=NOW)
    assert (ok.url, ok.reason) == ("https://x.example/story?id=1", None)
    trapped = screen_url("https://x.example/calendar/2040/01/?PHPSESSID=abc", now=NOW)
    assert (trapped.url, trapped.reason) == ("https://x.example/calendar/2040/01/", "calendar")


def test_calendar_trap_crawl_stays_bounded() -> None:
    """Following 'next month' from a calendar page stops within the window, however far it goes."""
    accepted = 0
    year, month = 2026, 11
    for _ in range(10_000):
        if reason(f"https://x.example/calendar/{year}/{month:02d}/") is None:
            accepted += 1
        month += 1
        if month > 12:
            year, month = year + 1, 1
    assert accepted <= 13


@pytest.mark.parametrize("module", ["seedcrawl.crawler.discover.traps"])
def test_docstring_examples_hold(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0
