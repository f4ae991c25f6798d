"""The four demo news sites, and which story is published where and how it is served."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from seedcrawl.testweb.stories import Story, StorySet


@dataclass(frozen=True, slots=True)
class SiteStyle:
    """Identity, layout and serving quirks of one demo site."""

    name: str
    title: str
    tagline: str
    sections: tuple[tuple[str, str], ...]  # (slug, label)
    article_path: str  # format: {section} {yyyy} {mm} {dd} {slug} {id}
    feed: str  # "rss" (/feed.xml) or "atom" (/atom.xml)
    sitemap: str  # "index" (index + gzipped child), "news" (Google News) or "plain"
    css: str
    body_class: str  # class of the article-body container, which differs between real CMSs
    newsletter: str
    newsletter_pitch: str
    cookie_text: str
    gzip: frozenset[str] = frozenset()  # page kinds sent with Content-Encoding: gzip
    chunked: frozenset[str] = frozenset()  # page kinds sent with Transfer-Encoding: chunked
    home_cookies: tuple[str, ...] = ()  # Set-Cookie values sent with the home page
    partner_offers: bool = False  # home page links to the out-of-scope sentinel host
    syndication_link: bool = False  # footer links to the sentinel host
    staff: tuple[str, ...] = ("Staff reporter",)

    @property
    def feed_path(self) -> str:
        return "/feed.xml" if self.feed == "rss" else "/atom.xml"


def _css(ink: str, accent: str, font: str) -> str:
    return (
        f"body{{margin:0;font-family:{font};color:{ink};background:#fff}}"
        f".masthead{{border-bottom:4px solid {accent};padding:1rem 2rem}}"
        f".logo{{font-size:2.2rem;color:{ink};text-decoration:none}}"
        f"nav ul{{list-style:none;display:flex;gap:1rem;padding:0}}a{{color:{accent}}}"
        "main{max-width:46rem;margin:0 auto;padding:1rem}"
        ".cookie-banner,.newsletter,.support-us{background:#f4f1ea;padding:1rem;margin:1rem 0}"
        "figcaption{font-size:.85rem;color:#555}.site-footer{border-top:1px solid #ccc;padding:1rem 2rem}"
    )


SITES: tuple[SiteStyle, ...] = (
    SiteStyle(
        name="ledger",
        title="The Daily Ledger",
        tagline="Independent reporting since 1887",
        sections=(("world", "World"), ("business", "Business"), ("sport", "Sport"), ("tech", "Tech")),
        article_path="/{section}/{yyyy}/{mm}/{dd}/{slug}.html",
        feed="rss",
        sitemap="index",
        css=_css("#1a1a1a", "#8b0000", "Georgia, serif"),
        body_class="story-body",
        newsletter="The Ledger Morning Briefing",
        newsletter_pitch="The day's essential stories from the Ledger newsroom, in your inbox before breakfast.",
        cookie_text="The Daily Ledger uses cookies to remember your settings and to measure readership.",
        gzip=frozenset({"article"}),
        chunked=frozenset({"home"}),
        partner_offers=True,
        staff=("Harriet Vale", "Tom Okafor", "Lena Brandt"),
    ),
    SiteStyle(
        name="eurasia",
        title="Eurasia Review",
        tagline="Analysis and commentary from Lisbon to Vladivostok",
        sections=(("world", "World"), ("politics", "Politics"), ("economy", "Economy")),
        article_path="/{yyyy}/{mm}/{dd}/{slug}/",
        feed="atom",
        sitemap="news",
        css=_css("#222", "#1f5f8b", "'Helvetica Neue', Arial, sans-serif"),
        body_class="entry-content",
        newsletter="Eurasia Review Weekly Digest",
        newsletter_pitch="Our editors pick the week's sharpest analysis from across the continent.",
        cookie_text="Eurasia Review stores cookies on your device to improve site navigation.",
        gzip=frozenset({"home"}),
        chunked=frozenset({"section"}),
        syndication_link=True,
        staff=("Eurasia Review Staff", "Nadia Korsakova"),
    ),
    SiteStyle(
        name="capital",
        title="Capital Wire",
        tagline="Markets, money and the people who move them",
        sections=(("business", "Business"), ("tech", "Tech"), ("world", "World")),
        article_path="/news/{section}/{slug}-{id}",
        feed="rss",
        sitemap="plain",
        css=_css("#0b1f33", "#c77700", "Verdana, sans-serif"),
        body_class="article__body",
        newsletter="Capital Wire Closing Bell",
        newsletter_pitch="What moved the markets today, explained in five minutes after the close.",
        cookie_text="Capital Wire and its partners use cookies to personalise content and analyse traffic.",
        gzip=frozenset({"article"}),
        chunked=frozenset({"article", "tag"}),
        home_cookies=(
            "cw_session=5f1d3c9a8e72b4d0; Path=/; HttpOnly; SameSite=Lax",
            "cw_consent=undecided; Path=/; Max-Age=31536000",
        ),
        syndication_link=True,
        staff=("Marcus Bell", "Priya Raman", "Capital Wire Staff"),
    ),
    SiteStyle(
        name="courier",
        title="Northern Courier",
        tagline="News for the North, from the North",
        sections=(("world", "World"), ("sport", "Sport"), ("science", "Science"), ("culture", "Culture")),
        article_path="/{section}/{slug}/",
        feed="atom",
        sitemap="plain",
        css=_css("#102a12", "#2e7d32", "'Trebuchet MS', sans-serif"),
        body_class="article-text",
        newsletter="The Courier Evening Edition",
        newsletter_pitch="Local headlines, weather warnings and the best reads of the day at six o'clock.",
        cookie_text="Northern Courier sets cookies so the site works and so we can count our readers.",
        gzip=frozenset({"feed"}),
        chunked=frozenset({"article"}),
        partner_offers=True,
        staff=("Iain Mackay", "Freya Lund"),
    ),
)

ON_TOPIC_TAGS = ("russia", "diplomacy")
WIRE_GROUP = "wire-sochi-2015"
# Desk copy of the wire story drops this paragraph...
WIRE_DROPPED = (
    "The announcement that Kerry would meet with Putin came from the U.S. State Department Monday morning."
)
# ...and the Courier's copy adds this one of its own after the first paragraph.
WIRE_LOCAL = (
    "Sochi, the Black Sea resort that hosted the 2014 Winter Olympics, has become the Kremlin's preferred "
    "setting for receiving foreign visitors since Putin began spending much of the spring there."
)


@dataclass(frozen=True, slots=True)
class Placement:
    """A story published on a site, with how its page is encoded."""

    story: Story
    site: str
    section: str
    tags: tuple[str, ...] = ()
    wire_group: str | None = None
    encoding: str = "utf-8"
    charset_in_header: bool = True  # False: the charset is declared only by <meta charset>


def _wire_copies(source: Story) -> list[Placement]:
    """One wire story three ways: desk copy (one paragraph dropped), local rewrite, verbatim reprint."""
    desk_body = tuple(p for p in source.body if p != WIRE_DROPPED)
    assert len(desk_body) == len(source.body) - 1, "the dropped paragraph must be in the seed"
    desk = replace(source, key="wire-sochi-a", byline="Capital Wire staff and wire services", body=desk_body)
    local = replace(
        source,
        key="wire-sochi-b",
        title="Kerry meets Putin in Sochi as Washington reopens a high-level channel to Moscow",
        slug="kerry-meets-putin-in-sochi",
        byline="Northern Courier foreign desk",
        published=source.published + timedelta(hours=3),
        body=(source.body[0], WIRE_LOCAL, *source.body[1:]),
        chrome={},
    )
    reprint = replace(
        desk,
        key="wire-sochi-c",
        byline="Ledger wire desk",
        published=source.published + timedelta(hours=1),
        chrome={},
    )
    return [
        Placement(desk, "capital", "world", ON_TOPIC_TAGS, WIRE_GROUP),
        Placement(local, "courier", "world", ON_TOPIC_TAGS, WIRE_GROUP),
        Placement(reprint, "ledger", "world", ON_TOPIC_TAGS, WIRE_GROUP),
    ]


def placements(corpus: StorySet) -> list[Placement]:
    """Every article of the demo web, seeds first, in a fixed order."""
    seeds = corpus.seeds
    out = [
        Placement(seeds["seed-001"], "ledger", "world", ON_TOPIC_TAGS),
        # Served as windows-1251 and labelled so in the HTTP Content-Type only.
        Placement(seeds["seed-000"], "eurasia", "politics", ON_TOPIC_TAGS, encoding="cp1251"),
        Placement(seeds["seed-003"], "eurasia", "world", ON_TOPIC_TAGS),
        Placement(seeds["seed-002"], "courier", "world", ON_TOPIC_TAGS),
        *_wire_copies(seeds["seed-004"]),
    ]
    for item in corpus.filler:
        story = item.story
        staff = next(s.staff for s in SITES if s.name == item.site)
        story = replace(story, byline=staff[len(out) % len(staff)])
        if story.lang == "ru":
            # Windows-1251 labelled only by <meta charset>, as many older Russian sites still do.
            out.append(Placement(story, item.site, item.section, encoding="cp1251", charset_in_header=False))
        else:
            out.append(Placement(story, item.site, item.section))
    return out


@dataclass(frozen=True, slots=True)
class Article:
    """A placement as currently served: at a path, with an old id for legacy URLs, last modified when."""

    placement: Placement
    path: str
    old_id: int  # answers /story.php?id=<old_id> with a 301 to `path`
    modified: datetime

    @property
    def story(self) -> Story:
        return self.placement.story

    @property
    def section(self) -> str:
        return self.placement.section


def charset_label(encoding: str) -> str:
    """The charset name to put in HTTP and HTML for a Python codec name."""
    return "windows-1251" if encoding == "cp1251" else encoding
