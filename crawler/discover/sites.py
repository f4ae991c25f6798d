"""Per-site discovery: feeding what feeds, sitemaps and robots.txt list into the frontier.

Discovery documents are admitted like any URL (canonicalised, trap-screened, scoped, seen-checked,
counted against the budget) in the priority band above pages, and do not add a hop: an article
listed in a sitemap is one hop from the site, however deep the sitemap index nests. Since they
are exempt from the depth limit, they have bounds of their own: a document listed by another is
one level deeper than it (robots.txt, pages and fallbacks list level 0), and one more than
`max_nesting` levels deep is not fetched (sitemap indexes that each list a new index were fetched
1,146 times in 15 s); and each host (origin) gets at most `max_per_host` of them. A site that
announces no feed (`<link rel="alternate">`) or no sitemap (robots.txt `Sitemap:`) on its seed
page gets the well-known locations tried instead (`/feed`, `/sitemap.xml`, ...), where a 404 is an
expected answer, not an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from seedcrawl.crawler.discover.discovery import DiscoveredLink, LinkTarget, fallback_links
from seedcrawl.crawler.discover.focus import DISCOVERY_PRIORITY, Focus
from seedcrawl.crawler.discover.urls import canonicalize_url
from seedcrawl.crawler.run.frontier import Frontier, Kind, Verdict

_KIND_OF_TARGET = {LinkTarget.FEED: Kind.FEED, LinkTarget.SITEMAP: Kind.SITEMAP, LinkTarget.PAGE: Kind.PAGE}
FALLBACK_PRIORITY = DISCOVERY_PRIORITY - 1  # after what a site announces itself


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SiteDiscovery:
    """What each site (origin) announced so far, and the admission of discovered links.

    Memory grows with the number of sites in scope, never with the number of pages.
    """

    def __init__(
        self,
        frontier: Frontier,
        focus: Focus,
        *,
        fallbacks: bool = True,
        max_nesting: int = 5,
        max_per_host: int = 1000,
    ) -> None:
        self.frontier = frontier
        self.focus = focus
        self.fallbacks = fallbacks
        self.max_nesting = max_nesting
        self.max_per_host = max_per_host
        self._announced: dict[str, set[Kind]] = {}
        self._autodiscovered: set[str] = set()
        # Discovery documents admitted per origin, and the level of each (by canonical URL): at
        # most max_per_host per site in scope, so memory grows with sites, not with documents.
        self._documents: Counter[str] = Counter()
        self._levels: dict[str, int] = {}

    def level_of(self, url: str) -> int:
        """How deep a discovery document is in the chain of documents listing documents."""
        return self._levels.get(canonicalize_url(url) or url, 0)

    def _admit_document(
        self, url: str, kind: Kind, priority: int, depth: int, via: str | None, level: int
    ) -> Verdict | None:
        """Admit a discovery document within the nesting and per-host bounds; None when refused."""
        if level > self.max_nesting:
            self.frontier.stats.inc_value("seedcrawl/discovery/refused/too_nested")
            return None
        origin = origin_of(url)
        if self._documents[origin] >= self.max_per_host:
            self.frontier.stats.inc_value("seedcrawl/discovery/refused/host_limit")
            return None
        verdict = self.frontier.admit(url, kind, priority, depth, via)
        if verdict is Verdict.ADMITTED:
            self._documents[origin] += 1
            self._levels[canonicalize_url(url) or url] = level
        return verdict

    def admit_seeds(self, seeds: Iterable[str], robots: bool, listings: Iterable[str] = ()) -> None:
        """Seeds first; robots.txt too when it is not fetched for its rules (its Sitemap: lines are
        still wanted); then listings earlier runs found, queued behind what the seeds link to."""
        for url in seeds:
            self.frontier.admit(url, Kind.SEED, DISCOVERY_PRIORITY, 0)
            if robots:
                self._admit_document(
                    origin_of(url) + "/robots.txt", Kind.ROBOTS, DISCOVERY_PRIORITY, 0, None, 0
                )
        for url in listings:
            self.frontier.admit(url, Kind.PAGE, self.focus.link_priority(url, "", 0.0, 2), 1)

    def admit_links(self, links: Iterable[DiscoveredLink], depth: int, via: str, level: int = 0) -> int:
        """Admit what a discovery document (or a page's announcements) lists; returns how many.

        `level`: what documents listed here are (see the module docstring): 0 from a page or
        robots.txt, the listing document's level plus one from a feed or sitemap.
        """
        admitted = 0
        for link in links:
            kind = _KIND_OF_TARGET[link.leads_to]
            if kind is Kind.PAGE:
                priority = self.focus.link_priority(link.url, link.title or "", 0.0, depth + 1)
                verdict: Verdict | None = self.frontier.admit(link.url, kind, priority, depth + 1, via)
            else:
                self._announced.setdefault(origin_of(link.url), set()).add(kind)
                verdict = self._admit_document(link.url, kind, DISCOVERY_PRIORITY, depth, via, level)
            admitted += verdict is Verdict.ADMITTED
        return admitted

    def wants_autodiscovery(self, url: str, kind: Kind, listing: bool) -> bool:
        """Announcements are site-wide, so only seeds, listings and a site's first page are read."""
        origin = origin_of(url)
        first = origin not in self._autodiscovered
        self._autodiscovered.add(origin)
        return first or listing or kind is Kind.SEED

    def try_fallbacks(self, seed_url: str, depth: int) -> int:
        """After a seed page: the well-known feed and sitemap paths of what its site did not announce."""
        if not self.fallbacks:
            return 0
        announced = self._announced.get(origin_of(seed_url), set())
        wanted = {LinkTarget.FEED} if Kind.FEED not in announced else set()
        wanted |= {LinkTarget.SITEMAP} if Kind.SITEMAP not in announced else set()
        admitted = 0
        for link in fallback_links(seed_url):
            if link.leads_to in wanted:
                verdict = self._admit_document(link.url, Kind.FALLBACK, FALLBACK_PRIORITY, depth, seed_url, 0)
                admitted += verdict is Verdict.ADMITTED
        return admitted
