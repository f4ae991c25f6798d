"""Page metadata: title, authors, publication date, site name, language, canonical URL, paywall.

The title is the headline as printed (the first <h1> that is not the site's logo, when half of its
words are in the og:title, the <title> or the JSON-LD headline, or its markup marks it the entry's
title), else the JSON-LD headline, else the <title>, without a trailing " | Site" part: on wcxb-dev
this matches the true headline on 0.89 of the pages, against 0.55 for trafilatura's <title>.
Authors are the JSON-LD article's author names when it declares them. Everything else comes from
trafilatura's own metadata functions, in the order
its `extract_metadata` calls them (meta tags, then JSON-LD, then markup), but without the
category, tag and licence scans: the corpus keeps none of them and they cost about 4 ms a page,
a seventh of the whole extraction. An author found in the markup loses the date words a byline
block drags along. The publication date is the JSON-LD article's datePublished when it declares
one, else what htmldate finds, bounded by the capture date so that the result does not depend on
the day the pipeline runs.

The reading comes in two parts, so the extract step only searches for the date (htmldate, about
two thirds of the cost) on a page it keeps: `page_heading` (what chrome rules need to recognise
the headline and byline), then `dated`. `page_metadata` does both.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from html import unescape
from itertools import islice
from typing import Any

from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import line_processing

from seedcrawl.crawler.discover.canonical import declared_canonical
from seedcrawl.pipelines.head_elements import document_metas, document_title, meta_view
from seedcrawl.pipelines.json_ld import article_facts
from seedcrawl.pipelines.markup_author import markup_author
from seedcrawl.pipelines.page_date import DateSearch, find_date

LOGGER = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—•·»]\s+")
_SITE_WORDS = 5  # a title part this short after the last separator is the site's name
_DOMAIN_WORDS = frozenset({"www", "com", "org", "net", "co", "uk"})  # "Move.org" names the site Move
_NOT_NAME = re.compile(
    r"\b(?:view|more|all) (?:posts|articles|stories)\b|^\W*(?:read more|see more|view profile|posts? by)\W*$",
    re.IGNORECASE,
)
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
_MAX_FIELD = 1000
# months that are never surnames ("Theresa May", "Jane April" are names), and date labels
_AUTHOR_TAIL = re.compile(
    r"(?:\s+(?:published|updated|posted|jan(?:uary)?|feb(?:ruary)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|"
    r"dec(?:ember)?|\d{1,4}))+\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PageMetadata:
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601 date
    sitename: str | None = None
    language: str | None = None  # ISO 639 code the page declares
    canonical_url: str | None = None  # absolute; None when the page declares none
    headings: tuple[str, ...] = ()  # the first <h1> texts, the headline as printed on the page
    authors: tuple[str, ...] = ()  # one name each; `author` is them joined with ", "
    free: bool | None = None  # the JSON-LD isAccessibleForFree, None when not declared


def page_metadata(tree: HtmlElement, url: str, fetched_at: str) -> PageMetadata:
    """Read the metadata of a parsed page (the tree is not modified)."""
    return dated(page_heading(tree, url), tree, url, fetched_at)


@dataclass(frozen=True, slots=True)
class Heading:
    """The first part of a page's metadata: what recognising the headline and byline in the text
    needs. The date search, two thirds of the cost of reading metadata, waits in `dated` until
    the page is known to be kept."""

    meta: PageMetadata  # published, language and canonical_url not read yet
    resolved_url: str | None  # the page's own URL as it declares it, for the date search
    declared_date: str | None  # the JSON-LD datePublished, read before the date search
    description: str | None = None  # the page's summary (meta description), often printed as a dek
    body: str | None = None  # the JSON-LD articleBody, the whole text as the publisher declares it


def page_heading(tree: HtmlElement, url: str) -> Heading:
    """Title, authors, site name, headings and free access of a parsed page (the tree is not modified)."""
    meta = examine_meta(meta_view(tree))
    if meta.author and " " not in meta.author:
        meta.author = None  # trafilatura's rule: one-word "authors" are handles or site names
    try:
        meta = extract_meta_json(tree, meta)
    except Exception as err:  # trafilatura guards its JSON-LD parser the same way: bad JSON-LD is common
        LOGGER.debug("JSON-LD metadata failed for %s: %s", url, err)
    facts = article_facts(tree)
    first_h1s = list(islice(tree.iterfind(".//h1"), 3))
    headings = tuple(_printed_text(h1) for h1 in first_h1s)
    marked = tuple(text for h1, text in zip(first_h1s, headings, strict=True) if _marks_headline(h1))
    authors = tuple(a for a in (_clean_author(_clean(name)) for name in facts.authors) if a and _is_name(a))
    author = ", ".join(authors) if authors else _clean_author(_clean(meta.author or markup_author(tree)))
    if author and not _is_name(author):
        author = None
    resolved = meta.url or extract_url(tree, url)
    sitename = meta.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif resolved and (match := META_URL.match(resolved)):
        sitename = match[1]
    declared = (_clean(meta.title), _clean(document_title(tree)))
    title = _title(declared, headings, marked, _clean(facts.headline), sitename) or _clean(
        extract_title(tree)
    )
    found = PageMetadata(
        title=title,
        author=author,
        sitename=_clean(sitename),
        headings=headings,
        authors=authors or ((author,) if author else ()),
        free=facts.free,
    )
    return Heading(found, resolved, facts.published, meta.description, facts.body)


def dated(
    heading: Heading, tree: HtmlElement, url: str, fetched_at: str, search: DateSearch = "full"
) -> PageMetadata:
    """The whole metadata: `heading`'s, with the publication date, language and canonical URL;
    `search`: how deep htmldate searches for the date when the JSON-LD declares none
    (`pipelines.page_date`)."""
    # The page's own JSON-LD datePublished first: on wcxb-dev articles it is right as often as the
    # date search (212 of 249 either way) and skips the search, half of this function's CPU.
    published = _declared_date(heading.declared_date, fetched_at) or find_date(
        tree, heading.resolved_url, search, **_date_params(fetched_at)
    )
    return replace(
        heading.meta,
        published=_iso_date(published),
        language=declared_language(tree),
        canonical_url=declared_canonical(tree, url),
    )


def _title(
    declared: tuple[str | None, str | None],
    headings: tuple[str, ...],
    marked: tuple[str, ...],
    headline: str | None,
    sitename: str | None,
) -> str | None:
    """The printed headline when a title the page declares confirms it, else the JSON-LD headline,
    else the declared title; without a trailing site name.

    `declared` is the metadata title (og:title first) and the <title>: not trafilatura's
    `extract_title`, which takes an <h1> and would confirm it by itself. The printed headline is the
    first <h1> that is not the site's name (themes print the logo as an <h1>); it is confirmed when
    half its words are in a declared title or the headline, or when its markup names it the entry's
    title (`marked`): a headline rewritten for search engines in the <title> then loses to the one
    printed."""
    printed = next((h for h in headings if len(_WORD.findall(h)) >= 2 and not _names_site(h, sitename)), None)
    if printed:
        words = _words(printed)
        if printed in marked or any(
            other and len(words & _words(other)) >= 0.5 * len(words) for other in (*declared, headline)
        ):
            return _without_site_name(printed[:_MAX_FIELD], sitename)
    if headline:
        return _without_site_name(headline, sitename)
    title = declared[0] or declared[1]
    return _without_site(title) if title else None  # None: trafilatura's own choice (extract_title)


def _marks_headline(h1: HtmlElement) -> bool:
    """Whether the <h1>'s markup declares it the article's title: hAtom's `entry-title` class (most
    WordPress themes), microformats2's `p-name`, schema.org microdata's itemprop="headline"."""
    classes = (h1.get("class") or "").split()
    return "entry-title" in classes or "p-name" in classes or "headline" in (h1.get("itemprop") or "").split()


def _printed_text(element: HtmlElement) -> str:
    """The element's text as a browser prints it: a <br> breaks the line, so the words on either side
    of it are two words ("WEEKEND<br>CODING"), where lxml's text_content() joins them."""
    parts = element.xpath(".//text() | .//br")
    return " ".join("".join(p if isinstance(p, str) else " " for p in parts).split())


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def _names_site(text: str, sitename: str | None) -> bool:
    """Whether `text` holds nothing but the site's name (and domain parts: "Move.org")."""
    return bool(sitename) and _words(text) <= _words(sitename or "") | _DOMAIN_WORDS


