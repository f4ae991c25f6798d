"""The bundled demo web behaves as crawls, tests and benchmarks rely on (loopback traffic only)."""

from __future__ import annotations

import gzip
import html
import http.client
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.testweb import DemoWeb, Raw, RawExchange, SiteServer, StaticSite

Reply = tuple[int, list[tuple[str, str]], bytes]
SEEDS = Path("/work/shared/seeds")  # the seed texts the demo's on-topic articles were curated from


def connect(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10), target


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """One request, no redirects followed and no content decoding (chunking is undone by http.client)."""
    conn, target = connect(url)
    with closing(conn):
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()


def header(reply: Reply, name: str) -> str | None:
    return next((v for k, v in reply[1] if k.lower() == name.lower()), None)


def decoded(reply: Reply) -> bytes:
    return gzip.decompress(reply[2]) if header(reply, "Content-Encoding") == "gzip" else reply[2]


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb(port=0) as running:
        yield running


def test_each_site_has_its_own_loopback_address_and_home_page(web: DemoWeb) -> None:
    hosts = [urlsplit(url).hostname for url in web.seed_urls]
    assert len(web.seed_urls) == 4 and len(set(hosts)) == 4
    assert all(h is not None and h.startswith("127.0.0.") and h != "127.0.0.2" for h in hosts)
    for info in web.sites.values():
        reply = fetch(info.base_url + "/")
        assert reply[0] == 200 and info.title in decoded(reply).decode("utf-8")
    cookies = [v for k, v in fetch(web.manifest.with_trait("set-cookie-x2")[0])[1] if k == "Set-Cookie"]
    assert len(cookies) == 2 and {c.split("=")[0] for c in cookies} == {"cw_session", "cw_consent"}
    assert urlsplit(web.sentinel_url).hostname == "127.0.0.2"


def test_robots_txt_disallows_private_and_names_the_sitemap(web: DemoWeb) -> None:
    for info in web.sites.values():
        status, _, body = fetch(info.base_url + "/robots.txt")
        lines = body.decode().splitlines()
        assert status == 200
        assert "Disallow: /private/" in lines and f"Sitemap: {info.base_url}/sitemap.xml" in lines
        assert b'href="/private/drafts/"' in decoded(fetch(info.base_url + "/"))


def test_gzip_encoded_page_decodes_to_html(web: DemoWeb) -> None:
    url = next(u for u in web.manifest.with_trait("gzip") if u in web.manifest.articles)
    reply = fetch(url)
    assert header(reply, "Content-Encoding") == "gzip" and reply[2][:2] == b"\x1f\x8b"
    text = gzip.decompress(reply[2]).decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and html.escape(web.manifest.articles[url].title, False) in text


def test_chunked_page_arrives_in_chunks(web: DemoWeb) -> None:
    articles = web.manifest.articles
    url = next(
        u for u in web.manifest.with_trait("chunked") if u in articles and "gzip" not in articles[u].traits
    )
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, wire = raw.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head and b"Content-Length" not in head
    chunks = []
    while True:
        size_line, _, wire = wire.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        chunks.append(wire[:size])
        wire = wire[size + 2 :]
    assert len(chunks) > 1 and b"".join(chunks) == fetch(url)[2]


def test_windows_1251_pages_are_really_cp1251(web: DemoWeb) -> None:
    in_header = web.manifest.articles[web.manifest.with_trait("charset-http")[0]]
    reply = fetch(in_header.url)
    assert header(reply, "Content-Type") == "text/html; charset=windows-1251"
    assert "медвежьим углом мира".encode("cp1251") in reply[2] and b"<meta charset" not in reply[2]
    in_meta = web.manifest.articles[web.manifest.with_trait("charset-meta")[0]]
    reply = fetch(in_meta.url)
    assert header(reply, "Content-Type") == "text/html" and b'<meta charset="windows-1251">' in reply[2]
    assert in_meta.body[0].encode("cp1251") in reply[2]
    with pytest.raises(UnicodeDecodeError):
        reply[2].decode("utf-8")


def test_error_pages_keep_failing(web: DemoWeb) -> None:
    base = web.sites["ledger"].base_url
    for _ in range(2):
        assert fetch(base + "/live/")[0] == 503 and header(fetch(base + "/live/"), "Retry-After") == "120"
        assert fetch(base + "/most-read/")[0] == 500
        assert fetch(base + "/podcasts/")[0] == 404 and fetch(base + "/no/such/page")[0] == 404


