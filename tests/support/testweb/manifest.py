"""Ground truth about the demo web: what every URL is, what it serves and how.

Article pages carry their exact body paragraphs and every chrome string rendered on the page, so that
extraction can be checked for containing all of the one and none of the other. Chrome lists the
distinctive boilerplate strings (seed-page chrome, cookie banner, newsletter box, share buttons,
footer, related headlines); single-word navigation labels are not listed.

Traits name how a URL is served: "gzip" (Content-Encoding), "chunked" (Transfer-Encoding),
"set-cookie-x2", "charset-http" (charset only in the Content-Type header), "charset-meta" (only in
<meta charset>), "gzip-file" (a .gz sitemap served as application/x-gzip), "retry-after".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PAGE_KINDS = (
    "home",
    "section",
    "tag",
    "feed",
    "sitemap",
    "robots",
    "private",
    "error",
    "redirect",
    "sentinel",
)


@dataclass(frozen=True, slots=True)
class ArticleTruth:
    url: str
    site: str
    section: str
    title: str
    byline: str | None
    published: str  # ISO 8601
    body: tuple[str, ...]  # the article's own text, in order
    chrome: tuple[str, ...]  # every boilerplate string on the page (deduplicated, in page order)
    chrome_by_kind: Mapping[str, tuple[str, ...]] = field(hash=False)
    on_topic: bool
    wire_group: str | None  # same id for syndicated copies of one story
    source: str  # seed file, benchmark URL, or "published at runtime"
    lang: str
    charset: str  # charset of the served bytes, e.g. "utf-8", "windows-1251"
    traits: frozenset[str]
    status: int = 200


@dataclass(frozen=True, slots=True)
class PageTruth:
    url: str
    site: str
    kind: str  # one of PAGE_KINDS
    status: int
    traits: frozenset[str] = frozenset()
    location: str | None = None  # Location header, for redirects
    final_url: str | None = None  # where a redirect chain ends


@dataclass(frozen=True, slots=True)
class Manifest:
    seed_urls: tuple[str, ...]
    sentinel_url: str
    articles: Mapping[str, ArticleTruth]
    pages: Mapping[str, PageTruth]

    def urls(self, kind: str) -> list[str]:
        """URLs of one kind: "article" or one of PAGE_KINDS."""
        if kind == "article":
            return sorted(self.articles)
        return sorted(url for url, p in self.pages.items() if p.kind == kind)

    def with_trait(self, trait: str) -> list[str]:
        found = [u for u, a in self.articles.items() if trait in a.traits]
        found += [u for u, p in self.pages.items() if trait in p.traits]
        return sorted(found)

    def on_topic(self) -> list[ArticleTruth]:
        return [a for _, a in sorted(self.articles.items()) if a.on_topic]

    def wire_groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for url, art in sorted(self.articles.items()):
            if art.wire_group:
                groups.setdefault(art.wire_group, []).append(url)
        return groups

    def to_json(self) -> dict[str, object]:
        def plain(value: object) -> object:
            if isinstance(value, frozenset):
                return sorted(value)
            if isinstance(value, Mapping):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, tuple):
                return list(value)
            return value

        def record(obj: ArticleTruth | PageTruth) -> dict[str, object]:
            return {name: plain(getattr(obj, name)) for name in obj.__dataclass_fields__}

        return {
            "seed_urls": list(self.seed_urls),
            "sentinel_url": self.sentinel_url,
            "articles": [record(a) for _, a in sorted(self.articles.items())],
            "pages": [record(p) for _, p in sorted(self.pages.items())],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
