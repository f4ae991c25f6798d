"""rejects.jsonl and duplicates.jsonl as a downstream user reads them: when and in which run each
capture was made, one line per rejection (not per retry), and no line for what is not a reject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from seedcrawl.contract.records import iter_lines
from seedcrawl.pipelines import schema
from tests.support.cli import crawl, run_seedcrawl
from tests.support.warcs import WarcBuilder, html_page

HOST = "http://news.example.test"
ARTICLE = (Path(__file__).parent / "fixtures" / "extract" / "article_with_chrome.html").read_bytes()


def _html(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]


def _run_one(path: Path) -> dict[str, str]:
    """Run r1: an article and its copy, a 500 retried twice, a 404, a redirect and a revisit."""
    warc = WarcBuilder(path.name, first_id=1)
    warc.warcinfo(run_id="r1")
    original = warc.exchange(f"{HOST}/story", "2026-11-22T10:00:01Z", ARTICLE, _html(ARTICLE))
    warc.exchange(f"{HOST}/story-copy", "2026-11-22T10:00:02Z", ARTICLE, _html(ARTICLE))
    error = html_page("Server error", "try again")
    for second in (3, 4, 5):  # Scrapy's RetryMiddleware: the same URL three times in one run
        warc.exchange(
            f"{HOST}/flaky", f"2026-11-22T10:00:0{second}Z", error, _html(error), "500 Internal Server Error"
        )
    gone = html_page("Not found", "nothing here")
    warc.exchange(f"{HOST}/gone", "2026-11-22T10:00:06Z", gone, _html(gone), "404 Not Found")
    warc.exchange(
        f"{HOST}/moved",
        "2026-11-22T10:00:07Z",
        b"",
        [("Location", f"{HOST}/story"), ("Content-Length", "0")],
        "301 Moved Permanently",
    )
    warc.revisit(original, "2026-11-22T10:00:08Z")
    warc.save(path)
    return {
        "story-copy": "2026-11-22T10:00:02Z",
        "flaky": "2026-11-22T10:00:03Z",
        "gone": "2026-11-22T10:00:06Z",
    }


def _run_two(path: Path) -> None:
    """Run r2: the flaky page fails again; a new run, so a new reject line."""
    warc = WarcBuilder(path.name, first_id=100)
    warc.warcinfo(run_id="r2")
    error = html_page("Server error", "try again")
    for second in (1, 2):
        warc.exchange(
            f"{HOST}/flaky", f"2026-11-23T10:00:0{second}Z", error, _html(error), "500 Internal Server Error"
        )
    warc.save(path)


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((Path(schema.__file__).parent / name).read_text(encoding="utf-8"))
    return loaded


def test_reject_and_duplicate_lines_carry_run_and_time_and_retries_are_one_line(tmp_path: Path) -> None:
    out = tmp_path / "news"
    (out / "warc").mkdir(parents=True)
    dates = _run_one(out / "warc" / "seedcrawl-20261122100000-00000.warc.gz")
    _run_two(out / "warc" / "seedcrawl-20261123100000-00001.warc.gz")

    result = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert result.returncode == 0, result.stderr[-2000:]
    rejects = list(iter_lines(out / "corpus" / "rejects.jsonl"))
    duplicates = list(iter_lines(out / "corpus" / "duplicates.jsonl"))

    for line in rejects:
        jsonschema.validate(line, _schema("reject.schema.json"))
    for line in duplicates:
        jsonschema.validate(line, _schema("duplicate.schema.json"))
    by_run_and_url = sorted((r["run_id"], r["url"], r["reason"], r["fetched_at"]) for r in rejects)
    assert by_run_and_url == [
        ("r1", f"{HOST}/flaky", "http_status", dates["flaky"]),  # the first attempt's line only
        ("r1", f"{HOST}/gone", "http_status", dates["gone"]),
        ("r2", f"{HOST}/flaky", "http_status", "2026-11-23T10:00:01Z"),
    ]
    # the redirect and the revisit are not rejects: the summary counts them
    assert "1 revisits" in result.stderr and "1 redirects" in result.stderr
    assert "3 rejects" in result.stderr
    assert [(d["url"], d["run_id"], d["fetched_at"]) for d in duplicates] == [
        (f"{HOST}/story-copy", "r1", dates["story-copy"])
    ]

    # processed again from scratch (the ledger lost): the retries stay one line each
    (out / "state" / "processed-warcs.json").unlink()
    again = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert list(iter_lines(out / "corpus" / "rejects.jsonl")) == rejects
    assert "0 rejects" in again.stderr


def test_a_crawled_500_retried_by_scrapy_is_one_reject_line(tmp_path: Path) -> None:
    from seedcrawl.archive.reader import iter_records
    from tests.support.testweb import SiteServer, StaticSite, page

    html = "text/html; charset=utf-8"
    site = StaticSite(
        {
            "/": page(b'<html><body><a href="/flaky">flaky</a> <a href="/old">old</a></body></html>', html),
            "/flaky": page(html_page("Server error", "try again"), html, status=500),
            "/old": page(b"", html, status=301, headers=[("Location", "/story")]),
            "/story": page(ARTICLE, html),
            "/robots.txt": page(b"User-agent: *\nDisallow:\n", "text/plain"),
        }
    )
    out = tmp_path / "news"
    with SiteServer(site, host="127.0.0.72") as server:
        base = server.base_url
        crawl(out, [base + "/"], "--depth", "2", "--run-id", "r9", "--browser", "never")
    flaky = base + "/flaky"
    attempts = [
        r
        for warc in sorted((out / "warc").glob("*.warc.gz"))
        for r in iter_records(warc)
        if r.type == "response" and r.target_uri == flaky
    ]
    assert len(attempts) == 3  # the first try and RETRY_TIMES (2) retries, each archived

    result = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert result.returncode == 0, result.stderr[-2000:]
    rejects = list(iter_lines(out / "corpus" / "rejects.jsonl"))
    assert [(r["url"], r["reason"], r["run_id"]) for r in rejects if r["url"] == flaky] == [
        (flaky, "http_status", "r9")
    ]
    assert not [r for r in rejects if r["url"] == base + "/old"]
    assert "1 redirects" in result.stderr
    articles = [a["url"] for a in iter_lines(out / "corpus" / "articles.jsonl")]
    assert articles == [base + "/story"]
