"""A generated web of news sites where the seeds' topic is a small minority, for focus benchmarks.

Topic articles (the 2015 US-Russia talks) are recombined from the bundled seed texts, the rest
from the bundled filler, by a seeded generator. Some topic headlines name nobody, and some
off-topic ones name Russia, Syria or Kerry County, so anchor text alone cannot sort them. Sites
differ as real ones do: slugs or opaque ids; RSS, Atom or no feed; a sitemap index with a gzipped
child, a Google News sitemap, a plain one, one only at /sitemap.xml, or none. Every article is
listed on paginated section pages. `with FocusWeb() as web: web.seed_urls, web.on_topic, web.log`
"""

from __future__ import annotations

import gzip
import html
import ipaddress
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

from seedcrawl.testweb.routes import Answer, not_found
from seedcrawl.testweb.stories import load_corpus
from tests.support.testweb import Request, RequestLog, Site, SiteServer, page

PEOPLE = ("Kerry", "Lavrov", "Putin", "Obama", "Nuland", "Russian diplomats", "U.S. officials")
PLACES = ("Sochi", "Moscow", "Geneva", "Vienna", "Washington", "the Kremlin")
ISSUES = ("Syria", "Ukraine", "sanctions", "the Iran nuclear talks", "the Minsk agreements", "Islamic State")
TOPIC_TITLES = (
    "{a} and {b} meet in {place} as talks on {issue} resume",
    "{a} presses {b} on {issue} ahead of {place} meeting",
    "What {a}'s trip to {place} means for {issue}",
    "{a} says talks with {b} on {issue} were frank",
    "After {place}, {a} and {b} still far apart on {issue}",
)
VAGUE_TITLES = (
    "Diplomats return to the table",
    "A thaw, for now",
    "Behind closed doors at the Black Sea resort",
    "Old rivals open a new channel",
    "Four hours of talks and a careful statement",
)
HARD_NEGATIVE_TITLES = (
    "Russia edges Ukraine in ice hockey qualifier",
    "Syria-born chef opens her third restaurant",
    "Kerry County farmers count the cost of the storm",
    "Moscow ballet tour sells out in record time",
    "Putin biopic divides critics at film festival",
)
SECTIONS = ("world", "politics", "business", "sport", "culture", "science")
TOPIC_SECTIONS = ("world", "politics")
# (article path, feed, sitemap) per site, cycled: every discovery path a real news site offers.
SLUG, SLUG_ID, ID = "/{section}/{when:%Y/%m/%d}/{slug}.html", "/news/{slug}-{ident}", "/a/{ident}"
SITE_STYLES: tuple[tuple[str, str | None, str | None], ...] = (
    (SLUG, "rss", "index"),
    (SLUG_ID, None, "news"),
    (ID, None, "plain"),
    (ID, "rss", None),
    (SLUG, "atom", "plain"),
    (SLUG_ID, None, "hidden"),
)
FEED_SIZE = 20
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass(frozen=True, slots=True)
class FocusWebConfig:
    sites: int = 6
    articles_per_site: int = 220
    on_topic_share: float = 0.07
    vague_share: float = 0.1  # of topic articles
    hard_negative_share: float = 0.03  # of all articles
    page_size: int = 15  # articles per listing page
    seed: int = 2015
    first_host: str = "127.0.0.50"


@dataclass(frozen=True, slots=True)
class Article:
    path: str
    section: str
    title: str
    body: tuple[str, ...]
    published: datetime
    on_topic: bool


def _slug(title: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split()[:9])


