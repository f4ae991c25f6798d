"""A crawl killed at any moment is resumed by running it again: every page is archived in the end,
only the pages in flight at the kill are fetched twice, and processing killed mid-write leaves a
corpus without a duplicate or a torn line."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import iter_records
from seedcrawl.crawler.capture.run_lifecycle import ARCHIVE_ERROR_REASON
from seedcrawl.crawler.run.replay import warcinfo_run_id
from seedcrawl.crawler.run.resume import (
    ENDED,
    RESUMABLE_REASONS,
    ResumeConflict,
    RunMarker,
    RunSpec,
    plan_run,
    read_run,
)
from seedcrawl.outdir.errors import FolderBusy
from tests.support.cli import REPO, crawl, run_seedcrawl
from tests.support.testweb import DemoWeb
from tests.support.treeweb import start_crawl, wait_for

SPEC = RunSpec(seeds=("http://127.0.0.1:9/",), depth=3, settings={"DOWNLOAD_DELAY": "0"})
# A redirect hop, retries and Retry-After waits are part of the demo web; the waits are not.
ARGS = ["--depth", "8", "-s", "SEEDCRAWL_RETRY_AFTER_MAX=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
ROTATE = ["-s", "SEEDCRAWL_WARC_MAX_FILE_SIZE=30000"]  # a kill then finds closed files and an open one
IN_FLIGHT_BOUND = 16  # 4 hosts x 2 downloads, and as many again downloaded but not yet written


def new_id() -> str:
    return "new-run"


# -- which run a crawl is --------------------------------------------------------------------------


def test_an_unfinished_run_is_resumed_with_its_own_seeds_and_options(tmp_path: Path) -> None:
    assert plan_run(tmp_path, SPEC, None, False, new_id).resume is False  # nothing there yet
    RunMarker.begin(tmp_path, "r1", SPEC, resume=False, replaces=None)  # then killed: still running
    plan = plan_run(tmp_path, RunSpec(settings={"LOG_LEVEL": "DEBUG"}), None, False, new_id)
    assert plan.resume and plan.run_id == "r1"
    assert plan.spec.seeds == SPEC.seeds and plan.spec.depth == 3
    assert plan.spec.settings == {"DOWNLOAD_DELAY": "0", "LOG_LEVEL": "DEBUG"}  # how to crawl may change
    assert plan_run(tmp_path, SPEC, "r1", False, new_id).resume  # the same seeds and id given again
    with pytest.raises(ResumeConflict, match=r"seeds.*--new-run"):
        plan_run(tmp_path, RunSpec(seeds=("http://127.0.0.2:9/",)), None, False, new_id)
    for plan in (
        plan_run(tmp_path, SPEC, None, True, new_id),
        plan_run(tmp_path, SPEC, "other", False, new_id),
    ):
        assert not plan.resume and plan.replaces == "r1" and plan.run_id != "r1"


@pytest.mark.parametrize(
    ("reason", "resumable"),
    [
        ("shutdown", True),  # SIGTERM / Ctrl-C
        (ARCHIVE_ERROR_REASON, True),  # disk full
        (None, True),  # forced stop: the spider never closed
        ("finished", False),
        ("max_time", False),  # a limit the user set is an end
        ("closespider_pagecount", False),
    ],
)
def test_only_an_interrupted_run_is_resumed(tmp_path: Path, reason: str | None, resumable: bool) -> None:
    assert ARCHIVE_ERROR_REASON in RESUMABLE_REASONS
    RunMarker.begin(tmp_path, "r1", SPEC, resume=False, replaces=None).finish(reason, {"seedcrawl/pages": 5})
    marker = read_run(tmp_path)
    assert marker is not None and marker.attempts[0]["pages"] == 5
    assert plan_run(tmp_path, SPEC, None, False, new_id).resume is resumable


def test_the_plan_is_checked_again_under_the_folder_lock(tmp_path: Path) -> None:
    plan = plan_run(tmp_path, SPEC, None, False, new_id)  # a new run: nothing unfinished
    RunMarker.begin(tmp_path, "meanwhile", SPEC, resume=False, replaces=None)  # another crawl, killed since
    with pytest.raises(FolderBusy):
        RunMarker.begin(tmp_path, plan.run_id, plan.spec, resume=False, replaces=plan.replaces)


def test_other_seeds_than_the_unfinished_runs_are_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    RunMarker.begin(tmp_path / "state", "r1", SPEC, resume=False, replaces=None)
    result = run_seedcrawl(["crawl", "--out", str(tmp_path), "http://127.0.0.2:9/"])
    assert result.returncode == 2
    assert "run r1, which did not finish" in result.stderr and "--new-run" in result.stderr
    assert not (tmp_path / "warc").exists()  # refused before anything started


# -- killed and resumed ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_web() -> Iterator[DemoWeb]:
    with DemoWeb(port=0, latency=0.05, first_host="127.0.0.80") as web:
        yield web


@pytest.fixture(scope="module")
def uninterrupted(slow_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Counter[str]]:
    """The same crawl without a kill: its folder (not processed) and the requests it made."""
    out = tmp_path_factory.mktemp("whole") / "out"
    slow_web.clear_log()
    crawl(out, slow_web.seed_urls, *ARGS)
    return out, Counter(entry.url for entry in slow_web.requests())


def responses(warc_dir: Path, pattern: str = "*.warc.gz") -> dict[str, set[int]]:
    """Statuses archived per URL, reading whole records only (an `.open` file's cut tail is skipped)."""
    found: dict[str, set[int]] = {}
    for path in sorted(warc_dir.glob(pattern)):
        for record in iter_records(path, max_payload=0, on_error=lambda err: None):
            if record.type in ("response", "revisit"):
                found.setdefault(record.target_uri or "", set()).add(record.http_status or 0)
    return found


@pytest.mark.slow
def test_killed_crawl_resumes_and_archives_every_page_once(
    tmp_path: Path, slow_web: DemoWeb, uninterrupted: tuple[Path, Counter[str]]
) -> None:
    whole, expected = uninterrupted
    out = tmp_path / "out"
    slow_web.clear_log()
    child = start_crawl(out, slow_web.seed_urls, *ARGS, *ROTATE)
    wait_for(
        lambda: len(slow_web.requests()) >= 50 and any((out / "warc").glob("*.open")), 60, "a crawl midway"
    )
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    before_kill = Counter(entry.url for entry in slow_web.requests())
    archived_before = {**responses(out / "warc"), **responses(out / "warc", "*.warc.gz.open")}
    assert set(archived_before) < set(expected), "the kill came after the crawl was over"

    resumed = crawl(out, slow_web.seed_urls, *ARGS, *ROTATE)

    requested = Counter(entry.url for entry in slow_web.requests())
    assert set(requested) == set(expected)  # nothing missed, nothing more than an uninterrupted crawl
    refetched = {url for url in requested if url in before_kill and requested[url] > expected[url]}
    good_before = {url for url, statuses in archived_before.items() if max(statuses) < 500}
    fetched_again = {url for url in refetched - good_before if not url.endswith("/robots.txt")}
    # Only pages in flight at the kill were fetched twice: nothing archived whole was fetched again.
    assert not (refetched & good_before) - {url for url in refetched if url.endswith("/robots.txt")}
    assert len(fetched_again) <= IN_FLIGHT_BOUND, sorted(fetched_again)

    report = check_folder(out / "warc")
    assert report.ok, (report.open_files, [p for r in report.reports for p in r.problems])
    assert responses(out / "warc").keys() == responses(whole / "warc").keys()
    marker = read_run(out / "state")
    assert marker is not None and marker.status == ENDED and len(marker.attempts) == 2
    assert {warcinfo_run_id(path) for path in (out / "warc").glob("*.warc.gz")} == {marker.run_id}
    # the crawl's summary says it resumed, and what it read back instead of fetching
    summary = json.loads((out / "logs" / f"crawl-{marker.run_id}.json").read_text(encoding="utf-8"))
    assert summary["resumed"] is True and summary["replayed"] > 0
    assert f"resumed run {marker.run_id}: {summary['replayed']} archived pages" in resumed.stderr

    assert run_seedcrawl(["process", str(out), "--workers", "1"]).returncode == 0
    ids = [line["id"] for name in ("articles", "duplicates", "rejects") for line in read_jsonl(out, name)]
    assert ids and len(ids) == len(set(ids))


# -- processing killed while it writes the corpus ----------------------------------------------------

KILL_WHILE_WRITING = """
import json, os, signal, sys
from seedcrawl.pipelines import corpus
from seedcrawl.cli import main

original, lines = corpus.JsonlAppender.write, [0]

def write(self, obj):
    if self.path.name == "articles.jsonl":
        lines[0] += 1
        if lines[0] == int(sys.argv[2]):  # half a line out, then killed
            self._out.write(json.dumps(obj).encode()[:200])
            self._out.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    original(self, obj)

corpus.JsonlAppender.write = write
main(["process", sys.argv[1], "--workers", "1"])
"""


def read_jsonl(out: Path, name: str) -> list[dict[str, object]]:
    path = out / "corpus" / f"{name}.jsonl"
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


@pytest.mark.slow
def test_process_killed_mid_line_leaves_no_duplicate_and_no_torn_line(
    tmp_path: Path, uninterrupted: tuple[Path, Counter[str]]
) -> None:
    whole, _ = uninterrupted
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for folder in (reference, killed):
        shutil.copytree(whole, folder)
    assert run_seedcrawl(["process", str(reference), "--workers", "1"]).returncode == 0

    died = subprocess.run(
        [sys.executable, "-c", KILL_WHILE_WRITING, str(killed), "10"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr[-2000:]
    assert not (killed / "corpus" / "articles.jsonl").read_bytes().endswith(b"\n")  # torn as left

    assert run_seedcrawl(["process", str(killed), "--workers", "1"]).returncode == 0
    for name in ("articles", "duplicates", "rejects"):
        ids = [line["id"] for line in read_jsonl(killed, name)]  # every line parses
        assert len(ids) == len(set(ids)), name
        assert set(ids) == {line["id"] for line in read_jsonl(reference, name)}, name
    again = run_seedcrawl(["process", str(killed), "--workers", "1"])
    assert again.returncode == 0 and "0 new articles" in again.stderr
