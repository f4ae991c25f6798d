"""Telling listing pages (home, sections, tags, pagination) from article pages by URL alone.

The frontier needs the distinction before a page is fetched, in two places: incremental runs
fetch listings every time (that is where new articles appear) but skip articles already in the
corpus, and a focused crawl keeps listings reachable even when their anchor text ("World",
"Older") says nothing about the topic. The corpus cannot decide it: processing sometimes keeps a
tag page as an article, and a listing judged a duplicate of another listing lands in
duplicates.jsonl.

News CMSs give articles long slugs or numeric ids (`/world/2015/05/12/kerry-meets-lavrov.html`,
`/news/world/us-russia-talks-4001`, `/a/183921`) and listings short words (`/world/`,
`/tag/russia/`, `/politics/?page=3`). The rule errs towards "listing" for short paths, because
fetching a listing again costs one request while skipping one can hide every new article on it.

>>> looks_like_listing("http://news.example/world/?page=2")
True
>>> looks_like_listing("http://news.example/world/kerry-meets-putin-in-sochi/")
False
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_PAGINATION_QUERY = re.compile(r"(?:^|&)(?:page|pg|paged|p|seite|pagina)=\d{1,4}(?:&|$)", re.IGNORECASE)
_PAGINATION_PATH = re.compile(r"/(?:page|seite|pagina)/\d{1,4}/?$", re.IGNORECASE)
_ARTICLE_ID = re.compile(r"\d{4,}")  # a numeric id or a date part (years have four digits too)
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$", re.IGNORECASE)
_LISTING_FILES = frozenset({"index", "default", "home", "archive", "archives", "latest", "news", "all"})
MAX_LISTING_DEPTH = 3  # /section/subsection/topic/ is still a listing; deeper paths rarely are
MAX_LISTING_WORDS = 2  # "middle-east", "climate-crisis": longer hyphenated names are headlines


def looks_like_listing(url: str) -> bool:
    """Whether `url` looks like a page that lists articles rather than one article.

    >>> looks_like_listing("http://news.example/")
    True
    >>> looks_like_listing("http://news.example/tag/russia/")
    True
    >>> looks_like_listing("http://news.example/a/183921")
    False
    >>> looks_like_listing("http://news.example/2019/11/19/stabbing-in-berlin.html")
    False
    """
    parts = urlsplit(url)
    path = unquote(parts.path)
    if _PAGINATION_QUERY.search(parts.query) or _PAGINATION_PATH.search(path):
        return True
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return True
    if len(segments) > MAX_LISTING_DEPTH:
        return False
    last = segments[-1]
    if _ARTICLE_ID.search(path) or parts.query:
        # ids and dates mark articles; any other query (?id=7, ?story=...) selects one item
        return False
    if _EXTENSION.search(last):
        return _EXTENSION.sub("", last).lower() in _LISTING_FILES
    return len(re.split(r"[-_+.]+", last)) <= MAX_LISTING_WORDS