class _Writer:
    """Makes the articles of the whole web from the bundled texts, deterministically."""

    def __init__(self, config: FocusWebConfig) -> None:
        corpus = load_corpus()
        self.rng = random.Random(config.seed)
        self.config = config
        self.topic = [_sentences(story.body) for story in corpus.seeds.values()]
        self.filler = [_sentences(f.story.body) for f in corpus.filler if f.story.lang == "en"]
        self.next_id = 180_000

    def article(self, style: str, on_topic: bool, when: datetime) -> Article:
        rng = self.rng
        if on_topic:
            a, b = rng.sample(PEOPLE, 2)
            title = (
                rng.choice(VAGUE_TITLES)
                if rng.random() < self.config.vague_share
                else rng.choice(TOPIC_TITLES).format(
                    a=a, b=b, place=rng.choice(PLACES), issue=rng.choice(ISSUES)
                )
            )
            body = self._chunk(rng.choice(self.topic), 4) + self._chunk(rng.choice(self.topic), 3)
            body += self._chunk(rng.choice(self.filler), 1)
            section = rng.choice(TOPIC_SECTIONS)
        else:
            source = rng.choice(self.filler)
            if rng.random() < self.config.hard_negative_share / (1 - self.config.on_topic_share):
                title = rng.choice(HARD_NEGATIVE_TITLES)
            else:
                words = rng.choice(source).split()[: rng.randint(6, 10)]
                title = " ".join(words).strip(".,;:!?\"“”'")
            body = self._chunk(source, 6) + self._chunk(rng.choice(self.filler), 3)
            section = rng.choice(SECTIONS)
        self.next_id += rng.randint(1, 40)
        path = style.format(section=section, when=when, slug=_slug(title), ident=self.next_id)
        return Article(path, section, title, tuple(body), when, on_topic)

    def _chunk(self, sentences: list[str], n: int) -> list[str]:
        start = self.rng.randrange(max(1, len(sentences) - n + 1))
        return sentences[start : start + n]


def _sentences(paragraphs: tuple[str, ...]) -> list[str]:
    return [s for p in paragraphs for s in _SENTENCE.split(p) if len(s.split()) >= 4]


def _html(title: str, main: str, canonical: str, head: str = "") -> bytes:
    nav = "".join(f'<a href="/{s}/">{s.title()}</a> ' for s in SECTIONS)
    text = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<link rel="canonical" href="{canonical}">{head}</head><body><nav><a href="/">Home</a> {nav}</nav>'
        f"<main>{main}</main><footer><p>Copyright 2015. All rights reserved.</p></footer></body></html>"
    )
    return text.encode("utf-8")


def _li(article: Article) -> str:
    teaser = html.escape(article.body[0])
    return f'<li><a href="{article.path}">{html.escape(article.title)}</a><p class="teaser">{teaser}</p></li>'


