"""Outlinks as the spider follows them: resolved, distinct, and only to pages."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from seedcrawl.crawler.discover.links import page_links

PAGE = "http://news.example/section/world/index.html"


def links_of(body: str, url: str = PAGE) -> list[tuple[str, str]]:
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8")
    return [(link.url, link.text) for link in page_links(response)]


def test_links_resolve_against_the_page_and_keep_their_anchor_text() -> None:
    body = """<html><body>
      <a href="../politics/talks.html">Kerry  meets <b>Lavrov</b></a>
      <a href=" /about ">About</a>
      <map><area href="/map-target" alt="x"></map>
      <a href="http://other.example/story">Elsewhere</a>
    </body></html>"""
    assert links_of(body) == [
        ("http://news.example/section/politics/talks.html", "Kerry meets Lavrov"),
        ("http://news.example/about", "About"),
        ("http://news.example/map-target", ""),
        ("http://other.example/story", "Elsewhere"),  # scope is the frontier's job, not this one's
    ]


def test_a_base_element_changes_what_relative_links_mean() -> None:
    body = '<html><head><base href="http://cdn.news.example/archive/"></head><body><a href="a.html">A</a></body></html>'
    assert links_of(body) == [("http://cdn.news.example/archive/a.html", "A")]


def test_fragments_duplicates_non_web_schemes_and_files_are_not_followed() -> None:
    body = """<html><body>
      <a href="/story#comments">Comments</a><a href="/story">Story</a><a href="#top">Top</a>
      <a href="mailto:desk@news.example">Mail</a><a href="javascript:void(0)">JS</a>
      <a href="tel:+100">Call</a><a href="">empty</a><a>no href</a>
      <a href="/photo.JPG">Photo</a><a href="/report.pdf">PDF</a><a href="/feed.xml">Feed</a>
      <a href="http://[::1">broken</a>
    </body></html>"""
    assert links_of(body) == [
        ("http://news.example/story", "Comments"),
        ("http://news.example/section/world/index.html", "Top"),
        ("http://news.example/feed.xml", "Feed"),
    ]