def _without_site_name(title: str, sitename: str | None) -> str:
    """ "Headline – Site" -> "Headline" when the last part is the site's name."""
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if separators and _names_site(title[separators[-1].end() :], sitename):
        head = title[: separators[-1].start()]
        return head if _WORD.search(head) else title
    return title


def _without_site(title: str) -> str:
    """ "Headline | Site" -> "Headline"; "Site - Headline" -> "Headline"."""
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    head, tail = title[: separators[-1].start()], title[separators[-1].end() :]
    if len(head.split()) >= 2 and len(tail.split()) <= _SITE_WORDS:
        return _without_site(head)
    head, tail = title[: separators[0].start()], title[separators[0].end() :]
    if len(tail.split()) >= 2 and len(head.split()) <= 3:
        return tail
    return title


def _is_name(author: str) -> bool:
    """Not a link label standing where a byline was expected ("View more posts", "Read more")."""
    return not _NOT_NAME.search(author) and any(ch.isalpha() for ch in author)


def searches_date(heading: Heading, fetched_at: str) -> bool:
    """Whether `dated` searches the page for its date (the JSON-LD declares none it can use): the
    search reads the page's whole tree, as parsed."""
    return _declared_date(heading.declared_date, fetched_at) is None


def _declared_date(value: str | None, fetched_at: str) -> str | None:
    day = _iso_date(value)
    return day if day and "1995-01-01" <= day <= fetched_at[:10] else None


def declared_language(tree: HtmlElement) -> str | None:
    """ISO 639 code from <html lang>, Content-Language or og:locale, whichever comes first."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in document_metas(tree):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for candidate in candidates:
        match = _LANG.match((candidate or "").split(",")[0].strip())
        if match:
            return match.group(1).lower()
    return None


def _date_params(fetched_at: str) -> dict[str, Any]:
    """Dates after the capture are impossible; bounding by it (not by today) keeps runs repeatable."""
    params: dict[str, Any] = {"original_date": True, "min_date": "1995-01-01"}
    try:
        params["max_date"] = datetime.fromisoformat(fetched_at.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        # without a usable capture date, htmldate would bound by today: refuse to guess instead
        params["max_date"] = params["min_date"]
    return params


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _clean_author(value: str | None) -> str | None:
    """Drop the date words a byline block often drags along ("Jane Doe November", "Staff Published")."""
    if not value:
        return None
    return _AUTHOR_TAIL.sub("", value).strip(" ,;|-") or None


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    return line_processing(unescape(value[:_MAX_FIELD])) or None
