"""Scope options as Browsertrix and Heritrix users know them: --scope, --include, --exclude.

`--scope` decides which hosts a crawl may request pages from, and which pages on them:

    host     the seeds' hosts (the default), plus --allow-host
    domain   the seeds' registered domains and all their subdomains (Public Suffix List)
    prefix   the seeds' hosts, and on them only URLs under a seed URL's path prefix
             (https://h/news/a.html -> https://h/news/)
    page     the seed pages only (no links, feeds or sitemaps followed), with their requisites

`--include REGEX` / `--exclude REGEX` (repeatable, searched in the canonical URL) narrow which
pages are followed: a page must match an include, if any is given, and no exclude. Seeds are
always fetched. Page requisites are fetched from any host and are never excluded by these;
`--exclude-requisites REGEX` leaves out the requisites it matches.

The settings (`SEEDCRAWL_SCOPE`, `SEEDCRAWL_INCLUDE`, `SEEDCRAWL_EXCLUDE`,
`SEEDCRAWL_EXCLUDE_REQUISITES`) carry them to the spider; a list of regexes is given as a JSON
list (a regex may hold commas), or one regex as a plain string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from seedcrawl.crawler.discover.urls import canonicalize_url

SCOPE_MODES = ("host", "domain", "prefix", "page")


class ScopeRuleError(ValueError):
    """A scope option is malformed; the message names it."""


def compile_patterns(patterns: Iterable[str], option: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ScopeRuleError(f"{option}: bad regular expression {pattern!r}: {exc}") from None
    return tuple(compiled)


def patterns_setting(value: object) -> list[str]:
    """A setting's regexes: a list, a JSON list, or one regex as a string (empty: none)."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    text = str(value)
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            return [text]
        if isinstance(loaded, list):
            return [str(item) for item in loaded]
    return [text]


@cache
def _extractor() -> object:
    import tldextract

    # The snapshot bundled with tldextract: never fetch the list over the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str:
    """The registrable domain of a host (`news.bbc.co.uk` -> `bbc.co.uk`); an IP address is itself."""
    parts = _extractor()(host)  # type: ignore[operator]
    return str(parts.top_domain_under_public_suffix or host)  # "" for an IP address or a bare suffix


def scope_hosts(mode: str, seeds: Sequence[str]) -> list[str]:
    """Scope entries (see crawler.urls.Scope) the mode adds to the seeds' hosts."""
    if mode != "domain":
        return []
    entries: list[str] = []
    for seed in seeds:
        host = urlsplit(seed).hostname or ""
        domain = registered_domain(host)
        entries += [domain] if domain.replace(".", "").isdigit() else [domain, f"*.{domain}"]
    return entries


def _prefix(seed: str) -> str:
    canonical = canonicalize_url(seed) or seed
    parts = urlsplit(canonical)
    path = parts.path[: parts.path.rfind("/") + 1] or "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class PageRules:
    """Which pages (beyond the seeds) a crawl follows, by URL; hosts are `Scope`'s business."""

    mode: str = "host"
    prefixes: tuple[str, ...] = ()
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    exclude_requisites: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def build(
        cls,
        mode: str,
        seeds: Sequence[str],
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        exclude_requisites: Iterable[str] = (),
    ) -> PageRules:
        if mode not in SCOPE_MODES:
            raise ScopeRuleError(f"--scope takes one of {', '.join(SCOPE_MODES)}, not {mode!r}")
        return cls(
            mode,
            tuple(dict.fromkeys(_prefix(seed) for seed in seeds)) if mode == "prefix" else (),
            compile_patterns(include, "--include"),
            compile_patterns(exclude, "--exclude"),
            compile_patterns(exclude_requisites, "--exclude-requisites"),
        )

    @property
    def seeds_only(self) -> bool:
        """--scope page: nothing but the seeds (and their requisites), no discovery either."""
        return self.mode == "page"

    def allows_page(self, canonical: str) -> bool:
        if self.seeds_only:
            return False
        if self.prefixes and not canonical.startswith(self.prefixes):
            return False
        if self.include and not any(p.search(canonical) for p in self.include):
            return False
        return not any(p.search(canonical) for p in self.exclude)

    def allows_requisite(self, canonical: str) -> bool:
        return not any(p.search(canonical) for p in self.exclude_requisites)
