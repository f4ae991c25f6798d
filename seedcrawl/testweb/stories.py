"""The bundled article texts: five curated seed articles and the off-topic filler (data/*.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """An entry of a seed page's own related-articles list (chrome, with its date and teaser)."""

    date: str
    title: str
    teaser: str


@dataclass(frozen=True, slots=True)
class Story:
    """An article's text and the chrome its source page carried, independent of where it is served."""

    key: str  # "seed-001", "aeb-05844573", "wire-sochi-b", "pub-3"
    title: str
    slug: str
    published: datetime
    body: tuple[str, ...]  # the article's own text, in order; subheads and quotes included
    byline: str | None = None
    standfirst: str | None = None  # summary shown above the body; repeats body text, so not chrome
    subheads: frozenset[str] = frozenset()  # body items rendered as <h2>
    quotes: frozenset[str] = frozenset()  # body items rendered as <blockquote>
    chrome: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # source-page chrome by kind
    related: tuple[RelatedLink, ...] = ()
    lang: str = "en"
    source: str = ""  # seed file name or benchmark URL
    on_topic: bool = False


@dataclass(frozen=True, slots=True)
class Filler:
    """An off-topic benchmark article and the site and section it is published in."""

    story: Story
    site: str
    section: str


@dataclass(frozen=True, slots=True)
class StorySet:
    seeds: Mapping[str, Story]
    filler: tuple[Filler, ...]


def _read(name: str) -> Any:
    text = resources.files("seedcrawl.testweb").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _seed(raw: Mapping[str, Any]) -> Story:
    return Story(
        key=raw["key"],
        title=raw["headline"],
        slug=raw["slug"],
        published=datetime.fromisoformat(raw["published"]),
        body=tuple(raw["body"]),
        byline=raw["byline"],
        standfirst=raw["standfirst"],
        subheads=frozenset(raw["subheads"]),
        quotes=frozenset(raw["quotes"]),
        chrome={kind: tuple(items) for kind, items in raw["chrome"].items()},
        related=tuple(RelatedLink(r["date"], r["title"], r["teaser"]) for r in raw["related"]),
        source=raw["source_file"],
        on_topic=True,  # every seed is about the Kerry-Lavrov-Putin talks
    )


def _filler(raw: Mapping[str, Any]) -> Filler:
    story = Story(
        key=raw["key"],
        title=raw["title"],
        slug=raw["slug"],
        published=datetime.fromisoformat(raw["published"]),
        body=tuple(raw["body"]),
        lang=raw["lang"],
        source=raw["source_url"],
    )
    return Filler(story=story, site=raw["site"], section=raw["section"])


def load_corpus() -> StorySet:
    seeds = {raw["key"]: _seed(raw) for raw in _read("seeds.json")["seeds"]}
    filler = tuple(_filler(raw) for raw in _read("filler.json")["articles"])
    return StorySet(seeds=seeds, filler=filler)
