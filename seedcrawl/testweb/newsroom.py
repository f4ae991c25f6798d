"""One demo news site's live content and the routes that serve it; articles can be added and edited."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from seedcrawl.testweb import demo_feeds, pages
from seedcrawl.testweb.catalog import Article, Placement, SiteStyle, charset_label
from seedcrawl.testweb.page_layout import View
from seedcrawl.testweb.responses import Request, Response, error_page, page, redirect
from seedcrawl.testweb.routes import Answer, Site, not_found
from seedcrawl.testweb.stories import Story

# Fixed modification time of pages that do not depend on articles (robots.txt, the private page).
FIXED_MODIFIED = datetime(2019, 11, 1, 6, 0, tzinfo=UTC)
FIRST_OLD_ID = 1001
# A 1x1 transparent GIF, answered for every /static/ image the pages reference.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
SITEMAP_CHILDREN = ("/sitemaps/articles.xml.gz", "/sitemaps/pages.xml")


class Newsroom:
    """The articles of one site and how each URL of it answers."""

    def __init__(self, style: SiteStyle, clock: Callable[[], datetime]) -> None:
        self.style = style
        self.site = Site(style.name, fallback=self._fallback)
        self.base_url = ""
        self.sentinel_url = ""
        self._clock = clock
        self._lock = threading.Lock()
        self._articles: dict[str, Article] = {}
        self._published = 0
        self._install_fixed_routes()

    # -- content ---------------------------------------------------------------------------------

    def view(self) -> View:
        with self._lock:
            arts = sorted(self._articles.values(), key=lambda a: (a.story.published, a.old_id), reverse=True)
        return View(self.style, self.base_url, self.sentinel_url, tuple(arts))

    def add(self, placement: Placement, modified: datetime | None = None) -> Article:
        story = placement.story
        with self._lock:
            old_id = FIRST_OLD_ID + len(self._articles)
            path = self._free_path(placement, old_id)
            article = Article(placement, path, old_id, modified or story.published)
            self._articles[path] = article
        self.site.add(path, lambda _request: self._article(path))
        return article

    def publish(
        self,
        title: str,
        body: Sequence[str],
        *,
        section: str | None = None,
        byline: str | None = None,
        on_topic: bool = False,
        tags: Sequence[str] = (),
    ) -> Article:
        section = section or self.style.sections[0][0]
        if section not in dict(self.style.sections):
            raise ValueError(f"{self.style.name} has no section {section!r}")
        now = self._clock()
        with self._lock:
            self._published += 1
            key = f"pub-{self.style.name}-{self._published}"
        slug = "-".join(re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-").split("-")[:9]) or key
        story = Story(
            key, title, slug, now, tuple(body), byline=byline, on_topic=on_topic, source="published"
        )
        return self.add(Placement(story, self.style.name, section, tuple(tags)), now)

    def update(self, path: str, body: Sequence[str] | None = None, *, title: str | None = None) -> Article:
        with self._lock:
            article = self._articles[path]
            story = replace(
                article.story,
                body=tuple(body) if body is not None else article.story.body,
                title=title if title is not None else article.story.title,
            )
            updated = replace(
                article, placement=replace(article.placement, story=story), modified=self._clock()
            )
            self._articles[path] = updated
        return updated

    def article_at(self, path: str) -> Article | None:
        with self._lock:
            return self._articles.get(path)

    def _free_path(self, placement: Placement, old_id: int) -> str:
        story = placement.story
        moment = story.published
        fields = {
            "section": placement.section,
            "yyyy": f"{moment:%Y}",
            "mm": f"{moment:%m}",
            "dd": f"{moment:%d}",
        }
        path = self.style.article_path.format(slug=story.slug, id=old_id + 3000, **fields)
        n = 2
        while path in self._articles:
            path = self.style.article_path.format(slug=f"{story.slug}-{n}", id=old_id + 3000, **fields)
            n += 1
        return path

    # -- responses -------------------------------------------------------------------------------

    def _html(
        self, text: str, kind: str, modified: datetime, encoding: str = "utf-8", *, label: bool = True
    ) -> Response:
        content_type = f"text/html; charset={charset_label(encoding)}" if label else "text/html"
        # Characters a legacy charset lacks become numeric character references, so the bytes stay valid.
        body = text.encode(encoding, errors="xmlcharrefreplace")
        return page(
            body,
            content_type,
            modified=modified,
            gzip=kind in self.style.gzip,
            chunked=kind in self.style.chunked,
        )

    def _article(self, path: str) -> Answer:
        view = self.view()
        article = next(a for a in view.articles if a.path == path)
        text, _chrome = pages.article_page(view, article)
        placement = article.placement
        return self._html(
            text, "article", article.modified, placement.encoding, label=placement.charset_in_header
        )

    def _home(self, _request: Request) -> Answer:
        view = self.view()
        response = self._html(pages.home_page(view), "home", _newest(view))
        response.headers += [("Set-Cookie", cookie) for cookie in self.style.home_cookies]
        return response

    def _section(self, slug: str) -> Callable[[Request], Answer]:
        def handle(request: Request) -> Answer:
            raw = request.query.get("page", ["1"])[0]
            view = self.view()
            text = pages.section_page(view, slug, int(raw) if raw.isdigit() else 1)
            return not_found(request) if text is None else self._html(text, "section", _newest(view))

        return handle

    def _tag(self, request: Request) -> Answer:
        view = self.view()
        tag = request.route_path.split("/")[2]
        if tag not in demo_feeds.site_tags(view.articles):
            return not_found(request)
        return self._html(pages.tag_page(view, tag), "tag", _newest(view))

    def _xml(self, text: str, content_type: str, *, kind: str = "sitemap") -> Response:
        view = self.view()
        return page(
            text.encode("utf-8"),
            f"{content_type}; charset=utf-8",
            modified=_newest(view),
            gzip=kind in self.style.gzip,
            chunked=kind in self.style.chunked,
        )

    def _legacy(self, request: Request) -> Answer:
        raw = request.query.get("id", [""])[0]
        view = self.view()
        target = next((a for a in view.articles if raw.isdigit() and a.old_id == int(raw)), None)
        return not_found(request) if target is None else redirect(self.base_url + target.path, 301)

    def _fallback(self, request: Request) -> Answer:
        route = request.route_path
        if route.startswith("/static/"):
            return page(PIXEL, "image/gif", modified=FIXED_MODIFIED)
        if route.startswith("/tag/") and route.count("/") == 3 and route.endswith("/"):
            return self._tag(request)
        return not_found(request)

    def _install_fixed_routes(self) -> None:
        add, style = self.site.add, self.style
        add("/", self._home)
        for slug, _label in style.sections:
            add(f"/{slug}/", self._section(slug))
        add("/robots.txt", self._robots)
        add(style.feed_path, self._feed)
        add("/sitemap.xml", self._sitemap)
        if style.sitemap == "index":
            add(SITEMAP_CHILDREN[0], self._gzipped_sitemap)
            add(SITEMAP_CHILDREN[1], self._pages_sitemap)
        add("/private/drafts/", self._private)
        add("/live/", error_page(503, "Live coverage is temporarily unavailable.", [("Retry-After", "120")]))
        add("/most-read/", error_page(500, "The most-read service failed."))
        add("/story.php", self._legacy)
        add("/go/editors-pick", self._editors_pick)

    def _robots(self, _request: Request) -> Answer:
        text = demo_feeds.robots_txt(self.view())
        return page(text.encode("utf-8"), "text/plain; charset=utf-8", modified=FIXED_MODIFIED)

    def _private(self, _request: Request) -> Answer:
        return self._html(pages.private_page(self.view()), "private", FIXED_MODIFIED)

    def _editors_pick(self, _request: Request) -> Answer:
        # First hop of a 302 -> 301 chain: the legacy URL redirects again to the article.
        return redirect(f"{self.base_url}/story.php?id={pages.editors_pick(self.view()).old_id}", 302)

    def _feed(self, _request: Request) -> Answer:
        view = self.view()
        if self.style.feed == "rss":
            return self._xml(demo_feeds.rss(view), "application/rss+xml", kind="feed")
        return self._xml(demo_feeds.atom(view), "application/atom+xml", kind="feed")

    def _sitemap(self, _request: Request) -> Answer:
        view = self.view()
        if self.style.sitemap == "index":
            return self._xml(demo_feeds.sitemap_index(view, SITEMAP_CHILDREN), "application/xml")
        if self.style.sitemap == "news":
            return self._xml(demo_feeds.news_sitemap(view), "application/xml")
        return self._xml(demo_feeds.urlset(view), "application/xml")

    def _pages_sitemap(self, _request: Request) -> Answer:
        return self._xml(demo_feeds.urlset(self.view(), articles=False), "application/xml")

    def _gzipped_sitemap(self, _request: Request) -> Answer:
        view = self.view()
        # A .xml.gz file, not a content coding: the body stays gzip for the client to unpack.
        body = gzip.compress(demo_feeds.urlset(view, pages=False).encode("utf-8"), mtime=0)
        return page(body, "application/x-gzip", modified=_newest(view))


def _newest(view: View) -> datetime:
    return max((a.modified for a in view.articles), default=FIXED_MODIFIED)
