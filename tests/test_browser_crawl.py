"""`--browser`: pages rendered in Chromium, every request of the browser archived and checked.

One crawl with `--browser always` of a site whose pages fill themselves from JSON, try a path
robots.txt disallows, frame a host out of scope, and hang on a request that never answers in time.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_file
from seedcrawl.archive.reader import WarcRecord, iter_folder
from tests.support.browser import process_alive, require_chromium
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import Request, Response, Site, SiteServer, page
from tests.support.treeweb import start_crawl, wait_for

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
STORY = [
    "The county library will open on Sundays from next month, after readers collected more than "
    "three thousand signatures and the council found the money for two more librarians.",
    "The reading room will also stay open until nine on weekdays during the exam season, when "
    "students have complained for years that there is nowhere quiet left to study in town.",
    "Volunteers from the reading group will run a children's hour every Sunday morning, and the "
    "café in the entrance hall will reopen under a new tenant chosen by the friends of the library.",
]
SHELL = b"""<!doctype html><html><head><title>Library</title></head><body>
<h1>Library opens on Sundays</h1><div id="app">Loading...</div>
<iframe src="OTHER/frame.html"></iframe>
<script>
fetch('/private/secret.json').catch(function () {});
fetch('/api/story.json').then(function (r) { return r.json(); }).then(function (s) {
  var app = document.getElementById('app'); app.textContent = '';
  s.paragraphs.forEach(function (t) { var p = document.createElement('p'); p.textContent = t; app.appendChild(p); });
});
</script></body></html>"""
SLOW = b"""<!doctype html><html><head><title>Slow</title></head><body><h1>Slow page</h1>
<div id="app">Loading...</div>
<script>
document.body.dataset.stage = 'started';
fetch('/hang').then(function (r) { return r.text(); }).then(function (t) { document.body.dataset.stage = 'finished'; });
</script></body></html>"""


def _hang(request: Request) -> Response:
    time.sleep(6)  # past the render timeout (3 s), within the download timeout (10 s)
    return page(b"late", "text/plain")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteServer, SiteServer]]:
    require_chromium()
    out = tmp_path_factory.mktemp("browser") / "out"
    other = SiteServer(Site("other", {"/frame.html": page(b"<p>framed</p>", HTML)}), "127.0.0.82")
    site = Site("site")
    server = SiteServer(site, "127.0.0.81")
    with other, server:
        site.add(
            "/", page(b"<h1>Home</h1><a href='/story.html'>story</a> <a href='/slow.html'>slow</a>", HTML)
        )
        site.add("/robots.txt", page(b"User-agent: *\nDisallow: /private/\n", "text/plain"))
        site.add("/story.html", page(SHELL.replace(b"OTHER", other.base_url.encode()), HTML))
        site.add("/api/story.json", page(json.dumps({"paragraphs": STORY}).encode(), "application/json"))
        site.add("/private/secret.json", page(b"{}", "application/json"))
        site.add("/slow.html", page(SLOW, HTML))
        site.add("/hang", _hang)
        crawl(
            out,
            [server.base_url + "/"],
            "--browser",
            "always",
            "-s",
            "SEEDCRAWL_BROWSER_TIMEOUT=3",
            "-s",
            "DOWNLOAD_TIMEOUT=10",
            "-s",
            "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
        )
        yield out, server, other


def _records(out: Path) -> list[WarcRecord]:
    return list(iter_folder(out / "warc"))


def _dom(records: list[WarcRecord], url: str) -> WarcRecord:
    return next(r for r in records if r.type == "resource" and r.target_uri == f"urn:dom:{url}")


def test_every_html_page_is_rendered_and_its_dom_archived(
    crawled: tuple[Path, SiteServer, SiteServer],
) -> None:
    out, server, _ = crawled
    records = _records(out)
    for path in ("/", "/story.html", "/slow.html"):
        dom = _dom(records, server.base_url + path)
        assert dom.warc_header("WARC-Rendered-Reason") == "always"
        assert dom.content_type == "text/html; charset=utf-8"
    story = _dom(records, server.base_url + "/story.html").raw_payload.decode()
    assert STORY[0] in story and "Loading..." not in story
    summary = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())
    rendered = summary["rendered"]
    assert rendered["pages"] == 3 and rendered["by_reason"] == {"always": 3}
    assert {item["url"] for item in rendered["list"]} == {
        server.base_url + p for p in ("/", "/story.html", "/slow.html")
    }


def test_the_browsers_requests_are_archived_as_exchanges(
    crawled: tuple[Path, SiteServer, SiteServer],
) -> None:
    out, server, _ = crawled
    records = _records(out)
    api = server.base_url + "/api/story.json"
    response = next(r for r in records if r.type == "response" and r.target_uri == api)
    assert response.http_line == "HTTP/1.1 200 OK"
    assert response.http_header("Content-Type") == "application/json"
    assert json.loads(response.raw_payload) == {"paragraphs": STORY}
    assert any(r.type == "request" and r.target_uri == api for r in records)
    for path in sorted(out.glob("warc/*.warc.gz")):
        assert check_file(path).ok, check_file(path)


def test_the_browser_obeys_robots_and_scope(crawled: tuple[Path, SiteServer, SiteServer]) -> None:
    _, server, other = crawled
    paths = [entry.path for entry in server.log.entries()]
    assert "/api/story.json" in paths
    assert not [p for p in paths if p.startswith("/private/")], paths
    assert other.log.entries() == []  # a frame out of scope is never requested


def test_a_hanging_page_is_archived_as_far_as_it_got(crawled: tuple[Path, SiteServer, SiteServer]) -> None:
    out, server, _ = crawled
    dom = _dom(_records(out), server.base_url + "/slow.html")
    assert dom.truncated == "time"
    assert 'data-stage="started"' in dom.raw_payload.decode()


def test_process_extracts_the_rendered_text(crawled: tuple[Path, SiteServer, SiteServer]) -> None:
    out, server, _ = crawled
    result = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert result.returncode == 0, result.stderr[-2000:]
    articles = [json.loads(line) for line in (out / "corpus/articles.jsonl").read_text().splitlines()]
    story = next(a for a in articles if a["url"] == server.base_url + "/story.html")
    assert STORY[0] in story["text"] and STORY[1] in story["text"]
    rejects = [json.loads(line) for line in (out / "corpus/rejects.jsonl").read_text().splitlines()]
    assert {"url": server.base_url + "/story.html", "reason": "rendered"}.items() <= next(
        r for r in rejects if r["url"] == server.base_url + "/story.html" and r["reason"] == "rendered"
    ).items()


def test_always_without_chromium_is_a_usage_error(tmp_path: Path) -> None:
    result = run_seedcrawl(
        [
            "crawl",
            "--out",
            str(tmp_path / "out"),
            "--browser",
            "always",
            "-s",
            "SEEDCRAWL_BROWSER_EXECUTABLE=/nonexistent/chromium",
            "http://127.0.0.83:9/",
        ]
    )
    assert result.returncode == 2
    assert "apt-get install chromium" in result.stderr


def test_auto_without_chromium_warns_and_crawls_over_http(tmp_path: Path) -> None:
    site = Site("site", {"/": page(b"<div id='root'></div>", HTML)})
    with SiteServer(site, "127.0.0.84") as server:
        out = tmp_path / "out"
        crawl(out, [server.base_url + "/"], "-s", "SEEDCRAWL_BROWSER_EXECUTABLE=/nonexistent/chromium")
    log = next((out / "logs").glob("crawl-*.log")).read_text()
    assert log.count("no Chromium at /nonexistent/chromium") == 1
    summary = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())
    assert summary["rendered"]["browser_unavailable"] and summary["rendered"]["pages"] == 0


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            continue
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        children = {child for child, parent in parents.items() if parent == pid} - found
        found |= children
        todo.extend(children)
    return found


def test_sigterm_while_rendering_closes_the_browser(tmp_path: Path) -> None:
    require_chromium()
    site = Site("site", {"/": page(SLOW, HTML), "/hang": _hang})
    with SiteServer(site, "127.0.0.85") as server:
        out = tmp_path / "out"
        crawl_proc = start_crawl(
            out, [server.base_url + "/"], "--browser", "always", "-s", "SEEDCRAWL_BROWSER_TIMEOUT=30"
        )
        try:
            wait_for(
                lambda: any(e.path == "/hang" for e in server.log.entries()), 60, "the browser's request"
            )
            browser = _descendants(crawl_proc.pid)
            assert any(
                "chrom" in (Path("/proc") / str(p) / "comm").read_text() for p in browser if process_alive(p)
            )
            crawl_proc.send_signal(signal.SIGTERM)
            assert crawl_proc.wait(timeout=60) == 130, crawl_proc.stderr.read() if crawl_proc.stderr else ""
        finally:
            if crawl_proc.poll() is None:
                crawl_proc.kill()
                crawl_proc.wait()
        wait_for(lambda: not any(process_alive(pid) for pid in browser), 10, "Chromium to end")
    # The WARC files are closed whole, the page in flight archived, as far as it got before the
    # crawl stopped its downloads.
    warcs = sorted(out.glob("warc/*.warc.gz"))
    assert warcs and all(check_file(path).ok for path in warcs), [check_file(p) for p in warcs]
    dom = next(r for r in _records(out) if r.type == "resource")
    assert (
        'data-stage="started"' in dom.raw_payload.decode()
        or 'data-stage="finished"' in dom.raw_payload.decode()
    )


def test_the_browser_requests_only_scope_and_requisites_not_excluded(tmp_path: Path) -> None:
    """No request to a host neither in scope nor serving a requisite; --exclude-requisites binds the browser."""
    require_chromium()
    cdn = Site(
        "cdn", {"/logo.png": page(b"\x89PNG fake", "image/png"), "/ads.js": page(b"1;", "text/javascript")}
    )
    sentinel = Site("sentinel", {"/": page(b"<p>never</p>", HTML)})
    with SiteServer(cdn, "127.0.0.88") as cdn_server, SiteServer(sentinel, "127.0.0.89") as sentinel_server:
        # The script adds the excluded one and a frame on the sentinel host after the HTML was read.
        body = (
            f"<h1>Page</h1><img src='{cdn_server.base_url}/logo.png'>"
            f"<a href='{sentinel_server.base_url}/'>away</a><script>"
            f"var s = document.createElement('script'); s.src = '{cdn_server.base_url}/ads.js';"
            f"document.head.appendChild(s); var f = document.createElement('iframe');"
            f"f.src = '{sentinel_server.base_url}/'; document.body.appendChild(f);</script>"
        )
        site = Site("site", {"/": page(body.encode(), HTML)})
        with SiteServer(site, "127.0.0.90") as server:
            crawl(
                tmp_path / "out",
                [server.base_url + "/"],
                "--browser",
                "always",
                "--exclude-requisites",
                r"/ads\.js$",
                "-s",
                "SEEDCRAWL_DISCOVERY_FALLBACKS=False",
            )
        cdn_paths = [entry.path for entry in cdn_server.log.entries()]
        assert "/logo.png" in cdn_paths and "/ads.js" not in cdn_paths, cdn_paths
        assert sentinel_server.log.entries() == []
