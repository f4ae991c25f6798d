"""What a page needs to display (crawler/discover/requisites.py) and the scope options (crawler/discover/scope_rules.py)."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from seedcrawl.crawler.discover.requisites import css_requisites, html_requisites, is_stylesheet, srcset_urls
from seedcrawl.crawler.discover.scope_rules import (
    PageRules,
    ScopeRuleError,
    patterns_setting,
    registered_domain,
    scope_hosts,
)
from seedcrawl.crawler.discover.urls import Scope

PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/css/site.css">
<link rel="alternate stylesheet" href="/css/alt.css">
<link rel="shortcut icon" href="/favicon.ico">
<link rel="apple-touch-icon" href="/touch.png">
<link rel="preload" as="font" href="//cdn.test/f.woff2">
<link rel="alternate" type="application/rss+xml" href="/feed">
<link rel="canonical" href="/a">
<script src="https://cdn.test/app.js"></script>
<script>var inline = "url(/not-css.png)";</script>
<style>@import url("print.css"); body { background: url('/img/bg.png') } /* url(/commented.png) */</style>
</head><body>
<img src="/img/a.png" srcset="/img/a-1x.png 1x, https://cdn.test/img/a-2x.png 2x">
<img data-src="/img/lazy.png" data-srcset="/img/lazy-2x.png 2x" src="data:image/gif;base64,R0lGOD">
<picture><source srcset="/img/p.webp 480w, /img/p-big.webp 960w" type="image/webp"><img src="/img/p.jpg"></picture>
<div style="background-image: url(&quot;/img/inline.png&quot;)">x</div>
<video poster="/img/poster.jpg" src="/media/v.mp4"><source src="/media/v.webm"><track src="/media/v.vtt"></video>
<audio src="/media/a.mp3"></audio>
<input type="image" src="/img/button.png"><input type="text" src="/img/not-this.png">
<a href="/next.html">a link, not a requisite</a>
<img src="/img/a.png#again">
</body></html>"""


def _requisites(text: str, url: str = "http://news.test/news/page.html") -> list[str]:
    return html_requisites(lxml_html.fromstring(text), url)


def test_every_kind_of_requisite_is_found_once_in_document_order() -> None:
    assert _requisites(PAGE) == [
        "http://news.test/css/site.css",
        "http://news.test/css/alt.css",
        "http://news.test/favicon.ico",
        "http://news.test/touch.png",
        "http://cdn.test/f.woff2",
        "https://cdn.test/app.js",
        "http://news.test/news/print.css",
        "http://news.test/img/bg.png",
        "http://news.test/img/a.png",
        "http://news.test/img/a-1x.png",
        "https://cdn.test/img/a-2x.png",
        "http://news.test/img/lazy.png",
        "http://news.test/img/lazy-2x.png",
        "http://news.test/img/p.webp",
        "http://news.test/img/p-big.webp",
        "http://news.test/img/p.jpg",
        "http://news.test/img/inline.png",
        "http://news.test/media/v.mp4",
        "http://news.test/img/poster.jpg",
        "http://news.test/media/v.webm",
        "http://news.test/media/v.vtt",
        "http://news.test/media/a.mp3",
        "http://news.test/img/button.png",
    ]


def test_relative_references_resolve_against_base_href() -> None:
    found = _requisites(
        '<html><head><base href="https://static.test/v2/"></head><body><img src="x.png"></body></html>'
    )
    assert found == ["https://static.test/v2/x.png"]


def test_srcset_candidates_may_hold_commas_and_descriptors() -> None:
    assert srcset_urls("a.jpg 1x, b,c.jpg 2x,d.jpg") == ["a.jpg", "b,c.jpg", "d.jpg"]
    assert srcset_urls("  img.png  100w (foo, bar) , x.png") == ["img.png", "x.png"]
    assert srcset_urls("") == []


