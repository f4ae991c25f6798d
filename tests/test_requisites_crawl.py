"""Page requisites and scope options, crawled on loopback: a news site, a CDN host, a sentinel host.

The news site's articles use a stylesheet (which imports another and uses a web font and
images), a script, images (src, srcset, <picture>), an icon, inline CSS and media, mostly on the
CDN host. The CDN's robots.txt forbids one image and announces a sitemap; a page on the CDN is
linked from the site. Neither that page, nor the sitemap, nor anything on the sentinel host (linked
from the site, serving nothing the site needs) may be requested.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import WarcRecord, iter_records
from seedcrawl.packaging import Page, pages_from_index
from tests.support.cli import crawl, run_seedcrawl
from tests.support.pywb import PywbFactory
from tests.support.testweb import ServerGroup, Site, SiteServer, page

pytestmark = pytest.mark.slow

HTML = "text/html; charset=utf-8"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24


class RequisiteWeb(ServerGroup):
    """news (127.0.0.141), cdn (127.0.0.142) and sentinel (127.0.0.143), ports picked at bind time."""

    def __init__(self) -> None:
        self.news, self.cdn, self.sentinel = Site("news"), Site("cdn"), Site("sentinel")
        super().__init__(
            [
                SiteServer(self.news, host="127.0.0.141"),
                SiteServer(self.cdn, host="127.0.0.142"),
                SiteServer(self.sentinel, host="127.0.0.143"),
            ]
        )
        for server in self.servers:
            server.bind()
        news, cdn, sentinel = (server.base_url for server in self.servers)
        self.news_url, self.cdn_url, self.sentinel_url = news, cdn, sentinel
        self._build(news, cdn, sentinel)

    def _build(self, news: str, cdn: str, sentinel: str) -> None:
        self.news.add("/robots.txt", page(b"User-agent: *\nDisallow: /private/\n", "text/plain"))
        self.news.add("/news/", page(self._index(cdn, sentinel), HTML))
        for n in (1, 2):
            self.news.add(f"/news/a{n}.html", page(self._article(n, cdn), HTML))
        self.news.add("/other/x.html", page(self._plain("Outside the news section"), HTML))
        self.news.add("/", page(self._plain("Home"), HTML))
        self.news.add("/favicon.ico", page(PNG, "image/x-icon"))
        self.news.add("/private/draft.html", page(self._plain("Draft"), HTML))
        for name in ("a.png", "p.jpg", "bg.png", "poster.jpg"):
            self.news.add(f"/img/{name}", page(PNG + name.encode(), "image/png"))
        self.news.add("/media/a.mp3", page(b"ID3" + b"\0" * 64, "audio/mpeg"))
        self.cdn.add(
            "/robots.txt",
            page(f"User-agent: *\nDisallow: /private/\nSitemap: {cdn}/sitemap.xml\n".encode(), "text/plain"),
        )
        self.cdn.add(
            "/css/site.css",
            page(
                b'@import "base.css";\n@font-face { font-family: Serif; src: url(/fonts/serif.woff2) format("woff2"); }\n'
                b"h1 { background: url(../img/heading.png) }\n",
                "text/css",
            ),
        )
        self.cdn.add("/css/base.css", page(b"body { background: url('/img/base.png') }\n", "text/css"))
        self.cdn.add("/fonts/serif.woff2", page(b"wOF2" + b"\0" * 40, "font/woff2"))
        self.cdn.add("/js/app.js", page(b"document.documentElement.className = 'js';\n", "text/javascript"))
        for name in ("heading.png", "base.png", "a-2x.png", "p.webp", "inline.png", "private.png"):
            self.cdn.add(f"/img/{name}", page(PNG + name.encode(), "image/png"))
        self.cdn.add("/private/secret.png", page(PNG, "image/png"))
        for name in ("v.mp4", "v.webm"):
            self.cdn.add(f"/media/{name}", page(b"\0\0\0\x18ftyp" + name.encode(), "video/mp4"))
        self.cdn.add(
            "/page.html", page(self._plain("A page on the CDN", f'<a href="{cdn}/page2.html">on</a>'), HTML)
        )
        self.cdn.add("/sitemap.xml", page(b"<urlset></urlset>", "application/xml"))
        self.sentinel.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))

    def _plain(self, title: str, extra: str = "") -> bytes:
        return f"<!DOCTYPE html><html><head><title>{title}</title></head><body><p>{title}</p>{extra}</body></html>".encode()

    def _index(self, cdn: str, sentinel: str) -> bytes:
        links = "".join(
            f'<li><a href="{href}">{text}</a></li>'
            for href, text in (
                ("/news/a1.html", "First story"),
                ("/news/a2.html", "Second story"),
                ("/other/x.html", "Elsewhere"),
                ("/", "Home"),
                ("/private/draft.html", "Draft"),
                (f"{cdn}/page.html", "A CDN page"),
                (f"{sentinel}/trap.html", "Sentinel"),
            )
        )
        return (
            "<!DOCTYPE html><html><head><title>News</title>"
            f'<link rel="stylesheet" href="{cdn}/css/site.css"></head>'
            f"<body><h1>News</h1><ul>{links}</ul></body></html>"
        ).encode()

    def _article(self, n: int, cdn: str) -> bytes:
        words = " ".join(f"word{i}" for i in range(200))
        return f"""<!DOCTYPE html><html><head><title>Story {n}</title>
