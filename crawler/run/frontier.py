"""The crawl frontier: which URLs enter, in which order they leave, and how many may.

Every URL, whatever found it (a seed, a link, a feed entry, a sitemap, a redirect, a canonical
link), goes through one admission path:

    canonicalize -> trap screen -> scope -> seen-check -> depth -> known-article check -> park

Trap and scope verdicts depend on the URL alone, so they are stored in the seen set like the URL
itself; a URL seen before (most links on any page) then costs canonicalisation and one lookup.

Admitted URLs are parked in SQLite (`FrontierStore`) with an integer priority, and `take(n)` hands
out the best ones; the spider keeps only a small window of them in Scrapy's scheduler, so the
order is decided here, over the whole frontier, and memory does not grow with it. `max_pages`
counts what `take` hands out, discovery documents included; redirect hops and pages skipped as
known cost nothing, since neither is a page of its own.

Page requisites (`Kind.REQUISITE`, `admit_requisite`) take another path in: any host, no depth,
only `--exclude-requisites` applies, and a URL refused as a page may still be one. They share
the seen set (fetched once per run) and the parked table, and cost nothing of `max_pages`: once
the budget is spent, `take` still hands out the requisites of the pages fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from seedcrawl.crawler.discover.listing import looks_like_listing
from seedcrawl.crawler.discover.scope_rules import PageRules
from seedcrawl.crawler.discover.traps import TrapLimits, screen_url
from seedcrawl.crawler.discover.urls import Scope, canonicalize_url
from seedcrawl.crawler.run.frontier_store import Entry, FrontierStore, State, url_key
from seedcrawl.crawler.run.incremental import KnownArticles


class Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def set_value(self, key: str, value: object) -> None: ...


class Router(Protocol):
    """Where URLs on other crawl shards' hosts go (crawler/sharding/shard_link.py)."""

    def owns(self, host: str) -> bool: ...

    def hand_off(self, entry: Entry) -> bool: ...


class SharedBudget(Protocol):
    """`max_pages` for a whole sharded run: one count all shards spend (crawler/sharding/shard_queue.py)."""

    def spent(self) -> int:
        """Pages every shard handed out so far."""
        ...

    def claim(self, n: int, budget: int) -> int:
        """How many of `n` pages this shard may hand out now (spent at once)."""
        ...


class Kind(StrEnum):
    SEED = "seed"
    PAGE = "page"
    FEED = "feed"
    SITEMAP = "sitemap"
    ROBOTS = "robots"  # fetched by the spider only when robots.txt is not obeyed (and so not fetched)
    FALLBACK = "fallback"  # a guessed feed or sitemap location: a 404 there is normal
    REQUISITE = "requisite"  # a page's stylesheet, script, image, font...: any host, no links followed

    @property
    def is_discovery(self) -> bool:
        return self not in (Kind.SEED, Kind.PAGE, Kind.REQUISITE)


class Verdict(StrEnum):
    ADMITTED = "admitted"
    REFOUND = "refound"  # already parked: its priority may have gone up
    SEEN = "seen"
    INVALID = "invalid"  # not an http(s) URL
    TRAP = "trap"
    OUT_OF_SCOPE = "out_of_scope"
    TOO_DEEP = "too_deep"
    KNOWN = "known"  # an article the corpus already holds (incremental runs)
    HANDED_OFF = "handed_off"  # on another crawl shard's host: sent to that shard


_REFUSALS = {State.TRAP: Verdict.TRAP, State.OUT_OF_SCOPE: Verdict.OUT_OF_SCOPE}


@dataclass(frozen=True, slots=True)
class FrontierConfig:
    max_pages: int | None = None
    depth_limit: int = 0  # 0: no limit, as Scrapy's DEPTH_LIMIT
    refetch: bool = False
    trap_limits: TrapLimits = field(default_factory=TrapLimits)
    now: datetime | None = None  # fixes "today" for calendar traps (tests)
    rules: PageRules = field(default_factory=PageRules)  # --scope, --include, --exclude


