"""Hostile folders: a second crawl into a running crawl's folder, and a WARC writer that dies.

A page that holds its answer until the test lets it go keeps the first crawl running (and its
writer idle) for as long as the test needs, without any timing guess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from seedcrawl.archive.reader import iter_folder
from tests.faults.running import FAULT_ARGS, RUN_ID, assert_archive_whole
from tests.faults.webs import Answer, FaultWeb, article, home
from tests.support.cli import REPO, run_seedcrawl, seedcrawl_command
from tests.support.testweb import Request

pytestmark = pytest.mark.slow

PAGES = [f"/p/{n}" for n in range(4)]


class Hold:
    """A route that answers only once released; `entered` is set when a request reaches it."""

    def __init__(self, page: Answer) -> None:
        self.page = page
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: Request) -> Answer:
        self.entered.set()
        self.release.wait(60)
        return self.page


def held_site(web: FaultWeb, name: str, host: str) -> Hold:
    site = web.add_site(name, host)
    hold = Hold(article(40))
    for n, path in enumerate(PAGES):
        site.add(path, article(41 + n))
    site.add("/hold", hold)
    site.add("/", home([*PAGES, "/hold", web.url("sentinel")]))
    return hold


def start_crawl(out: Path, seed: str) -> subprocess.Popen[bytes]:
    args = ["crawl", "--out", str(out), "--run-id", RUN_ID, *FAULT_ARGS, seed]
    return subprocess.Popen(
        seedcrawl_command(*args), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.fixture()
def web() -> Iterator[FaultWeb]:
    with FaultWeb(sentinel_host="127.0.0.229") as web:
        yield web


def test_second_crawl_with_other_seeds_into_a_busy_folder_is_refused_with_the_pid(
    web: FaultWeb, tmp_path: Path
) -> None:
    hold = held_site(web, "first", "127.0.0.221")
    other = web.add_site("other", "127.0.0.222")
    other.add("/", home([]))
    out = tmp_path / "out"
    first = start_crawl(out, web.url("first"))
    try:
        wait_for(hold.entered.is_set, "the first crawl to reach /hold")
        marker = json.loads((out / "state" / "run.json").read_text())
        assert marker["status"] == "running"
        log_before = sorted(p.name for p in (out / "logs").iterdir())
        second = run_seedcrawl(["crawl", "--out", str(out), *FAULT_ARGS, web.url("other")], timeout=120)
        assert second.returncode == 3, second.stderr[-2000:]
        assert f"pid {first.pid}" in second.stderr
        assert sorted(p.name for p in (out / "logs").iterdir()) == log_before  # no log of its own
        assert json.loads((out / "state" / "run.json").read_text()) == marker  # the plan is untouched
    finally:
        hold.release.set()
        _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr.decode()[-2000:]
    assert_archive_whole(out)
    assert web.entries("other") == []  # the refused crawl requested nothing
    assert web.entries("sentinel") == []


def test_a_dead_writer_process_leaves_no_open_file_and_the_next_run_resumes(
    web: FaultWeb, tmp_path: Path
) -> None:
    hold = held_site(web, "writer", "127.0.0.223")
    out = tmp_path / "out"
    crawl = start_crawl(out, web.url("writer"))
    try:
        wait_for(hold.entered.is_set, "the crawl to reach /hold")
        wait_for(lambda: bool(list((out / "warc").glob("*.open"))), "a WARC file being written")
        [writer] = children(crawl.pid)
        os.kill(writer, signal.SIGKILL)
    finally:
        hold.release.set()  # its response is the next exchange submitted: the death is noticed
        _, err = crawl.communicate(timeout=120)
    stderr = err.decode()
    assert crawl.returncode == 4, stderr[-2000:]
    assert "every WARC file is closed and whole" in stderr
    assert "run the same command again to resume" in stderr
    assert list((out / "warc").glob("*.open")) == []
    assert_archive_whole(out)
    assert json.loads((out / "state" / "run.json").read_text())["status"] == "interrupted"

    # What the message promises: the same command resumes the run and finishes it.
    again = run_seedcrawl(
        ["crawl", "--out", str(out), "--run-id", RUN_ID, *FAULT_ARGS, web.url("writer")], timeout=120
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert_archive_whole(out)
    marker = json.loads((out / "state" / "run.json").read_text())
    assert (marker["status"], [a["resumed"] for a in marker["attempts"]]) == ("ended", [False, True])
    captured = {
        r.target_uri for r in iter_folder(out / "warc") if r.type == "response" and r.http_status == 200
    }
    assert {web.url("writer", path) for path in [*PAGES, "/hold"]} <= captured
    assert web.entries("sentinel") == []
