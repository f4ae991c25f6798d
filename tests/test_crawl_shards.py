"""Crawl shards sharing a real redis-server: the same archive as one process, each page fetched once,
and a shard killed with SIGKILL is started again and resumes without refetching the others' pages."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import iter_records
from seedcrawl.crawler.run.replay import warcinfo_run_id
from seedcrawl.crawler.sharding.shards import shard_of
from tests.support.cli import FAST, REPO, crawl, run_seedcrawl, seedcrawl_command
from tests.support.redis_server import redis_server
from tests.support.testweb import DemoWeb
from tests.support.treeweb import wait_for

pytestmark = pytest.mark.slow

ARGS = ["--depth", "8", "-s", "SEEDCRAWL_RETRY_AFTER_MAX=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
ROTATE = ["-s", "SEEDCRAWL_WARC_MAX_FILE_SIZE=30000"]  # a kill then finds closed files and an open one
IN_FLIGHT_BOUND = 16  # 2 hosts x 2 downloads, x2 for downloaded but not yet written, x2 for retries


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb(port=0, latency=0.05, first_host="127.0.0.90") as served:
        yield served


@pytest.fixture(scope="module")
def one_process(web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Counter[str]]:
    """The same crawl by one process: its folder and the requests it made."""
    out = tmp_path_factory.mktemp("one") / "out"
    web.clear_log()
    crawl(out, web.seed_urls, *ARGS)
    return out, Counter(entry.url for entry in web.requests())


def responses(warc_dir: Path, pattern: str = "*.warc.gz") -> dict[str, set[str]]:
    """The files (names) holding a response or revisit per URL, reading whole records only."""
    found: dict[str, set[str]] = {}
    for path in sorted(warc_dir.glob(pattern)):
        for record in iter_records(path, max_payload=0, on_error=lambda err: None):
            if record.type in ("response", "revisit"):
                found.setdefault(record.target_uri or "", set()).add(path.name)
    return found


def warcinfo_fields(path: Path) -> dict[str, str]:
    record = next(iter(iter_records(path, max_payload=1 << 20)))
    assert record.type == "warcinfo"
    text = record.raw_payload.decode("utf-8")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def article_clusters(out: Path) -> set[frozenset[str]]:
    """The processed corpus as clusters of URLs: each kept article with the duplicates of it.

    `published` is a date, so copies of one story from the same day are kept by fetch time, and
    two crawls fetch them in different orders: which copy represents a cluster may differ, the
    articles and the grouping may not."""
    result = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert result.returncode == 0, result.stderr[-2000:]
    clusters: dict[str, set[str]] = {}
    for line in (out / "corpus" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        clusters[article["id"]] = {article["url"]}
    for line in (out / "corpus" / "duplicates.jsonl").read_text(encoding="utf-8").splitlines():
        duplicate = json.loads(line)
        clusters[duplicate["duplicate_of"]].add(duplicate["url"])
    return {frozenset(urls) for urls in clusters.values()}


def shard_crawl(out: Path, web: DemoWeb, redis_url: str, *extra: str) -> subprocess.Popen[bytes]:
    cmd = seedcrawl_command(
        "crawl",
        "--out",
        str(out),
        *FAST,
        *ARGS,
        *extra,
        "--shards",
        "2",
        "--redis",
        redis_url,
        *web.seed_urls,
    )
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def assert_each_url_archived_by_its_owner(found: dict[str, set[str]]) -> None:
    for url, files in found.items():
        owner = shard_of(url.split("/")[2], 2)
        assert {name.split("-")[1] for name in files} == {f"shard{owner}of2"}, (url, files)


def test_two_shards_archive_what_one_process_does(
    tmp_path: Path, web: DemoWeb, redis_url: str, one_process: tuple[Path, Counter[str]]
) -> None:
    whole, expected = one_process
    assert len({shard_of(url.split("/")[2], 2) for url in web.seed_urls}) == 2, "both shards own hosts"
    out = tmp_path / "out"
    web.clear_log()
    child = shard_crawl(out, web, redis_url)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()[-3000:]

    requested = Counter(entry.url for entry in web.requests())
    assert requested == expected  # the same requests, each as often as one process makes it
    found = responses(out / "warc")
    assert found.keys() == responses(whole / "warc").keys()
    assert_each_url_archived_by_its_owner(found)
    shards = {warcinfo_fields(path).get("shard") for path in (out / "warc").glob("*.warc.gz")}
    assert shards == {"0/2", "1/2"}
    run_id = json.loads((out / "state" / "run.json").read_text())["run_id"]
    assert {warcinfo_run_id(path) for path in (out / "warc").glob("*.warc.gz")} == {run_id}
    report = check_folder(out / "warc")
    assert report.ok, [p for r in report.reports for p in r.problems]
    summary = json.loads((out / "logs" / f"crawl-{run_id}.json").read_text())
    assert summary["pages"] > 0 and summary["shards"] == {"0": 0, "1": 0}
    assert (out / "indexes" / "index.cdxj").stat().st_size > 0
    assert article_clusters(out) == article_clusters(whole)


def test_a_killed_shard_is_restarted_and_resumes(
    tmp_path: Path, web: DemoWeb, redis_url: str, one_process: tuple[Path, Counter[str]]
) -> None:
    whole, expected = one_process
    out = tmp_path / "out"
    web.clear_log()
    child = shard_crawl(out, web, redis_url, *ROTATE)
    victim = 0
    lock = out / f".seedcrawl-shard{victim}of2.lock"
    try:
        wait_for(
            lambda: (
                lock.exists()
                and lock.read_text().strip().isdigit()
                and any((out / "warc").glob(f"seedcrawl-shard{victim}of2-*.warc.gz"))
                and any((out / "warc").glob(f"seedcrawl-shard{victim}of2-*.open"))
            ),
            120,
            "shard 0 midway",
        )
        os.kill(int(lock.read_text().strip()), signal.SIGKILL)
        before_kill = Counter(entry.url for entry in web.requests())
        _, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err.decode()[-3000:]
    assert b"shard 0 died" in err
    assert set(before_kill) < set(expected), "the kill came after the crawl was over"

    requested = Counter(entry.url for entry in web.requests())
    assert set(requested) == set(expected)  # nothing missed
    twice = {url for url, n in requested.items() if n > expected[url] and not url.endswith("/robots.txt")}
    assert all(shard_of(url.split("/")[2], 2) == victim for url in twice), twice  # only the killed shard's
    assert len(twice) <= IN_FLIGHT_BOUND, sorted(twice)  # only what was in flight
    found = responses(out / "warc")
    assert found.keys() == responses(whole / "warc").keys()
    assert_each_url_archived_by_its_owner(found)
    report = check_folder(out / "warc")
    assert report.ok, (report.open_files, [p for r in report.reports for p in r.problems])
    marker = json.loads((out / "state" / f"shard{victim}of2" / "run.json").read_text())
    assert marker["status"] == "ended" and len(marker["attempts"]) == 2
    assert article_clusters(out) == article_clusters(whole)


def test_max_pages_bounds_the_whole_run_not_each_shard(tmp_path: Path, web: DemoWeb, redis_url: str) -> None:
    # A page that fails (the demo's /live/ answers 503) spends its share of the budget and is not
    # counted as a page, so which pages come first would decide the count: the demo's error and
    # redirect pages are left out, and every page handed out is then a page answered.
    unanswered = [url for url, page in web.manifest.pages.items() if page.status != 200]
    assert unanswered, "the demo web serves error and redirect pages"
    excludes = [arg for url in unanswered for arg in ("--exclude", f"^{re.escape(url)}$")]
    out = tmp_path / "out"
    web.clear_log()
    child = shard_crawl(out, web, redis_url, "--max-pages", "15", *excludes)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()[-3000:]
    run_id = json.loads((out / "state" / "run.json").read_text())["run_id"]
    summary = json.loads((out / "logs" / f"crawl-{run_id}.json").read_text())
    per_shard = [
        json.loads((out / "logs" / f"crawl-{run_id}-shard{i}of2.json").read_text())["pages"] for i in range(2)
    ]
    assert summary["pages"] == sum(per_shard) == 15, per_shard  # 15 in all, not 15 per shard
    assert summary["budget_exhausted"]
    pages = [entry for entry in web.requests() if not entry.url.endswith("/robots.txt")]
    assert len(pages) == 15 and all(entry.status == 200 for entry in pages), pages
