"""What a page's JSON-LD says about its article: headline, authors, date, free access, body.

Publishers fill schema.org `NewsArticle` / `Article` (and their subtypes) for search engines, and
these fields are more reliable than anything read from the markup: the headline without the
site's name, the authors as names rather than a byline line, the date as ISO 8601. Only entities
whose @type is an article type count, at the top level, in a list, or in an `@graph`; broken
JSON-LD is skipped (it is common).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml.html import HtmlElement

from seedcrawl.pipelines.article import ARTICLE_TYPES

_MAX_AUTHORS = 20


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    headline: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # as declared (ISO 8601 usually), not yet checked
    free: bool | None = None  # isAccessibleForFree; None when not declared
    body: str | None = None  # articleBody as declared (plain text or HTML), not cleaned


def article_facts(tree: HtmlElement) -> ArticleFacts:
    """The first article entity's facts, from the page's JSON-LD scripts."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for entity in _entities(data):
            types = entity.get("@type")
            names = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower().rsplit("/", 1)[-1] in ARTICLE_TYPES for t in names):
                return ArticleFacts(
                    _string(entity.get("headline")),
                    _authors(entity.get("author")),
                    _string(entity.get("datePublished")),
                    _free(entity.get("isAccessibleForFree")),
                    _body(entity.get("articleBody")),
                )
    return ArticleFacts()


def _entities(data: object) -> list[dict[str, object]]:
    top = data if isinstance(data, list) else [data]
    found: list[dict[str, object]] = []
    for entity in top:
        if isinstance(entity, dict):
            found.append(entity)
            graph = entity.get("@graph")
            if isinstance(graph, list):
                found.extend(e for e in graph if isinstance(e, dict))
    return found


def _string(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _authors(value: object) -> tuple[str, ...]:
    """Names of the people (or, failing them, organisations) credited as authors."""
    values = value if isinstance(value, list) else [value]
    people: list[str] = []
    others: list[str] = []
    for item in values[:_MAX_AUTHORS]:
        if isinstance(item, str):
            name, person = _string(item), True
        elif isinstance(item, dict):
            name = _string(item.get("name"))
            person = str(item.get("@type") or "Person").lower() == "person"
        else:
            continue
        if name and not name.lower().startswith(("http://", "https://")):
            (people if person else others).append(name)
    return tuple(dict.fromkeys(people or others))


def _free(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _body(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
