"""The page shell every demo page shares: head, cookie banner, masthead, newsletter box, footer."""

from __future__ import annotations

import html
from dataclasses import dataclass

from seedcrawl.testweb.catalog import Article, SiteStyle


@dataclass(frozen=True, slots=True)
class View:
    """What rendering one page of a site needs to know."""

    style: SiteStyle
    base_url: str  # "http://127.0.0.10:8000"
    sentinel_url: str  # base URL of the out-of-scope host
    articles: tuple[Article, ...]  # newest first

    def section_label(self, slug: str) -> str:
        return dict(self.style.sections).get(slug, slug.title())

    def in_section(self, slug: str) -> list[Article]:
        return [a for a in self.articles if a.section == slug]


class ChromeLog:
    """Records every boilerplate string a page renders, by kind, for the ground-truth manifest.

    Calling it returns the string HTML-escaped, so templates write `mark("share", "Share on X")`.
    """

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = {}

    def __call__(self, kind: str, text: str) -> str:
        self.by_kind.setdefault(kind, []).append(text)
        return esc(text)

    def attr(self, kind: str, text: str) -> str:
        """Like calling it, for a string shown in an attribute value (alt text)."""
        self.by_kind.setdefault(kind, []).append(text)
        return attr(text)


def esc(text: str) -> str:
    """Escape text content; quotes stay as they are, as CMS output usually has them."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape a double-quoted attribute value."""
    return html.escape(text, quote=True)


def shell(
    view: View,
    *,
    title: str,
    main: str,
    canonical: str,
    mark: ChromeLog,
    description: str = "",
    head: str = "",
    top: str = "",
    charset: str | None = "utf-8",
    lang: str = "en",
) -> str:
    """A full HTML document around `main`; `charset=None` leaves out <meta charset>."""
    style = view.style
    feed_type = "application/rss+xml" if style.feed == "rss" else "application/atom+xml"
    meta_charset = f'<meta charset="{charset}">\n' if charset else ""
    nav = "".join(f'<li><a href="/{slug}/">{esc(label)}</a></li>' for slug, label in style.sections)
    partner = ""
    if style.syndication_link:
        partner = (
            f'<li><a href="{view.sentinel_url}/syndication/">'
            f"{mark('footer', 'Syndicated content from our partners')}</a></li>"
        )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
{meta_charset}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="description" content="{attr(description)}">
<link rel="canonical" href="{canonical}">
<link rel="alternate" type="{feed_type}" title="{attr(style.title)}" href="{view.base_url}{style.feed_path}">
{head}<style>{style.css}</style>
</head>
<body class="site-{style.name}">
{top}<div id="cookie-notice" class="cookie-banner" role="dialog" aria-label="Cookie consent">
<p>{mark("cookie", style.cookie_text)}</p>
<button type="button" class="accept">{mark("cookie", "Accept all cookies")}</button>
<button type="button" class="settings">{mark("cookie", "Manage cookie settings")}</button>
</div>
<header class="masthead">
<a class="logo" href="/">{esc(style.title)}</a>
<p class="tagline">{mark("masthead", style.tagline)}</p>
<nav id="nav" class="primary" aria-label="Sections"><ul><li><a href="/">Home</a></li>{nav}<li><a href="/live/">Live</a></li></ul></nav>
</header>
<main id="main">
{main}
</main>
<aside class="newsletter">
<h2>{mark("newsletter", style.newsletter)}</h2>
<p>{mark("newsletter", style.newsletter_pitch)}</p>
<form action="/newsletter/subscribe" method="post"><input type="email" name="email" placeholder="you@example.org">
<button type="submit">{mark("newsletter", "Sign me up")}</button></form>
</aside>
<footer class="site-footer">
<ul class="footer-links"><li><a href="/most-read/">{mark("footer", "Most read this week")}</a></li>
<li><a href="/podcasts/">{mark("footer", "Listen to our podcasts")}</a></li>
<li><a href="{style.feed_path}">RSS</a></li>
<li><a href="/private/drafts/">{mark("footer", "Staff sign-in")}</a></li>{partner}</ul>
<p class="copyright">{mark("footer", f"© 2019 {style.title}. All rights reserved.")}</p>
</footer>
</body>
</html>
"""