def test_redirects_and_two_hop_chain(web: DemoWeb) -> None:
    manifest = web.manifest
    chain = manifest.pages[web.sites["eurasia"].base_url + "/go/editors-pick"]
    first = fetch(chain.url)
    assert first[0] == 302 and header(first, "Location") == chain.location
    second = fetch(header(first, "Location") or "")
    assert second[0] == 301 and header(second, "Location") == chain.final_url
    assert chain.final_url in manifest.articles
    with urllib.request.urlopen(chain.url, timeout=10) as resp:
        assert resp.status == 200 and resp.url == chain.final_url
    for url in manifest.urls("redirect"):
        assert fetch(url)[0] == manifest.pages[url].status


def test_conditional_requests_get_304(web: DemoWeb) -> None:
    first = fetch(web.manifest.urls("article")[0])
    etag, modified = header(first, "ETag") or "", header(first, "Last-Modified") or ""
    conn, path = connect(web.manifest.urls("article")[0])
    with closing(conn):  # all on one keep-alive connection
        for headers, status in (
            ({"If-None-Match": etag}, 304),
            ({"If-Modified-Since": modified}, 304),
            ({"If-None-Match": '"stale"'}, 200),
            ({"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200),
        ):
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            assert (resp.status, resp.read() == b"") == (status, status == 304)
    assert etag.startswith('"') and modified.endswith(" GMT")


def test_log_has_one_exact_entry_per_request(web: DemoWeb, tmp_path: Path) -> None:
    base = web.sites["courier"].base_url
    article = web.manifest.urls("article")[-1]
    web.clear_log()
    targets = ["/robots.txt", "/world/?page=2&utm_source=a%20b&x=", "/nope?q=1", "/story.php?id=1001"]
    replies = [fetch(base + t, headers={"User-Agent": "seedcrawl-test/1"}) for t in targets]
    replies.append(fetch(article))
    etag = header(replies[-1], "ETag") or ""
    replies += [fetch(article, headers={"If-None-Match": etag}), fetch(article, "HEAD")]
    log = web.requests()
    assert [e.path for e in log[:4]] == targets
    # HEAD gets the headers of a 200 but no body; the 304 has none either.
    assert [(e.status, e.body_bytes) for e in log] == [(r[0], len(r[2])) for r in replies]
    assert [e.status for e in log[4:]] == [200, 304, 200] and log[5].headers["If-None-Match"] == etag
    assert all(e.headers["User-Agent"] == "seedcrawl-test/1" and e.site == "courier" for e in log[:4])
    assert log[0].url == base + "/robots.txt" and web.requests("sentinel") == []
    out = tmp_path / "log.jsonl"
    assert web.write_log(out) == len(web.requests())
    assert json.loads(out.read_text().splitlines()[1])["path"] == targets[1]


def test_sentinel_host_serves_and_logs_but_is_only_linked(web: DemoWeb) -> None:
    links = web.manifest.urls("sentinel")
    assert links and all(link.startswith(web.sentinel_url) for link in links)
    web.clear_log()
    assert fetch(links[0])[0] == 200 and fetch(web.sentinel_url + "robots.txt")[0] == 200
    assert [(e.site, e.host.split(":")[0]) for e in web.requests()] == [("sentinel", "127.0.0.2")] * 2


def test_manifest_matches_served_articles(web: DemoWeb) -> None:
    manifest = web.manifest
    for url, truth in manifest.articles.items():
        reply = fetch(url)
        text = html.unescape(decoded(reply).decode(truth.charset))
        assert reply[0] == 200
        assert all(paragraph in text for paragraph in truth.body), url
        assert all(chrome in text for chrome in truth.chrome), url
        assert not [c for c in truth.chrome for p in truth.body if c in p], url
    by_site = {name: [a for a in manifest.articles.values() if a.site == name] for name in web.sites}
    assert all(8 <= len(arts) <= 15 for arts in by_site.values())
    seeds = {a.source for a in manifest.on_topic() if a.source.endswith(".txt")}
    assert len(seeds) == 5 and sum(not a.on_topic for a in manifest.articles.values()) >= 40
    kinds = {kind for a in manifest.articles.values() for kind in a.chrome_by_kind}
    assert {"comment_form", "donation", "related_list", "continue_reading", "caption", "cookie"} <= kinds


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed texts not available")
def test_seed_texts_are_split_into_body_and_chrome_without_loss(web: DemoWeb) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        copies = [a for a in web.manifest.articles.values() if a.source == path.name]
        known = {t for a in copies for t in (*a.body, *a.chrome, a.title, *(a.byline or "").split(", "))}
        assert [ln for ln in lines if ln not in known and " | " not in ln] == [], path.name  # " | ": dates
        longest = max(copies, key=lambda a: len(a.body))
        positions = [lines.index(p) for p in longest.body if p in lines]
        assert positions == sorted(positions) and len(positions) >= len(longest.body) - 1


def test_wire_story_copies_are_near_and_exact_duplicates(web: DemoWeb) -> None:
    (urls,) = web.manifest.wire_groups().values()
    copies = [web.manifest.articles[u] for u in urls]
    assert len({c.site for c in copies}) == 3
    exact = [(a, b) for a in copies for b in copies if a.url < b.url and a.body == b.body]
    assert len(exact) == 1
    near = next(c for c in copies if c not in exact[0])
    for other in exact[0]:
        assert len(set(near.body) ^ set(other.body)) == 2
        assert near.title != other.title and near.byline != other.byline


def test_feeds_and_sitemaps_list_the_articles(web: DemoWeb) -> None:
    ledger = web.sites["ledger"].base_url
    articles = set(web.manifest.urls("article"))
    rss_links = {e.text for e in ET.fromstring(fetch(ledger + "/feed.xml")[2]).iter("link")}
    assert 5 <= len(rss_links & articles) <= 10
    index = ET.fromstring(fetch(ledger + "/sitemap.xml")[2])
    child = next(loc.text or "" for loc in index.iterfind(".//{*}loc") if (loc.text or "").endswith(".gz"))
    listed = {loc.text for loc in ET.fromstring(gzip.decompress(fetch(child)[2])).iterfind(".//{*}loc")}
    assert listed == {u for u in articles if u.startswith(ledger)}
    news = ET.fromstring(fetch(web.sites["eurasia"].base_url + "/sitemap.xml")[2])
    dates = [d.text for d in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}publication_date")]
    assert "2015-12-21T22:00:00+03:00" in dates
    atom = fetch(web.sites["courier"].base_url + "/atom.xml")
    assert header(atom, "Content-Encoding") == "gzip" and b"<feed" in decoded(atom)


def test_publish_and_update_change_what_is_served() -> None:
    with DemoWeb(port=0, first_host="127.0.0.20", sentinel_host="127.0.0.3") as web:
        base = web.sites["courier"].base_url
        body = ["First para.", "Second para."]
        url = web.publish("courier", "Northern lights seen over Tromsø", body, section="science")
        assert url.startswith(base + "/science/") and b"Second para." in fetch(url)[2]
        path = url[len(base) :]
        for listing in ("/", "/science/", "/atom.xml", "/sitemap.xml"):
            assert path.encode() in decoded(fetch(base + listing)), listing
        before = fetch(url)
        web.update(url, ["Rewritten para."])
        after = fetch(url, headers={"If-None-Match": header(before, "ETag") or ""})
        assert after[0] == 200 and b"Rewritten para." in after[2] and b"Second para." not in after[2]
        assert header(after, "Last-Modified") != header(before, "Last-Modified")
        assert web.manifest.articles[url].body == ("Rewritten para.",)
        with pytest.raises(KeyError):
            web.update(base + "/no-such-article/", ["x"])


def test_fixed_port_is_reused_by_sequential_instances() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.30", 0))
        port = probe.getsockname()[1]
    seen = []
    for _ in range(2):
        with DemoWeb(port=port, first_host="127.0.0.30", sentinel_host="127.0.0.4") as web:
            assert all(urlsplit(u).port == port for u in web.seed_urls)
            assert fetch(web.seed_urls[0])[0] == 200
            seen.append((web.seed_urls, sorted(web.manifest.articles)))
    assert seen[0] == seen[1]


def test_static_site_raw_faults_latency_and_loopback_only() -> None:
    def short_body(exchange: RawExchange) -> None:
        exchange.send_head(200, [("Content-Length", "100")])
        exchange.write(b"only part")

    site = StaticSite({"/a.html": b"<p>saved page</p>", "/short": Raw(short_body)})
    with SiteServer(site, host="127.0.0.40", latency=0.2) as server:
        started = time.monotonic()
        reply = fetch(server.base_url + "/a.html")
        assert time.monotonic() - started >= 0.2
        assert reply[:1] + reply[2:] == (200, b"<p>saved page</p>") and "text/html" in str(reply[1])
        with pytest.raises(http.client.IncompleteRead):
            fetch(server.base_url + "/short")
        logged = [(e.path, e.status, e.body_bytes) for e in server.log.entries()]
        assert logged == [("/a.html", 200, 17), ("/short", 200, 9)]
    with pytest.raises(ValueError):
        SiteServer(site, host="10.0.0.1")


def test_cli_prints_seed_urls_and_stops_on_sigint() -> None:
    cmd = [sys.executable, "-m", "seedcrawl.testweb", "--port", "0", "--first-host", "127.0.0.50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        urls = [proc.stdout.readline().strip() for _ in range(4)]
        assert proc.stdout.readline().startswith("#")
        assert all(u.startswith("http://127.0.0.5") for u in urls) and fetch(urls[0])[0] == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
