"""Pages that are cheap to serve and dear to extract: each record of `process` runs on a budget.

A page of `word<br>` lines costs trafilatura seconds and hundreds of MB per MB of markup (1.6 MB:
18 s and 330 MB on one core; the default extraction profile, one trafilatura run, spends about 6 s
of CPU on it, so the time budget below is 3 s). Such a record is rejected as `extract_timeout` or `extract_memory`
when its worker overruns `--extract-timeout` / `--extract-memory` (the worker is killed and
replaced), and the other pages of the run are extracted as usual.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.running import RSS_BOUND_MB, Crawled, Run, assert_archive_whole, corpus, crawl, run_measured
from tests.faults.webs import FaultWeb, article, home
from tests.support.testweb import Response

pytestmark = pytest.mark.slow

ARTICLES = ["/a", "/b", "/c"]
HOSTILE = {"/lines": 1_600_000, "/more-lines": 4_000_000}  # path -> bytes of `word<br>` lines


def lines_page(size: int) -> Response:
    unit = b"word<br>\n"
    body = b"<html><body><div>" + unit * (size // len(unit)) + b"</div></body></html>"
    return Response(body=body, headers=[("Content-Type", "text/html; charset=utf-8")])


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.159") as web:
        site = web.add_site("dear", "127.0.0.151")
        # the hostile pages come first: the articles after them must not wait for them
        site.add("/", home([*HOSTILE, *ARTICLES, web.url("sentinel")]))
        for path, size in HOSTILE.items():
            site.add(path, lines_page(size))
        for n, path in enumerate(ARTICLES):
            site.add(path, article(40 + n))
        out = tmp_path_factory.mktemp("dear") / "out"
        yield Crawled(web, crawl(out, [web.url("dear")]))


def processed(crawled: Crawled, tmp_path: Path, *options: str) -> tuple[Path, Run]:
    """A copy of the crawled folder, processed with `options`."""
    out = tmp_path / "out"
    shutil.copytree(crawled.crawl.out, out)
    run = run_measured(["process", *options, str(out)], timeout=240, sample_tree=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


def assert_articles_extracted(crawled: Crawled, out: Path) -> None:
    articles, _ = corpus(out)
    assert sorted(articles) == sorted(crawled.web.url("dear", path) for path in ARTICLES)


def test_the_crawl_is_whole_and_in_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_record_over_its_time_budget_is_rejected_and_the_run_goes_on(
    crawled: Crawled, tmp_path: Path, workers: str
) -> None:
    out, _ = processed(
        crawled, tmp_path, "--workers", workers, "--extract-timeout", "3", "--extract-memory", "0"
    )
    _, rejects = corpus(out)
    for path in HOSTILE:
        [reject] = rejects[crawled.web.url("dear", path)]
        assert reject["reason"] == "extract_timeout", reject
    assert_articles_extracted(crawled, out)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_record_over_its_memory_budget_is_rejected_and_memory_stays_bounded(
    crawled: Crawled, tmp_path: Path, workers: str
) -> None:
    out, run = processed(
        crawled, tmp_path, "--workers", workers, "--extract-timeout", "0", "--extract-memory", "200"
    )
    # Sampled every 0.2 s, so generous bounds: unbounded, the 4 MB page alone takes 760 MB in one
    # process; with the budget no process passes 200 MB by much, and N workers add N budgets.
    assert run.tree_max_rss_mb < RSS_BOUND_MB
    assert run.tree_pss_mb < RSS_BOUND_MB + int(workers) * 200
    _, rejects = corpus(out)
    for path in HOSTILE:
        [reject] = rejects[crawled.web.url("dear", path)]
        assert reject["reason"] == "extract_memory", reject
    assert_articles_extracted(crawled, out)