<link rel="stylesheet" href="{cdn}/css/site.css"><link rel="icon" href="/favicon.ico">
<script src="{cdn}/js/app.js"></script>
<style>body {{ background: url(/img/bg.png) }}</style></head><body>
<article><h1>Story {n}</h1><p>{words}</p>
<img src="/img/a.png" srcset="/img/a.png 1x, {cdn}/img/a-2x.png 2x">
<picture><source srcset="{cdn}/img/p.webp" type="image/webp"><img src="/img/p.jpg"></picture>
<div style="background-image: url({cdn}/img/inline.png)">inline</div>
<video poster="/img/poster.jpg" src="{cdn}/media/v.mp4"><source src="{cdn}/media/v.webm"></video>
<audio src="/media/a.mp3"></audio>
<img src="{cdn}/private/secret.png" alt="forbidden by the CDN's robots.txt">
</article><p><a href="/news/">Back</a></p></body></html>""".encode()

    def expected_requisites(self, articles: bool = True) -> set[str]:
        """Every requisite the pages need that robots.txt allows (not the CDN's /private/)."""
        news, cdn = self.news_url, self.cdn_url
        found = {
            f"{cdn}/css/site.css",
            f"{cdn}/css/base.css",
            f"{cdn}/fonts/serif.woff2",
            f"{cdn}/img/heading.png",
        }
        found.add(f"{cdn}/img/base.png")
        if articles:
            found |= {f"{news}/favicon.ico", f"{cdn}/js/app.js", f"{news}/img/bg.png", f"{news}/img/a.png"}
            found |= {
                f"{cdn}/img/a-2x.png",
                f"{cdn}/img/p.webp",
                f"{news}/img/p.jpg",
                f"{cdn}/img/inline.png",
            }
            found |= {
                f"{cdn}/media/v.mp4",
                f"{news}/img/poster.jpg",
                f"{cdn}/media/v.webm",
                f"{news}/media/a.mp3",
            }
        return found

    def log(self) -> list[tuple[str, str, int | None]]:
        return [(e.site, e.url, e.status) for server in self.servers for e in server.log.entries()]

    def clear(self) -> None:
        for server in self.servers:
            server.log.clear()

    @property
    def seed(self) -> str:
        return f"{self.news_url}/news/"


@pytest.fixture(scope="module")
def web() -> Iterator[RequisiteWeb]:
    with RequisiteWeb() as served:
        yield served


@dataclass
class Crawl:
    out: Path
    log: list[tuple[str, str, int | None]]
    records: list[WarcRecord]
    summary: dict[str, object]


NO_FALLBACKS = ("-s", "SEEDCRAWL_DISCOVERY_FALLBACKS=False")


def _crawl(web: RequisiteWeb, out: Path, run_id: str, *extra: str, seeds: tuple[str, ...] = ()) -> Crawl:
    web.clear()
    crawl(out, list(seeds or (web.seed,)), "--run-id", run_id, *NO_FALLBACKS, *extra)
    records = [r for path in sorted((out / "warc").glob("*.warc.gz")) for r in iter_records(path)]
    summary = json.loads((out / "logs" / f"crawl-{run_id}.json").read_text())
    return Crawl(out, web.log(), records, summary)


@pytest.fixture(scope="module")
def crawled(web: RequisiteWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return _crawl(web, tmp_path_factory.mktemp("requisites") / "out", "first")


def _responses(records: list[WarcRecord]) -> Counter[str]:
    return Counter(r.target_uri or "" for r in records if r.type in ("response", "revisit"))


def test_every_requisite_is_archived_once_from_any_host(crawled: Crawl, web: RequisiteWeb) -> None:
    archived = _responses(crawled.records)
    requested = Counter(url for _, url, _ in crawled.log)
    for url in web.expected_requisites():
        assert archived[url] == 1, f"{url} archived {archived[url]} times"
        assert requested[url] == 1, (
            f"{url} requested {requested[url]} times"
        )  # shared by 3 pages, fetched once
    # the servers' log and the archive agree one for one, requisites included
    assert requested == archived


def test_robots_txt_of_the_cdn_is_obeyed_and_nothing_is_followed_there(
    crawled: Crawl, web: RequisiteWeb
) -> None:
    cdn_paths = {url.removeprefix(web.cdn_url) for site, url, _ in crawled.log if site == "cdn"}
    assert "/robots.txt" in cdn_paths
    assert "/private/secret.png" not in cdn_paths  # disallowed by the CDN's robots.txt
    assert not cdn_paths & {"/page.html", "/page2.html", "/sitemap.xml"}  # links and sitemaps of the CDN
    assert not [entry for entry in crawled.log if entry[0] == "sentinel"]
    assert f"{web.news_url}/private/draft.html" not in {url for _, url, _ in crawled.log}


def test_summary_counts_pages_and_requisites_apart(crawled: Crawl, web: RequisiteWeb) -> None:
    pages = {
        f"{web.news_url}{path}" for path in ("/news/", "/news/a1.html", "/news/a2.html", "/other/x.html", "/")
    }
    assert crawled.summary["pages"] == len(pages)
    assert crawled.summary["requisites"] == len(web.expected_requisites())
    sizes = [
        len(r.raw_payload)
        for r in crawled.records
        if r.type == "response" and r.target_uri in web.expected_requisites()
    ]
    assert crawled.summary["requisite_bytes"] == sum(sizes)
    hosts = crawled.summary["hosts"]
    assert isinstance(hosts, dict)
    assert hosts[web.cdn_url.removeprefix("http://")]["pages"] == 0


def test_the_archive_passes_the_strict_check(crawled: Crawl) -> None:
    report = check_folder(crawled.out / "warc")
    assert report.ok, [problem for r in report.reports for problem in r.problems]
    assert sum(1 for r in crawled.records if r.type != "warcinfo") == crawled.summary["warc_records"]


def test_requisites_never_enter_the_corpus(crawled: Crawl, web: RequisiteWeb) -> None:
    done = run_seedcrawl(["process", str(crawled.out), "--workers", "1"])
    assert done.returncode == 0, done.stderr[-2000:]
    corpus = crawled.out / "corpus"
    articles = [json.loads(line) for line in (corpus / "articles.jsonl").read_text().splitlines()]
    assert not {a["url"] for a in articles} & web.expected_requisites()
    rejects = [json.loads(line) for line in (corpus / "rejects.jsonl").read_text().splitlines()]
    reasons = {r["url"]: r["reason"] for r in rejects}
    assert all(reasons.get(url) == "not_html" for url in web.expected_requisites())


def test_pywb_replays_a_requisite_byte_for_byte(
    crawled: Crawl, web: RequisiteWeb, pywb_factory: PywbFactory
) -> None:
    warcs = sorted((crawled.out / "warc").glob("*.warc.gz"))
    server = pywb_factory(warcs, index=crawled.out / "indexes" / "index.cdxj")
    for url in (
        f"{web.cdn_url}/css/site.css",
        f"{web.cdn_url}/fonts/serif.woff2",
        f"{web.news_url}/img/a.png",
    ):
        [record] = [r for r in crawled.records if r.type == "response" and r.target_uri == url]
        [entry] = [line for line in server.cdx(url) if line.get("status") == "200"]
        replayed = server.replay_id(entry["timestamp"], url, {"Accept-Encoding": "gzip"})
        assert (replayed.status, replayed.body) == (200, record.raw_payload)


def test_max_pages_is_not_spent_on_requisites(web: RequisiteWeb, tmp_path: Path) -> None:
    done = _crawl(
        web, tmp_path / "out", "budget", "--max-pages", "1", seeds=(f"{web.news_url}/news/a1.html",)
    )
    assert done.summary["pages"] == 1
    assert done.summary["requisites"] == len(web.expected_requisites())
    assert set(web.expected_requisites()) <= set(_responses(done.records))


def test_a_later_run_asks_for_requisites_conditionally(web: RequisiteWeb, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _crawl(web, out, "one", "--scope", "page")
    again = _crawl(web, out, "two", "--scope", "page")
    statuses = {url: status for _, url, status in again.log}
    font, css = f"{web.cdn_url}/fonts/serif.woff2", f"{web.cdn_url}/css/site.css"
    assert statuses[font] == 304  # asked with If-None-Match / If-Modified-Since
    # a stylesheet is fetched whole (a 304 would hide the fonts and images it needs) ...
    assert statuses[css] == 200 and statuses[f"{web.cdn_url}/css/base.css"] == 200
    revisits = {r.target_uri for r in again.records if r.type == "revisit"}
    assert {font, css} <= revisits  # ... and both are revisits: not modified, identical payload
    assert again.summary["requisites"] == len(web.expected_requisites(articles=False))
    assert check_folder(out / "warc").ok


def test_no_requisites_option_archives_pages_only(web: RequisiteWeb, tmp_path: Path) -> None:
    done = _crawl(web, tmp_path / "out", "bare", "--scope", "page", "--no-requisites")
    assert {url for _, url, _ in done.log} == {web.seed, f"{web.news_url}/robots.txt"}
    assert done.summary["requisites"] == 0


def test_scope_page_fetches_the_seed_and_its_requisites_only(web: RequisiteWeb, tmp_path: Path) -> None:
    done = _crawl(web, tmp_path / "out", "page", "--scope", "page")
    fetched = {url for _, url, _ in done.log} - {f"{web.news_url}/robots.txt", f"{web.cdn_url}/robots.txt"}
    assert fetched == {web.seed} | web.expected_requisites(articles=False)


def test_scope_prefix_stays_under_the_seed_path(web: RequisiteWeb, tmp_path: Path) -> None:
    done = _crawl(web, tmp_path / "out", "prefix", "--scope", "prefix")
    pages = {url for site, url, _ in done.log if site == "news" and url.endswith(("/", ".html"))}
    assert pages == {web.seed, f"{web.news_url}/news/a1.html", f"{web.news_url}/news/a2.html"}
    assert web.expected_requisites() <= {url for _, url, _ in done.log}  # requisites outside the prefix too


def test_include_and_exclude_choose_pages_and_exclude_requisites_leaves_some_out(
    web: RequisiteWeb, tmp_path: Path
) -> None:
    done = _crawl(
        web,
        tmp_path / "out",
        "regex",
        "--include",
        r"/news/",
        "--include",
        r"/other/",
        "--exclude",
        r"a2\.html$",
        "--exclude",
        r"/img/",  # pages only: images are still fetched as requisites
        "--exclude-requisites",
        r"\.(mp4|webm)$",
    )
    fetched = {url for _, url, _ in done.log}
    assert {f"{web.news_url}/news/a1.html", f"{web.news_url}/other/x.html"} <= fetched
    assert not fetched & {f"{web.news_url}/news/a2.html", f"{web.news_url}/"}
    videos = {f"{web.cdn_url}/media/v.mp4", f"{web.cdn_url}/media/v.webm"}
    assert fetched >= web.expected_requisites() - videos and not fetched & videos


def test_a_bad_regex_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    done = run_seedcrawl(
        ["crawl", "--out", str(tmp_path / "out"), "--exclude", "a(b", "http://127.0.0.141:9/"]
    )
    assert done.returncode == 2
    assert "--exclude: bad regular expression 'a(b'" in done.stderr
    assert not (tmp_path / "out" / "warc").exists() or not list((tmp_path / "out" / "warc").iterdir())


def test_the_wacz_page_list_names_pages_not_requisites(crawled: Crawl, web: RequisiteWeb) -> None:
    listed = {p.url for p in pages_from_index(crawled.out / "indexes" / "index.cdxj")}
    assert {web.seed, f"{web.news_url}/news/a1.html"} <= listed
    assert not listed & web.expected_requisites()
    rendered = Page(web.seed, "20261204101010", "News", rendered="script-filled shell")
    assert rendered.to_json()["rendered"] == "script-filled shell"  # the browser's note, when it rendered
    assert "rendered" not in Page(web.seed, "20261204101010").to_json()
