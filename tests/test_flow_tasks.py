"""The flow's steps without a Prefect server: the crawl's child, retries, artifacts, `seedcrawl run`'s setup.

Task logic runs through `task.fn(...)` and the plain functions behind the tasks; nothing here
starts Prefect's server (tests/test_flows.py runs the flow itself).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from pathlib import Path

import pytest
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from seedcrawl.crawl_result import CrawlError, CrawlResult, CrawlStatus, child_command
from seedcrawl.flows import tasks
from seedcrawl.flows.artifacts import artifact_key, host_rows, summary_markdown
from seedcrawl.flows.runner import embedded_server_env, prepare_environment, quiet_console
from seedcrawl.option_fields import from_values, to_json
from seedcrawl.options import CrawlOptions
from seedcrawl.outdir.lock import RUN_LOCK_NAME, FolderLock
from seedcrawl.run_cmd import add_run_parser, cmd_run


def test_the_crawl_child_is_given_every_option() -> None:
    options = CrawlOptions(
        out=Path("/data/news"), run_id="r1", urls=("http://a.test/", "http://b.test/-x"), seeds_file=Path("/s.txt"),
        allow_hosts=("cdn.a.test",), depth=2, max_pages=50, settings={"DOWNLOAD_DELAY": "0", "X": '{"a": 1}'},
        topic_files=(Path("/t1.txt"), Path("/t2.txt")), topic="kerry lavrov", refetch=True, max_bytes=10,
        max_time=2.5, user_agent="tester/1", browser="never", scope="domain", include=("a,b",),
    )  # fmt: skip
    sent = json.loads(json.dumps(to_json(options)))  # as the child reads it from its stdin
    assert sent["urls"] == ["http://a.test/", "http://b.test/-x"] and sent["topic_files"] == [
        "/t1.txt",
        "/t2.txt",
    ]
    assert from_values(CrawlOptions, sent) == options
    assert child_command(Path("/tmp/r.json"))[:4] == [
        sys.executable,
        "-m",
        "seedcrawl.crawl_child",
        "/tmp/r.json",
    ]


def test_a_refused_crawl_is_not_retried(tmp_path: Path) -> None:
    options = CrawlOptions(out=tmp_path, run_id="r1")  # no seeds: the crawl refuses (exit 2)
    with pytest.raises(tasks.CrawlFailed, match="no seeds") as refused:
        tasks.crawl.fn(options)
    assert refused.value.exit_code == 2 and not refused.value.retryable
    retry = tasks.crawl.retry_condition_fn
    assert retry is not None
    assert not retry(tasks.crawl, None, Failed(data=refused.value))  # type: ignore[arg-type]
    site_down = CrawlResult(CrawlStatus.NOTHING_FETCHED, "site down", errors={"TimeoutError": 3})
    assert retry(tasks.crawl, None, Failed(data=tasks.CrawlFailed(site_down)))  # type: ignore[arg-type]


def test_tasks_retry_the_crawl_and_cache_nothing() -> None:
    assert tasks.crawl.retries == 2 and tasks.crawl.retry_delay_seconds == [10, 60]
    for step in (tasks.crawl, tasks.process, tasks.index, tasks.package):
        assert step.cache_policy is NO_CACHE


def test_host_table_joins_crawl_and_processing_counts() -> None:
    crawl = {
        "a:80": {"responses": 5, "pages": 4, "bytes": 100},
        "b:80": {"responses": 1, "pages": 1, "bytes": 9},
    }
    made = {"a:80": {"articles": 2, "duplicates": 1, "rejects": 1}, "c:80": {"articles": 1}}
    columns = ["host", "responses", "pages", "bytes", "articles", "duplicates", "rejects"]
    assert host_rows(crawl, made) == [
        dict(zip(columns, ["a:80", 5, 4, 100, 2, 1, 1], strict=True)),
        dict(zip(columns, ["b:80", 1, 1, 9, 0, 0, 0], strict=True)),
        dict(zip(columns, ["c:80", 0, 0, 0, 1, 0, 0], strict=True)),  # processed, not crawled this run
    ]


def test_summary_and_keys() -> None:
    record = {
        "run_id": "r7", "out": "/x", "steps": {"crawl": 3.0, "process": 1.5},
        "crawl": {"pages": 9, "errors": {"timeout": 2}}, "process": {"articles": 4, "duplicates": 1},
        "outputs": {"articles": "/x/corpus/articles.jsonl"},
    }  # fmt: skip
    text = summary_markdown(record)
    for expected in ("| pages fetched | 9 |", "| new articles | 4 |", "| crawl errors | timeout 2 |",
                     "| crawl | 3.0 |", "| **total** | 4.5 |", "- articles: `/x/corpus/articles.jsonl`"):  # fmt: skip
        assert expected in text
    assert artifact_key(Path("/data/News Archive (2026)"), "hosts") == "seedcrawl-news-archive-2026-hosts"
    assert artifact_key(Path("/data/___"), "summary") == "seedcrawl-summary"


def test_embedded_server_settings_go_to_the_output_folder_unless_chosen(tmp_path: Path) -> None:
    env = embedded_server_env(tmp_path, {})
    assert env["PREFECT_HOME"] == str(tmp_path / ".prefect")
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert int(env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 60
    assert "PREFECT_HOME" not in embedded_server_env(tmp_path, {"PREFECT_API_URL": "http://127.0.0.1:4200"})
    chosen = embedded_server_env(tmp_path, {"PREFECT_HOME": "/p", "PREFECT_SERVER_ANALYTICS_ENABLED": "true"})
    assert "PREFECT_HOME" not in chosen and "PREFECT_SERVER_ANALYTICS_ENABLED" not in chosen
    assert "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL" not in embedded_server_env(tmp_path, {}, verbose=True)
    environ: dict[str, str] = {}
    prepare_environment(tmp_path / "new" / "out", environ)  # Prefect cannot make its home's parents
    assert Path(environ["PREFECT_HOME"]).is_dir()


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_run_parser(parser.add_subparsers(dest="command"))
    return cmd_run(parser.parse_args(["run", *argv]))


def test_run_refuses_before_starting_prefect(tmp_path: Path) -> None:
    with pytest.raises(CrawlError, match="no seeds") as no_seeds:
        run_cli("--out", str(tmp_path))
    assert no_seeds.value.exit_code == 2
    with pytest.raises(CrawlError, match="--dedup-threshold") as bad:
        run_cli("--out", str(tmp_path), "--dedup-threshold", "0", "http://a.test/")
    assert bad.value.exit_code == 2
    with pytest.raises(CrawlError, match="DOWNLOAD_DELAY") as bad_setting:
        run_cli("--out", str(tmp_path), "-s", "DOWNLOAD_DELAY=abc", "http://a.test/")
    assert bad_setting.value.exit_code == 2
    with FolderLock(tmp_path, name=RUN_LOCK_NAME), pytest.raises(CrawlError, match="in use") as busy:
        run_cli("--out", str(tmp_path), "http://a.test/")
    assert busy.value.exit_code == 3


def test_quiet_console_drops_run_records_only() -> None:
    from prefect.logging.handlers import PrefectConsoleHandler

    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_console()
        for name, text in (("prefect.task_runs", "task traceback"), ("trafilatura.core", "library warning")):
            handler.handle(logging.LogRecord(name, logging.ERROR, __file__, 1, text, None, None))
    finally:
        root.removeHandler(handler)
    assert "library warning" in stream.getvalue() and "task traceback" not in stream.getvalue()
