"""The Prefect flow over the demo web: two incremental runs, artifacts, the run lock, `seedcrawl run`.

Flow tests share one temporary Prefect server (`prefect_server`, about 18 s to start); the steps
themselves are tested without a server in tests/test_flow_tasks.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.client.schemas.objects import Artifact, State

from seedcrawl.flows.artifacts import artifact_key
from seedcrawl.flows.crawl_flow import seedcrawl_flow
from tests.support.testweb import DemoWeb, Site, SiteServer, error_page

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
NEWS = [
    "The city council approved a new budget on Tuesday after a long debate about road repairs, "
    "school funding and the future of the central library, which had faced closure for two years.",
    "Council members said the compromise keeps the library open on weekdays and adds money for "
    "repairs, while a proposal to raise parking fees was dropped after objections from shop owners.",
]


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def record_of(state: State[Any]) -> dict[str, Any]:
    """The run record a completed flow run returned."""
    record = state.result()
    assert isinstance(record, dict), record
    return record


def read_artifacts(flow_run_id: Any) -> dict[str, Artifact]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key or "": a for a in found}


class Holder:
    """Another process holding the run lock of `out`, as a first run does, until released."""

    def __init__(self, out: Path) -> None:
        script = (
            "import sys; from pathlib import Path; from seedcrawl.outdir.lock import FolderLock, RUN_LOCK_NAME; "
            "FolderLock(Path(sys.argv[1]), name=RUN_LOCK_NAME).acquire(); print('held', flush=True); sys.stdin.read()"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "held\n"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@dataclass
class TwoRuns:
    out: Path
    states: list[State[Any]]  # the final state of each run
    articles: list[list[str]]  # articles.jsonl lines after each run
    first_duplicates: int  # duplicates.jsonl lines after run 1
    archived: set[str]  # URLs with a 200 response in the archive after run 1
    second_requests: list[str]  # URLs the demo web served during run 2
    published: str  # the article published between the runs
    seeds: list[str]


@pytest.fixture(scope="module")
def two_runs(prefect_server: str, demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    out = tmp_path_factory.mktemp("flows") / "demo news"
    params: dict[str, Any] = {
        "out": str(out),
        "options": {"urls": demo_web.seed_urls, "settings": FAST, "retries": 0},
    }
    first = seedcrawl_flow(**params, return_state=True)
    after_first = lines(out / "corpus" / "articles.jsonl")
    first_duplicates = len(lines(out / "corpus" / "duplicates.jsonl"))
    archived = {
        json.loads(line.split(" ", 2)[2])["url"]
        for line in lines(out / "indexes" / "index.cdxj")
        if '"status": "200"' in line
    }
    published = demo_web.publish("ledger", "Council approves budget after library row", NEWS, section="world")
    demo_web.clear_log()
    second = seedcrawl_flow(**params, return_state=True)
    return TwoRuns(
        out,
        [first, second],
        [after_first, lines(out / "corpus" / "articles.jsonl")],
        first_duplicates,
        archived,
        [r.url for r in demo_web.requests()],
        published,
        demo_web.seed_urls,
    )


def test_each_run_completes_and_writes_its_record(two_runs: TwoRuns) -> None:
    for state in two_runs.states:
        assert state.is_completed(), state.message
        record = record_of(state)
        assert json.loads(Path(record["outputs"]["run record"]).read_text()) == record
        assert set(record["steps"]) == {"crawl", "process", "index", "package"}
        assert Path(record["package"]["path"]).exists() and record["package"]["pages"] > 0
    first = record_of(two_runs.states[0])
    assert first["run_id"] == str(two_runs.states[0].state_details.flow_run_id)
    assert first["crawl"]["pages"] > 0 and first["process"]["articles"] == len(two_runs.articles[0]) > 0


def test_second_run_adds_only_new_records(two_runs: TwoRuns) -> None:
    before, after = two_runs.articles
    assert after[: len(before)] == before  # appended to, never rewritten
    added = [json.loads(line) for line in after[len(before) :]]
    assert two_runs.published in {a["url"] for a in added}
    ids = [json.loads(line)["id"] for line in after]
    assert len(ids) == len(set(ids))
    second = record_of(two_runs.states[1])
    assert second["process"]["articles"] == len(added)
    assert {a["run_id"] for a in added} == {second["run_id"]}


def test_second_run_fetches_no_article_it_already_archived(two_runs: TwoRuns, demo_web: DemoWeb) -> None:
    articles = set(demo_web.manifest.articles)
    refetched = (set(two_runs.second_requests) & articles & two_runs.archived) - {two_runs.published}
    assert two_runs.published in two_runs.second_requests
    assert not refetched, f"{len(refetched)} archived articles fetched again, e.g. {sorted(refetched)[:3]}"


def test_refetch_asks_again_for_archived_articles_conditionally(two_runs: TwoRuns, demo_web: DemoWeb) -> None:
    demo_web.clear_log()
    options = {"urls": demo_web.seed_urls, "settings": FAST, "retries": 0, "refetch": True}
    state = seedcrawl_flow(out=str(two_runs.out), options=options, return_state=True)
    assert state.is_completed(), state.message
    again = [
        r for r in demo_web.requests() if r.url in two_runs.archived and r.url in demo_web.manifest.articles
    ]
    assert again and all("If-None-Match" in r.headers or "If-Modified-Since" in r.headers for r in again)
    ids = [json.loads(line)["id"] for line in lines(two_runs.out / "corpus" / "articles.jsonl")]
    assert len(ids) == len(set(ids))


def test_artifacts_report_the_run(two_runs: TwoRuns) -> None:
    out, state = two_runs.out, two_runs.states[0]
    record = record_of(state)
    found = read_artifacts(state.state_details.flow_run_id)
    assert set(found) == {artifact_key(out, kind) for kind in ("progress", "summary", "hosts")}
    assert artifact_key(out, "summary") == "seedcrawl-demo-news-summary"
    assert found[artifact_key(out, "progress")].data == 100.0
    summary = str(found[artifact_key(out, "summary")].data)
    assert f"| new articles | {len(two_runs.articles[0])} |" in summary
    assert f"| duplicates dropped | {two_runs.first_duplicates} |" in summary
    assert f"| pages fetched | {record['crawl']['pages']} |" in summary
    rows = json.loads(str(found[artifact_key(out, "hosts")].data))
    assert {urlsplit(u).netloc for u in two_runs.seeds} <= {r["host"] for r in rows}
    assert sum(r["articles"] for r in rows) == len(two_runs.articles[0])
    assert sum(r["pages"] for r in rows) == record["crawl"]["pages"]


def test_the_run_writes_report_html_and_links_it(two_runs: TwoRuns) -> None:
    out, state = two_runs.out, two_runs.states[0]
    record = record_of(state)
    assert record["outputs"]["report"] == str(out / "report.html")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="pages-over-time"' in page and "<script src=" not in page
    summary = str(read_artifacts(state.state_details.flow_run_id)[artifact_key(out, "summary")].data)
    assert "## At a glance" in summary and (out / "report.html").as_uri() in summary
    assert f"| crawl run | {record['run_id']} |" in summary
    assert f"| new articles | {record['process']['articles']:,} |" in summary


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and ".prefect" not in p.parts
        and not p.name.endswith(".lock")  # locks record their holder
    }


def test_a_second_run_is_refused_while_the_first_holds_the_folder(
    two_runs: TwoRuns, demo_web: DemoWeb
) -> None:
    before = snapshot(two_runs.out)
    holder = Holder(two_runs.out)
    try:
        state = seedcrawl_flow(
            out=str(two_runs.out), options={"urls": demo_web.seed_urls, "settings": FAST}, return_state=True
        )
    finally:
        holder.release()
    assert state.is_failed()
    assert f"in use by another seedcrawl run (pid {holder.proc.pid})" in str(state.message)
    assert state.result(raise_on_failure=False) == {"exit_code": 3, "reason": state.message}
    assert snapshot(two_runs.out) == before
    progress = read_artifacts(state.state_details.flow_run_id)[artifact_key(two_runs.out, "progress")]
    assert str(progress.description).startswith("failed: output folder")


def test_a_run_asked_to_wait_starts_when_the_lock_is_released(
    prefect_server: str, demo_web: DemoWeb, tmp_path: Path
) -> None:
    out = tmp_path / "waiting"
    out.mkdir()
    holder = Holder(out)

    def release_once_the_run_is_waiting() -> None:
        # the flow creates its progress artifact just before it asks for the lock
        key = ArtifactFilterKey(any_=[artifact_key(out, "progress")])
        deadline = time.monotonic() + 120  # only so that a broken flow cannot hang the suite
        with get_client(sync_client=True) as client:
            while not client.read_artifacts(artifact_filter=ArtifactFilter(key=key)):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        holder.release()

    releaser = threading.Thread(target=release_once_the_run_is_waiting)
    releaser.start()
    try:
        state = seedcrawl_flow(
            out=str(out), options={"urls": demo_web.seed_urls[:1], "max-pages": 3, "settings": FAST,
            "no-package": True, "lock-wait": 300, "retries": 0}, return_state=True,
        )  # fmt: skip
    finally:
        releaser.join()
    assert state.is_completed(), state.message
    assert set(record_of(state)["steps"]) == {"crawl", "process", "index"}


@pytest.mark.slow
def test_seedcrawl_run_on_the_embedded_server(demo_web: DemoWeb, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    driver = (
        "import argparse, sys; from seedcrawl.run_cmd import add_run_parser, cmd_run; "
        "p = argparse.ArgumentParser(); add_run_parser(p.add_subparsers(dest='c')); "
        "sys.exit(cmd_run(p.parse_args(sys.argv[1:])))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    argv = [
        "run",
        "--out",
        str(out),
        "--max-pages",
        "5",
        "-s",
        "DOWNLOAD_DELAY=0",
        "--extraction",
        "accurate",
    ]
    argv += demo_web.seed_urls[:1]
    command = [sys.executable, "-c", driver, *argv]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "finished in" in done.stderr and f"package: {out}/package/cli.wacz" in done.stderr
    assert (out / ".prefect" / "prefect.db").exists()  # run history kept beside the data
    assert (out / "package" / "cli.wacz").exists()
    assert f"report: {out}/report.html" in done.stderr and (out / "report.html").exists()
    # `run`'s options reach the flow's processing step
    (record,) = (json.loads(path.read_text()) for path in (out / "logs").glob("run-*.json"))
    assert record["process"]["extraction"] == "accurate"


@pytest.mark.slow
def test_demo_ends_by_printing_the_report_path(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    command = [sys.executable, "-m", "seedcrawl", "demo", "--out", str(out), "--port", "0"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.splitlines()[-1] == f"report: {out.absolute()}/report.html"
    assert 'data-chart="history"' in (out / "report.html").read_text(encoding="utf-8")


def test_bad_options_fail_the_run_before_anything_is_done(prefect_server: str, tmp_path: Path) -> None:
    out = tmp_path / "never made"
    state = seedcrawl_flow(
        out=str(out), options={"urls": ["http://127.0.0.1:9/"], "settings": {"DOWNLOAD_DELAY": "abc"}},
        return_state=True,
    )  # fmt: skip
    assert state.is_failed() and "DOWNLOAD_DELAY" in str(state.message)
    assert state.result(raise_on_failure=False) == {"exit_code": 2, "reason": state.message}
    assert not out.exists()


def test_a_server_that_may_come_back_is_retried(prefect_server: str, tmp_path: Path) -> None:
    site = Site("down")
    site.add("/robots.txt", error_page(503))
    site.add("/", error_page(503))
    with SiteServer(site, host="127.0.0.32") as server:
        state = seedcrawl_flow(
            out=str(tmp_path / "o"),
            options={"urls": [server.base_url], "retries": 1, "settings": {**FAST, "RETRY_TIMES": 0}},
            return_state=True,
        )
        asked = [entry.path for entry in server.log.entries()]
    assert state.is_failed() and "no page was fetched" in str(state.message)
    assert asked == ["/robots.txt", "/robots.txt"]  # a 503 may pass: crawled again, once
