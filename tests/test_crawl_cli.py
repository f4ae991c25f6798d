"""`seedcrawl crawl` as a user meets it: options that take effect, and clear failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.outdir.lock import FolderLock
from tests.support.cli import FAST, crawl, installed, run_seedcrawl
from tests.support.folders import folder_with_earlier_work, snapshot
from tests.support.testweb import DemoWeb, Site, SiteServer, error_page, page

pytestmark = pytest.mark.slow


def fails(args: list[str], code: int) -> str:
    result = run_seedcrawl(args, timeout=60)
    assert result.returncode == code, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("seedcrawl: ")
    return last


def test_no_seeds_is_a_usage_error(tmp_path: Path) -> None:
    assert "no seeds" in fails(["crawl", "--out", str(tmp_path / "o")], 2)


@pytest.mark.parametrize("url", ["ftp://example.com/", "http://", "not a url", "http://host:99999/"])
def test_bad_seed_url_is_named(tmp_path: Path, url: str) -> None:
    assert repr(url) in fails(["crawl", "--out", str(tmp_path / "o"), url], 2)


def test_bad_line_in_seed_file_is_located(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# news\nhttp://127.0.0.1:9/ok  # a comment\n\nmailto:someone@example.com\n")
    assert f"{seeds}:4" in fails(["crawl", "--out", str(tmp_path / "o"), "--seeds", str(seeds)], 2)


def test_unusable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert "output" in fails(["crawl", "--out", str(blocker / "sub"), "http://127.0.0.1:9/"], 3)


def test_busy_output_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = folder_with_earlier_work(tmp_path / "o")
    with FolderLock(out):
        assert "in use by another seedcrawl run" in fails(
            ["crawl", "--out", str(out), "http://127.0.0.1:9/"], 3
        )
    assert (out / "keep.txt").read_text() == "earlier work"
    assert not list(out.glob("warc/*"))


def test_settings_budget_and_seed_file_take_effect(tmp_path: Path, demo_web: DemoWeb) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# the demo web\n" + "\n".join(demo_web.seed_urls[:2]) + "\n")
    demo_web.clear_log()
    result = crawl(
        tmp_path / "o", [], "--seeds", str(seeds), "--max-pages", "7", "-s", "USER_AGENT=tester/9.9"
    )
    pages = [e for e in demo_web.requests() if e.path != "/robots.txt"]
    hops = [e for e in pages if e.status in (301, 302)]  # a redirect's target costs no extra budget
    assert 2 <= len({e.url for e in pages}) - len({e.url for e in hops}) <= 7  # retries are the same URL
    assert {e.site for e in pages} <= {"ledger", "eurasia"}
    assert {e.headers.get("User-Agent") for e in demo_web.requests()} == {"tester/9.9"}
    assert "pages " in result.stderr and "responses by status" in result.stderr


@pytest.fixture
def robots_site(request: pytest.FixtureRequest) -> Iterator[tuple[SiteServer, int]]:
    status: int = request.param
    site = Site("robots")
    robots = page(b"User-agent: *\nDisallow:\n", "text/plain")
    site.add("/robots.txt", error_page(status) if status != 200 else robots)
    site.add("/", page(b"<html><body><a href='/a'>a</a></body></html>", "text/html"))
    site.add("/a", page(b"<html><body><p>a</p></body></html>", "text/html"))
    with SiteServer(site, host="127.0.0.31") as server:
        yield server, status


@pytest.mark.parametrize("robots_site", [503, 500, 429, 404, 200], indirect=True)
def test_robots_txt_per_rfc_9309(tmp_path: Path, robots_site: tuple[SiteServer, int]) -> None:
    server, status = robots_site
    out = tmp_path / "o"
    result = run_seedcrawl(
        ["crawl", "--out", str(out), *FAST, "-s", "RETRY_TIMES=0", server.base_url], timeout=60
    )
    fetched = {entry.path for entry in server.log.entries()}
    if status >= 500 or status == 429:  # unreachable: the whole host is disallowed
        assert fetched == {"/robots.txt"}
        assert result.returncode == 1  # nothing could be fetched, and the summary says why
        assert "robots_unreachable" in result.stderr
    else:  # 4xx: no robots.txt, everything allowed; 200 with an empty Disallow: the same
        assert {"/robots.txt", "/", "/a"} <= fetched  # (and feed/sitemap discovery fallbacks)
        assert result.returncode == 0


def test_a_bad_setting_value_is_a_usage_error_and_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = folder_with_earlier_work(tmp_path / "o")
    before = snapshot(out)
    done = installed(
        ["crawl", "--out", str(out), "-s", "DOWNLOAD_DELAY=abc", "http://127.0.0.1:9/"], timeout=60
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("seedcrawl: ") and "DOWNLOAD_DELAY" in last and "abc" in last
    assert snapshot(out) == before  # no run marker: the next crawl is a new run, not a "resume"
    again = installed(["crawl", "--out", str(out), "--no-requisites", "http://127.0.0.1:9/"], timeout=60)
    assert again.returncode == 1 and "resumed run" not in again.stderr
    marker = json.loads((out / "state" / "run.json").read_text())
    assert [attempt["resumed"] for attempt in marker["attempts"]] == [False]


def test_an_unknown_setting_name_is_a_warning_and_the_crawl_goes_on(
    tmp_path: Path, demo_web: DemoWeb
) -> None:
    out = tmp_path / "o"
    done = installed(
        [
            "crawl",
            "--out",
            str(out),
            *FAST,
            "--max-pages",
            "2",
            "-s",
            "DOWNLOAD_DELAYY=5",
            demo_web.seed_urls[0],
        ],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DOWNLOAD_DELAYY" in done.stderr and "did you mean DOWNLOAD_DELAY?" in done.stderr
    assert any((out / "warc").glob("*.warc.gz"))


def test_user_agent_option_and_its_default(tmp_path: Path, demo_web: DemoWeb) -> None:
    demo_web.clear_log()
    crawl(tmp_path / "a", demo_web.seed_urls[:1], "--max-pages", "2", "--user-agent", "tester/9.9 (+me)")
    assert {e.headers.get("User-Agent") for e in demo_web.requests()} == {"tester/9.9 (+me)"}
    demo_web.clear_log()
    crawl(tmp_path / "b", demo_web.seed_urls[:1], "--max-pages", "2")
    (agent,) = {e.headers.get("User-Agent") for e in demo_web.requests()}
    assert agent is not None and agent.startswith("seedcrawl/") and "README" in agent
    assert "http" not in agent and "example" not in agent  # no placeholder address


def test_verbose_and_quiet_set_what_the_console_shows(tmp_path: Path) -> None:
    args = ["crawl", "-s", "RETRY_TIMES=0", "http://127.0.0.1:9/"]
    plain = installed([*args, "--out", str(tmp_path / "a")], timeout=60)
    verbose = installed([*args, "--out", str(tmp_path / "b"), "-v"], timeout=60)
    quiet = installed([*args, "--out", str(tmp_path / "c"), "-q"], timeout=60)
    assert plain.returncode == verbose.returncode == quiet.returncode == 1
    robots = "robots.txt for 127.0.0.1:9 could not be fetched"
    assert robots in verbose.stderr and robots not in plain.stderr  # -v: the log's warnings too
    assert "responses by status" in plain.stderr and "responses by status" in verbose.stderr
    lines = quiet.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seedcrawl: no page was fetched")  # -q: the one line
    assert (
        robots
        in (
            tmp_path / "c" / "logs" / next(p.name for p in (tmp_path / "c" / "logs").glob("*.log"))
        ).read_text()
    )