def test_css_urls_imports_and_font_faces() -> None:
    css = """
    @import "base.css";
    @import url(https://fonts.test/family.css) screen;
    @font-face { font-family: F; src: url(../fonts/f.woff2) format("woff2"), url('../fonts/f.woff') format("woff"); }
    h1 { background: url( "img/h.png" ) no-repeat; }
    /* .old { background: url(old.png) } */
    .data { background: url(data:image/png;base64,iVBOR) }
    """
    assert css_requisites(css, "http://cdn.test/css/site.css") == [
        "http://cdn.test/css/base.css",
        "https://fonts.test/family.css",
        "http://cdn.test/fonts/f.woff2",
        "http://cdn.test/fonts/f.woff",
        "http://cdn.test/css/img/h.png",
    ]


def test_a_page_lxml_could_not_parse_has_no_requisites() -> None:
    assert html_requisites(object(), "http://news.test/") == []


def test_stylesheets_are_known_by_content_type_or_else_by_extension() -> None:
    assert is_stylesheet("text/css; charset=utf-8", "http://x/a")
    assert not is_stylesheet("image/png", "http://x/a.css")
    assert is_stylesheet(None, "http://x/a.css?v=3")


SEEDS = ["http://news.test/world/index.html", "http://news.test/sport/"]


def test_prefix_scope_follows_pages_under_a_seed_path_only() -> None:
    rules = PageRules.build("prefix", SEEDS)
    assert rules.allows_page("http://news.test/world/2026/story.html")
    assert rules.allows_page("http://news.test/sport/")
    assert not rules.allows_page("http://news.test/business/story.html")
    assert not rules.allows_page("http://news.test/worldwide.html")


def test_page_scope_follows_nothing_but_requisites() -> None:
    rules = PageRules.build("page", SEEDS)
    assert rules.seeds_only and not rules.allows_page("http://news.test/world/index.html?p=2")
    assert rules.allows_requisite("http://cdn.test/site.css")


def test_include_and_exclude_apply_to_pages_and_exclude_requisites_to_requisites() -> None:
    rules = PageRules.build("host", SEEDS, [r"/world/", r"/sport/"], [r"\?print=1"], [r"\.mp4$"])
    assert rules.allows_page("http://news.test/world/a.html")
    assert not rules.allows_page("http://news.test/world/a.html?print=1")
    assert not rules.allows_page("http://news.test/tech/a.html")
    assert rules.allows_requisite("http://cdn.test/world/a.png")  # --exclude never applies to requisites
    assert not rules.allows_requisite("http://cdn.test/v.mp4")


def test_bad_options_are_named() -> None:
    with pytest.raises(ScopeRuleError, match=r"--exclude: bad regular expression '\(unclosed'"):
        PageRules.build("host", SEEDS, exclude=["(unclosed"])
    with pytest.raises(ScopeRuleError, match="--scope takes one of host, domain, prefix, page"):
        PageRules.build("site", SEEDS)


def test_domain_scope_is_the_registered_domain_and_its_subdomains() -> None:
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("www.example.com") == "example.com"
    assert registered_domain("127.0.0.5") == "127.0.0.5"
    scope = Scope.parse(["www.bbc.co.uk", *scope_hosts("domain", ["https://www.bbc.co.uk/news"])])
    assert scope.contains("https://bbc.co.uk/") and scope.contains("https://sport.bbc.co.uk/x")
    assert not scope.contains("https://notbbc.co.uk/") and not scope.contains("https://co.uk/")
    assert scope_hosts("host", ["https://www.bbc.co.uk/news"]) == []


def test_regex_settings_are_a_json_list_or_one_regex() -> None:
    assert patterns_setting('["a,b", "c"]') == ["a,b", "c"]
    assert patterns_setting("x{1,2}") == ["x{1,2}"]
    assert patterns_setting(["a"]) == ["a"] and patterns_setting(None) == [] and patterns_setting("") == []
