"""Builds the ground-truth manifest entries of one newsroom from what it currently serves."""

from __future__ import annotations

import re

from seedcrawl.testweb import demo_feeds, pages
from seedcrawl.testweb.catalog import Article, SiteStyle, charset_label
from seedcrawl.testweb.newsroom import SITEMAP_CHILDREN, Newsroom
from seedcrawl.testweb.page_layout import View
from tests.support.testweb.manifest import ArticleTruth, PageTruth


def _traits(style: SiteStyle, kind: str) -> set[str]:
    found = set()
    if kind in style.gzip:
        found.add("gzip")
    if kind in style.chunked:
        found.add("chunked")
    return found


def _article_truth(view: View, article: Article, html: str, chrome: dict[str, list[str]]) -> ArticleTruth:
    story, placement = article.story, article.placement
    traits = _traits(view.style, "article")
    if placement.encoding != "utf-8":
        traits.add("charset-http" if placement.charset_in_header else "charset-meta")
    flat = list(dict.fromkeys(text for items in chrome.values() for text in items))
    return ArticleTruth(
        url=view.base_url + article.path,
        site=view.style.name,
        section=article.section,
        title=story.title,
        byline=story.byline,
        published=story.published.isoformat(),
        body=story.body,
        chrome=tuple(flat),
        chrome_by_kind={kind: tuple(dict.fromkeys(items)) for kind, items in chrome.items()},
        on_topic=story.on_topic,
        wire_group=placement.wire_group,
        source=story.source,
        lang=story.lang,
        charset=charset_label(placement.encoding),
        traits=frozenset(traits),
    )


def newsroom_truth(room: Newsroom) -> tuple[dict[str, ArticleTruth], dict[str, PageTruth], list[str]]:
    """Articles and other pages of one site, and the sentinel-host URLs its pages link to."""
    view = room.view()
    style, base, name = room.style, room.base_url, room.style.name
    articles: dict[str, ArticleTruth] = {}
    rendered: list[str] = [pages.home_page(view)]
    for article in view.articles:
        html, chrome = pages.article_page(view, article)
        rendered.append(html)
        articles[base + article.path] = _article_truth(view, article, html, chrome)

    found: dict[str, PageTruth] = {}

    def add(path: str, kind: str, status: int = 200, traits: set[str] | None = None, **extra: str) -> None:
        found[base + path] = PageTruth(base + path, name, kind, status, frozenset(traits or ()), **extra)

    home_traits = _traits(style, "home") | ({"set-cookie-x2"} if len(style.home_cookies) == 2 else set())
    add("/", "home", traits=home_traits)
    for slug, _label in style.sections:
        count = len(view.in_section(slug))
        for page_no in range(1, max(1, -(-count // pages.PAGE_SIZE)) + 1):
            add(
                f"/{slug}/" + ("" if page_no == 1 else f"?page={page_no}"),
                "section",
                traits=_traits(style, "section"),
            )
    for tag in demo_feeds.site_tags(view.articles):
        add(f"/tag/{tag}/", "tag", traits=_traits(style, "tag"))
    add(style.feed_path, "feed", traits=_traits(style, "feed"))
    add("/sitemap.xml", "sitemap")
    if style.sitemap == "index":
        add(SITEMAP_CHILDREN[0], "sitemap", traits={"gzip-file"})
        add(SITEMAP_CHILDREN[1], "sitemap")
    add("/robots.txt", "robots")
    add("/private/drafts/", "private")
    add("/live/", "error", 503, {"retry-after"})
    add("/most-read/", "error", 500)
    add("/podcasts/", "error", 404)

    old, pick = pages.archive_pick(view), pages.editors_pick(view)
    for target in (old, pick):
        location = base + target.path
        add(f"/story.php?id={target.old_id}", "redirect", 301, location=location, final_url=location)
    add(
        "/go/editors-pick",
        "redirect",
        302,
        location=f"{base}/story.php?id={pick.old_id}",
        final_url=base + pick.path,
    )

    pattern = re.compile(r'href="(' + re.escape(room.sentinel_url) + r'/[^"]*)"')
    sentinel_links = sorted({link for html in rendered for link in pattern.findall(html)})
    return articles, found, sentinel_links