class Frontier:
    def __init__(
        self,
        store: FrontierStore,
        scope: Scope,
        stats: Stats,
        config: FrontierConfig | None = None,
        known: KnownArticles | None = None,
    ) -> None:
        self.store = store
        self.scope = scope
        self.stats = stats
        self.config = config or FrontierConfig()
        self.known = known
        self.handed_out = 0
        self.router: Router | None = None  # set in a crawl shard: other shards' hosts go there
        self.shared_budget: SharedBudget | None = None  # set in a crawl shard: max_pages is the run's

    # -- admission -------------------------------------------------------------------------------

    def _screen(self, canonical: str) -> tuple[str | None, Verdict | None]:
        """Trap and scope checks of a URL not seen before; refusals are remembered like URLs."""
        screened = screen_url(canonical, self.config.trap_limits, self.config.now)
        if screened.url != canonical:  # a session id was stripped: the rest is the page
            canonical = canonicalize_url(screened.url) or canonical
        if screened.reason is not None:
            return self._refuse(canonical, State.TRAP, f"seedcrawl/trap/{screened.reason}")
        if not self.scope.contains(canonical):
            # Same stat name as the scope middleware, so the summary's count keeps its meaning.
            return self._refuse(canonical, State.OUT_OF_SCOPE, "seedcrawl/out_of_scope")
        return canonical, None

    def _refuse(self, canonical: str, state: State, stat: str) -> tuple[None, Verdict]:
        key = url_key(canonical)
        if self.store.state(key) is None:
            self.store.mark(key, state)
            self.stats.inc_value(stat)  # once per distinct URL, however many pages link to it
        return None, _REFUSALS[state]

    def _lookup(self, url: str) -> tuple[str | None, State | Verdict | None]:
        """The canonical URL and what the frontier knows of it: its state, a refusal, or None.

        The seen-check comes straight after canonicalisation: most links on a page (navigation,
        related lists) were seen before, and their trap and scope verdicts are remembered, so
        only new URLs pay for the checks.
        """
        canonical = canonicalize_url(url)
        if canonical is None:
            return None, Verdict.INVALID
        state = self.store.state(url_key(canonical))
        if state is None:
            screened, refused = self._screen(canonical)
            if screened is None:
                return None, refused
            if screened != canonical:
                canonical, state = screened, self.store.state(url_key(screened))
        if state in _REFUSALS:
            return None, _REFUSALS[state]
        return canonical, state

    def admit(self, url: str, kind: Kind, priority: int, depth: int, via: str | None = None) -> Verdict:
        verdict = self._admit(url, kind, priority, depth, via)
        self.stats.inc_value(f"seedcrawl/frontier/{verdict}")
        return verdict

    def _admit(self, url: str, kind: Kind, priority: int, depth: int, via: str | None) -> Verdict:
        canonical, state = self._lookup(url)
        if canonical is None:
            return state if isinstance(state, Verdict) else Verdict.INVALID
        key = url_key(canonical)
        if state is State.PARKED:
            self.store.improve(key, priority, depth)
            return Verdict.REFOUND
        if state is not None:
            return Verdict.SEEN
        rules = self.config.rules
        if (kind is Kind.PAGE and not rules.allows_page(canonical)) or (
            kind.is_discovery and rules.seeds_only
        ):
            self.store.mark(key, State.OUT_OF_SCOPE)  # by URL alone: remembered like a scope refusal
            self.stats.inc_value("seedcrawl/scope/excluded")
            return Verdict.OUT_OF_SCOPE
        limit = self.config.depth_limit
        if limit and depth > limit and not kind.is_discovery:
            return Verdict.TOO_DEEP  # not remembered: a shorter path may still lead here
        entry = Entry(canonical, kind.value, priority, depth, via)
        if self.router is not None and not self.router.owns(entry.host):
            # Remembered as taken here (the owner decides the rest), so it is sent once at most.
            self.store.mark(key, State.TAKEN)
            self.router.hand_off(entry)
            return Verdict.HANDED_OFF
        refetch = False
        if kind is Kind.PAGE and self.is_known(canonical):
            if not self.config.refetch:
                self.store.mark(key, State.TAKEN)
                self.stats.inc_value("seedcrawl/incremental/known_skipped")
                return Verdict.KNOWN
            refetch = True
        self.store.park(
            key, Entry(canonical, kind.value, priority, depth, via, refetch) if refetch else entry
        )
        return Verdict.ADMITTED

    def admit_requisite(self, url: str, level: int, via: str, priority: int) -> Verdict:
        """Park a page requisite, whatever its host (the scope is for pages), once per run.

        `level` is how many stylesheets deep it was found (0: on the page). A URL refused as a
        page (another host, an excluded URL) may still be a requisite; one fetched already is not
        fetched again this run.
        """
        canonical = canonicalize_url(url)
        if canonical is None:
            verdict = Verdict.INVALID
        elif not self.config.rules.allows_requisite(canonical):
            verdict = Verdict.OUT_OF_SCOPE
        else:
            key = url_key(canonical)
            state = self.store.state(key)
            if state in (State.PARKED, State.TAKEN):
                verdict = Verdict.SEEN
            else:
                self.store.park_over(key, Entry(canonical, Kind.REQUISITE.value, priority, level, via))
                verdict = Verdict.ADMITTED
        self.stats.inc_value(f"seedcrawl/requisites/{verdict}")
        return verdict

    def is_known(self, canonical: str) -> bool:
        """An article the corpus holds; listings never count, they are fetched every run.

        A page the resumed run itself archived (and processing may have added to the corpus since)
        is not: it is replayed from the archive, so that the links it holds are followed again.
        """
        return (
            self.known is not None
            and not looks_like_listing(canonical)
            and canonical in self.known
            and self.store.archived(url_key(canonical)) is None
        )

    # -- leaving -------------------------------------------------------------------------------

    def take(self, n: int, per_host: int | None = None, busy: Mapping[str, int] | None = None) -> list[Entry]:
        """Up to `n` of the best parked entries, within what is left of the budget.

        With `per_host`, no host gets more than that many requests out at once, counting the
        `busy` ones it already has: entries beyond what a host can download now would only wait
        in its download slot, committed before better ones are found.
        """
        if n <= 0:
            return []
        room = self._room(n)
        only: str | None = None
        if room is not None:
            if room <= 0:
                if self.store.has_parked_besides(Kind.REQUISITE.value):
                    self.stats.set_value("seedcrawl/budget_exhausted", 1)
                only = Kind.REQUISITE.value  # requisites of pages fetched are not in the budget
            else:
                n = room
        if per_host is None:
            found = self.store.peek(n, only_kind=only)
            self.store.remove([key for key, _ in found])
            entries = [entry for _, entry in found]
        else:
            entries = self._take_per_host(n, per_host, busy or {}, only)
        return self._spend(entries)

    def _room(self, n: int) -> int | None:
        """How many pages of `n` the budget allows now; None without a budget.

        A crawl shard reads the run's count in Redis, so `max_pages` bounds the whole run, not
        each shard. It claims only the pages it took (`_spend`), never more to give back later:
        a claim held for a moment would tell another shard the budget is spent, and a shard that
        goes idle on that, with pages parked, may end the crawl short of its budget."""
        budget = self.config.max_pages
        if budget is None:
            return None
        if self.shared_budget is not None:
            return min(n, budget - self.shared_budget.spent())
        return min(n, budget - self.handed_out)

    def _spend(self, entries: list[Entry]) -> list[Entry]:
        """The entries handed out, their pages counted; in a crawl shard, pages another shard
        claimed since `_room` read the count are parked again."""
        pages = [entry for entry in entries if entry.kind != Kind.REQUISITE.value]
        budget = self.config.max_pages
        if self.shared_budget is not None and budget is not None and pages:
            granted = self.shared_budget.claim(len(pages), budget)
            if granted < len(pages):
                # the lowest-priority pages (taken last) go back; requisites never count
                excess = {id(entry) for entry in pages[granted:]}
                for entry in pages[granted:]:
                    self.store.repark(url_key(entry.url), entry)
                entries = [entry for entry in entries if id(entry) not in excess]
                pages = pages[:granted]
        self.handed_out += len(pages)
        return entries

    def take_archived(self, n: int) -> list[Entry]:
        """Up to `n` of the best parked entries a resumed run archived already (see crawler/run/replay.py).

        They count against the page budget like any entry handed out: they were, before the crash.
        """
        room = self._room(n)
        only = None
        if room is not None:
            if room <= 0:
                only = Kind.REQUISITE.value
            else:
                n = room
        return self._spend(self.store.pop_archived(n, only))

    def repark(self, entry: Entry) -> None:
        """Park `entry` to be fetched, whatever became of its URL (replay found it was not archived)."""
        self.store.repark(url_key(entry.url), entry)

    def _take_per_host(
        self, n: int, per_host: int, busy: Mapping[str, int], only_kind: str | None = None
    ) -> list[Entry]:
        room = {host: per_host - count for host, count in busy.items()}
        full = {host for host, left in room.items() if left <= 0}
        taken: list[Entry] = []
        while len(taken) < n:
            candidates = self.store.peek(n - len(taken), full, only_kind)
            if not candidates:
                break
            keys = []
            for key, entry in candidates:
                host = entry.host
                left = room.setdefault(host, per_host)
                if left <= 0:
                    continue
                room[host] = left - 1
                keys.append(key)
                taken.append(entry)
            self.store.remove(keys)
            # Each round either hands out an entry or rules out a host, so the loop ends.
            full |= {host for host, left in room.items() if left <= 0}
        return taken

    @property
    def parked(self) -> int:
        return self.store.parked

    def claim_redirect(self, url: str) -> Verdict:
        """A redirect hop is about to fetch `url`: admit it unless it was fetched, or is known."""
        canonical, state = self._lookup(url)
        if canonical is None:
            return state if isinstance(state, Verdict) else Verdict.INVALID
        if not self.config.refetch and self.is_known(canonical):
            self.store.take(url_key(canonical))
            self.stats.inc_value("seedcrawl/incremental/known_skipped")
            return Verdict.KNOWN
        before = self.store.take(url_key(canonical))
        # A parked target is fetched now, through the redirect, and leaves the parked table.
        return Verdict.SEEN if before is State.TAKEN else Verdict.ADMITTED

    def claim_requisite_redirect(self, url: str) -> Verdict:
        """A requisite redirects to `url` (any host): fetch it unless this run fetched it already."""
        canonical = canonicalize_url(url)
        if canonical is None:
            return Verdict.INVALID
        if not self.config.rules.allows_requisite(canonical):
            return Verdict.OUT_OF_SCOPE
        before = self.store.take(url_key(canonical))
        return Verdict.SEEN if before is State.TAKEN else Verdict.ADMITTED

    def claim_canonical(self, page_url: str, canonical: str) -> bool:
        """A fetched page declares another (trusted) canonical URL; True if its links are new.

        The mapping is recorded. When the canonical page was already handed out (fetched or in
        flight) this page is a second copy of it and its links were or will be followed there;
        otherwise this page stands for it, and the canonical URL itself is not fetched.
        """
        self.store.add_alias(page_url, canonical)
        self.stats.inc_value("seedcrawl/canonical/aliases")
        before = self.store.take(url_key(canonical))
        if before is State.TAKEN:
            self.stats.inc_value("seedcrawl/canonical/duplicate_pages")
            return False
        return True

    def commit(self) -> None:
        self.store.commit()

    def close(self) -> None:
        self.store.close()
