"""Crawler-trap checks on a single URL, before it enters the frontier.

A trap is a URL space a server can generate without end: calendars paging into next century,
session ids minting a new URL per visit, relative links that nest a path into itself, archives
paged to page 10,000. Heritrix's defaults are the reference (path depth 20, a path segment at most
twice); the date and pagination rules are ours and sized for news sites, whose legitimate archives
go back decades under /YYYY/MM/DD/ paths.

Use `screen_url`: it strips session ids (the page is still wanted, only the id is noise) and then
names the first rule the URL breaks, if any.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class TrapLimits:
    """Thresholds; the defaults suit a news crawl."""

    max_url_length: int = 2000  # longer URLs are almost always generated, and some servers refuse them
    max_path_depth: int = 20  # Heritrix default
    max_segment_repeats: int = 2  # Heritrix default: a segment may appear at most twice
    max_page: int = 50  # deeper archive pages are reached more cheaply through sitemaps
    calendar_years_back: int = 30  # news archives online since the mid-1990s are legitimate
    calendar_days_ahead: int = 366  # event listings a year ahead are real; 2031 is a trap

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")


@dataclass(frozen=True, slots=True)
class Screened:
    """The URL to use (session ids removed) and why it must not be crawled, if it must not."""

    url: str
    reason: str | None


_SESSION_KEY = re.compile(
    r"(?:j|php|asp)?sess(?:ion)?[-_]?id|aspsessionid[a-z]{8}|cfid|cftoken|oscsid|zenid|sid",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[0-9A-Za-z_-]{16,}")
_MATRIX_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;?#]*", re.IGNORECASE)
_ASPNET_COOKIELESS = re.compile(r"/\((?:[A-Za-z]\([^()/]*\))+\)(?=/|$)")

_YEAR = r"(1[89]\d\d|2\d\d\d)"
_PATH_DATE = re.compile(
    r"(?<!\d)" + _YEAR + r"(?:/|-)(0?[1-9]|1[0-2])(?:(?:/|-)(0?[1-9]|[12]\d|3[01]))?(?=/|$|\.)"
)
_PATH_YEAR = re.compile(r"(?:^|/)" + _YEAR + r"(?=/|$)")
_CALENDAR_WORD = re.compile(r"calendar|event|agenda|archive|diary|schedule", re.IGNORECASE)
# 2031-05-01, 2031-5, 20310501, 203105, 2031 (impossible months and days are dropped later).
_QUERY_DATE = re.compile(_YEAR + r"(?:-(\d{1,2})(?:-(\d{1,2}))?|(\d{2})(\d{2})?)?")
_DATE_KEYS = frozenset(
    {"date", "day", "month", "year", "yr", "ym", "cal", "calendar", "caldate", "start", "end"}
    | {"start_date", "end_date", "from", "to", "eventdate", "event_date", "tribe-bar-date"}
)
_YEAR_KEYS = frozenset({"year", "yr", "y"})
_PAGE_KEYS = frozenset({"page", "pg", "paged", "pagenum", "page_num", "pageno", "pagina", "seite"})
_PATH_PAGE = re.compile(r"/(?:page|pages|seite|pagina)[/-](\d+)(?=/|$)", re.IGNORECASE)


def _is_session_param(pair: str) -> bool:
    key, _, value = pair.partition("=")
    if not _SESSION_KEY.fullmatch(unquote(key)):
        return False
    # "sid" is also "section id" on many CMSs (?sid=12); only a token-like value is a session.
    return key.lower() != "sid" or bool(_TOKEN.fullmatch(unquote(value)))


def has_session_id(url: str) -> bool:
    """Whether `strip_session_ids` would remove anything."""
    parts = urlsplit(url)
    return bool(
        _MATRIX_SESSION.search(parts.path)
        or _ASPNET_COOKIELESS.search(parts.path)
        or any(_is_session_param(p) for p in parts.query.split("&") if p)
    )


def strip_session_ids(url: str) -> str:
    """Remove session ids from path parameters, ASP.NET cookieless segments and the query.

    Hex-looking path segments are left alone: article ids look the same (AP: /article/2896af50...).

    >>> strip_session_ids("http://a.example/x;jsessionid=0A1B2C?id=7&PHPSESSID=abc")
    'http://a.example/x?id=7'
    """
    parts = urlsplit(url)
    path = _ASPNET_COOKIELESS.sub("", _MATRIX_SESSION.sub("", parts.path)) or "/"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_session_param(p))
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _to_date(year: str, month: str | None, day: str | None, *, latest: bool) -> date | None:
    """A date for the period; `latest` picks its last day, so a partial date is judged generously."""
    y = int(year)
    m = int(month) if month else (12 if latest else 1)
    if not 1 <= m <= 12:
        return None
    if day:
        d = int(day)
    elif latest:
        d = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    else:
        d = 1
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dates_in(path: str, query: str) -> list[tuple[date | None, date | None]]:
    """(earliest, latest) day of every date-like period the URL names."""
    periods: list[tuple[str, str | None, str | None]] = [
        (m.group(1), m.group(2), m.group(3)) for m in _PATH_DATE.finditer(path)
    ]
    if _CALENDAR_WORD.search(path) and not periods:
        periods.extend((m.group(1), None, None) for m in _PATH_YEAR.finditer(path))
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        key, value = unquote(key).lower(), unquote(value)
        if key in _YEAR_KEYS and re.fullmatch(_YEAR, value):
            periods.append((value, None, None))
        elif key in _DATE_KEYS and (m := _QUERY_DATE.fullmatch(value)):
            year, month, day, compact_month, compact_day = m.groups()
            periods.append((year, month or compact_month, day or compact_day))
    return [(_to_date(y, mo, d, latest=False), _to_date(y, mo, d, latest=True)) for y, mo, d in periods]


def _calendar_trap(path: str, query: str, limits: TrapLimits, today: date) -> bool:
    oldest = today.replace(year=today.year - limits.calendar_years_back, day=1)
    newest = today + timedelta(days=limits.calendar_days_ahead)
    for earliest, latest in _dates_in(path, query):
        if earliest is None or latest is None:
            continue  # an impossible date (2031-02-30) is not a calendar we can place
        if earliest > newest or latest < oldest:
            return True
    return False


def _page_number(path: str, query: str) -> int:
    numbers = [int(m.group(1)) for m in _PATH_PAGE.finditer(path)]
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key).lower() in _PAGE_KEYS and value.isdigit():
            numbers.append(int(value[:9]))  # bounded: a 10,000-digit "page" must not cost much
    return max(numbers, default=0)


def trap_reason(url: str, limits: TrapLimits | None = None, now: datetime | None = None) -> str | None:
    """The first trap rule `url` breaks, or None.

    Reasons: ``url_too_long``, ``path_too_deep``, ``repeated_segment``, ``session_id``,
    ``calendar``, ``pagination``. `now` fixes "today" for the calendar window (tests, replays).

    >>> trap_reason("https://a.example/events/calendar/2091/05/", now=datetime(2026, 1, 1, tzinfo=UTC))
    'calendar'
    >>> trap_reason("https://a.example/2015/05/12/kerry-in-sochi/") is None
    True
    """
    limits = limits or TrapLimits()
    if len(url) > limits.max_url_length:
        return "url_too_long"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > limits.max_path_depth:
        return "path_too_deep"
    if segments and max(Counter(s.lower() for s in segments).values()) > limits.max_segment_repeats:
        return "repeated_segment"
    if has_session_id(url):
        return "session_id"
    today = (now or datetime.now(UTC)).date()
    if _calendar_trap(parts.path, parts.query, limits, today):
        return "calendar"
    if _page_number(parts.path, parts.query) > limits.max_page:
        return "pagination"
    return None


def screen_url(url: str, limits: TrapLimits | None = None, now: datetime | None = None) -> Screened:
    """Strip session ids, then check the remaining URL against every trap rule."""
    cleaned = strip_session_ids(url)
    return Screened(cleaned, trap_reason(cleaned, limits, now))