class _NewsSite:
    def __init__(self, index: int, articles: list[Article], config: FocusWebConfig) -> None:
        self.style, self.feed, self.sitemap = SITE_STYLES[index % len(SITE_STYLES)]
        self.articles = sorted(articles, key=lambda a: a.published, reverse=True)
        self.config = config
        self.site = Site(f"focus{index}")
        self.base = ""
        self.listing_pages = 0

    def install(self, base: str, rng: random.Random) -> None:
        self.base, add = base, self.site.add
        feed_link = ""
        if self.feed:
            path, mime = f"/{self.feed}.xml", f"application/{self.feed}+xml"
            feed_link = f'<link rel="alternate" type="{mime}" href="{path}">'
            add(path, page(self._feed_xml().encode(), f"{mime}; charset=utf-8"))
        sitemap_line = f"Sitemap: {base}/sitemap.xml\n" if self.sitemap in ("index", "news", "plain") else ""
        add("/robots.txt", page(f"User-agent: *\nDisallow: /private/\n{sitemap_line}".encode(), "text/plain"))
        if self.sitemap == "index":
            index = "".join(
                f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in ("/sm/articles.xml.gz", "/sm/pages.xml")
            )
            add("/sitemap.xml", page(_xml("sitemapindex", index), "application/xml"))
            add(
                "/sm/articles.xml.gz",
                page(gzip.compress(_xml("urlset", self._urls()), mtime=0), "application/x-gzip"),
            )
            add("/sm/pages.xml", page(_xml("urlset", self._urls(pages=True)), "application/xml"))
        elif self.sitemap is not None:
            news = self.sitemap == "news"
            add("/sitemap.xml", page(_xml("urlset", self._urls(news=news)), "application/xml"))
        latest = "".join(_li(a) for a in self.articles[:10])
        add("/", page(_html("Home", f"<h1>Latest</h1><ul>{latest}</ul>", base + "/", feed_link), "text/html"))
        for section in SECTIONS:
            add(f"/{section}/", self._listing(section))
        for article in self.articles:
            same = [a for a in self.articles if a.section == article.section and a is not article]
            related = "".join(_li(a) for a in rng.sample(same, min(4, len(same))))
            main = (
                f"<article><h1>{html.escape(article.title)}</h1>"
                + "".join(f"<p>{html.escape(p)}</p>" for p in article.body)
                + f"</article><aside><h2>Related</h2><ul>{related}</ul></aside>"
            )
            add(article.path, page(_html(article.title, main, base + article.path, feed_link), "text/html"))

    def _listing(self, section: str) -> Callable[[Request], Answer]:
        listed = [a for a in self.articles if a.section == section]
        size = self.config.page_size
        pages = max(1, -(-len(listed) // size))
        self.listing_pages += pages

        def handle(request: Request) -> Answer:
            raw = request.query.get("page", ["1"])[0]
            number = int(raw) if raw.isdigit() else 0
            if not 1 <= number <= pages:
                return not_found(request)
            items = "".join(_li(a) for a in listed[(number - 1) * size : number * size])
            more = f'<a rel="next" href="/{section}/?page={number + 1}">Older</a>' if number < pages else ""
            path = f"/{section}/" + (f"?page={number}" if number > 1 else "")
            main = f"<h1>{section.title()}</h1><ul>{items}</ul>{more}"
            return page(_html(section.title(), main, self.base + path), "text/html")

        return handle

    def _urls(self, pages: bool = False, news: bool = False) -> str:
        if pages:
            return "".join(f"<url><loc>{self.base}/{s}/</loc></url>" for s in ("", *SECTIONS))
        out = []
        for a in self.articles:
            extra = f"<news:news><news:title>{html.escape(a.title)}</news:title></news:news>" if news else ""
            out.append(
                f"<url><loc>{self.base}{a.path}</loc><lastmod>{a.published:%Y-%m-%d}</lastmod>{extra}</url>"
            )
        return "".join(out)

    def _feed_xml(self) -> str:
        link, head, tail = (
            ("<link>{}</link>", '<rss version="2.0"><channel>', "</channel></rss>")
            if self.feed == "rss"
            else ('<link href="{}"/>', '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>")
        )
        tag = "item" if self.feed == "rss" else "entry"
        body = "".join(
            f"<{tag}><title>{html.escape(a.title)}</title>{link.format(self.base + a.path)}</{tag}>"
            for a in self.articles[:FEED_SIZE]
        )
        return f'<?xml version="1.0"?>{head}<title>News</title>{body}{tail}'


def _xml(root: str, body: str) -> bytes:
    news = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if "<news:" in body else ""
    text = f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{news}>{body}</{root}>'
    return text.encode("utf-8")


class FocusWeb:
    """Serves the generated web on loopback; `on_topic` and `articles` are the ground truth."""

    def __init__(self, config: FocusWebConfig | None = None) -> None:
        self.config = config or FocusWebConfig()
        self.log = RequestLog()
        writer = _Writer(self.config)
        start = datetime(2015, 1, 1, tzinfo=UTC)
        self._sites: list[_NewsSite] = []
        for index in range(self.config.sites):
            style = SITE_STYLES[index % len(SITE_STYLES)][0]
            n_topic = round(self.config.articles_per_site * self.config.on_topic_share)
            flags = [i < n_topic for i in range(self.config.articles_per_site)]
            writer.rng.shuffle(flags)
            articles = [
                writer.article(style, flag, start + timedelta(hours=7 * i)) for i, flag in enumerate(flags)
            ]
            self._sites.append(_NewsSite(index, articles, self.config))
        self._rng = writer.rng
        self._servers: list[SiteServer] = []
        self.articles: dict[str, bool] = {}  # absolute URL -> on topic

    def __enter__(self) -> FocusWeb:
        first = ipaddress.IPv4Address(self.config.first_host)
        for i, news in enumerate(self._sites):
            server = SiteServer(news.site, str(first + i), 0, log=self.log).bind()
            news.install(server.base_url, self._rng)
            self.articles.update({server.base_url + a.path: a.on_topic for a in news.articles})
            self._servers.append(server.start())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for server in self._servers:
            server.stop()

    @property
    def seed_urls(self) -> list[str]:
        return [server.base_url + "/" for server in self._servers]

    @property
    def on_topic(self) -> set[str]:
        return {url for url, flag in self.articles.items() if flag}

    def page_count(self) -> int:
        """Every URL that answers 200 with content: articles, listings, feeds, sitemaps, robots.txt."""
        # Each section is one route, answering one listing page per `page_size` articles.
        return sum(len(news.site.paths()) - len(SECTIONS) + news.listing_pages for news in self._sites)
