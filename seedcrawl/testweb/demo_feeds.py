"""Machine-readable files of a demo site: robots.txt, RSS/Atom feeds, sitemaps."""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import format_datetime
from xml.sax.saxutils import escape

from seedcrawl.testweb.catalog import Article
from seedcrawl.testweb.page_layout import View
from seedcrawl.testweb.pages import teaser

FEED_SIZE = 10  # feeds carry the newest articles only, as real ones do
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def robots_txt(view: View) -> str:
    return (
        f"# robots.txt for {view.style.title}\n"
        "User-agent: *\n"
        "Disallow: /private/\n"
        "\n"
        "User-agent: BadBot\n"
        "Disallow: /\n"
        "\n"
        f"Sitemap: {view.base_url}/sitemap.xml\n"
    )


def sentinel_robots_txt() -> str:
    # Everything is allowed on purpose: only scope rules keep a crawler away from this host.
    return "User-agent: *\nAllow: /\n"


def rss(view: View) -> str:
    items = "".join(
        f"""<item>
<title>{escape(a.story.title)}</title>
<link>{view.base_url}{a.path}</link>
<guid isPermaLink="true">{view.base_url}{a.path}</guid>
<pubDate>{format_datetime(a.story.published)}</pubDate>
{f"<dc:creator>{escape(a.story.byline)}</dc:creator>" if a.story.byline else ""}
<category>{escape(view.section_label(a.section))}</category>
<description>{escape(teaser(a))}</description>
</item>
"""
        for a in view.articles[:FEED_SIZE]
    )
    updated = max(a.modified for a in view.articles)
    return f"""{XML_HEAD}<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(view.style.title)}</title>
<link>{view.base_url}/</link>
<atom:link href="{view.base_url}/feed.xml" rel="self" type="application/rss+xml"/>
<description>{escape(view.style.tagline)}</description>
<language>en</language>
<lastBuildDate>{format_datetime(updated)}</lastBuildDate>
{items}</channel>
</rss>
"""


def atom(view: View) -> str:
    entries = "".join(
        f"""<entry>
<title>{escape(a.story.title)}</title>
<link rel="alternate" type="text/html" href="{view.base_url}{a.path}"/>
<id>{view.base_url}{a.path}</id>
<published>{a.story.published.isoformat()}</published>
<updated>{a.modified.isoformat()}</updated>
{f"<author><name>{escape(a.story.byline)}</name></author>" if a.story.byline else ""}
<summary>{escape(teaser(a))}</summary>
</entry>
"""
        for a in view.articles[:FEED_SIZE]
    )
    updated = max(a.modified for a in view.articles)
    return f"""{XML_HEAD}<feed xmlns="http://www.w3.org/2005/Atom">
<title>{escape(view.style.title)}</title>
<subtitle>{escape(view.style.tagline)}</subtitle>
<link rel="self" href="{view.base_url}/atom.xml"/>
<link rel="alternate" type="text/html" href="{view.base_url}/"/>
<id>{view.base_url}/</id>
<updated>{updated.isoformat()}</updated>
{entries}</feed>
"""


def _url(loc: str, lastmod: str | None = None, extra: str = "") -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}{extra}</url>\n"


def urlset(view: View, *, pages: bool = True, articles: bool = True) -> str:
    """A plain sitemap of the site's listing pages and/or articles."""
    entries: list[str] = []
    if pages:
        entries.append(_url(view.base_url + "/"))
        entries += [_url(f"{view.base_url}/{slug}/") for slug, _ in view.style.sections]
        entries += [_url(f"{view.base_url}/tag/{tag}/") for tag in site_tags(view.articles)]
    if articles:
        entries += [_url(view.base_url + a.path, a.modified.date().isoformat()) for a in view.articles]
    body = "".join(entries)
    return f'{XML_HEAD}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n'


def sitemap_index(view: View, children: Iterable[str]) -> str:
    updated = max(a.modified for a in view.articles).isoformat()
    body = "".join(
        f"<sitemap><loc>{view.base_url}{path}</loc><lastmod>{updated}</lastmod></sitemap>\n"
        for path in children
    )
    return f'{XML_HEAD}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</sitemapindex>\n'


def news_sitemap(view: View) -> str:
    """A Google News sitemap: articles only, each with its publication date."""
    body = "".join(
        _url(
            view.base_url + a.path,
            a.modified.date().isoformat(),
            "<news:news><news:publication>"
            f"<news:name>{escape(view.style.title)}</news:name><news:language>{a.story.lang}</news:language>"
            f"</news:publication><news:publication_date>{a.story.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(a.story.title)}</news:title></news:news>",
        )
        for a in view.articles
    )
    return (
        f'{XML_HEAD}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{body}</urlset>\n'
    )


def site_tags(articles: Iterable[Article]) -> list[str]:
    return sorted({tag for a in articles for tag in a.placement.tags})
