"""prefect.yaml: its deployments load through Prefect's own models and really deploy.

The schedule is checked by computing its next dates with Prefect's schedule model, and the
deployment is created with `prefect --no-prompt deploy --all` against the session's temporary
server. No scheduler or worker runs: the temporary server does not schedule.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule as ServerCronSchedule
from prefect.workers.process import ProcessWorker

from seedcrawl.flows.crawl_flow import seedcrawl_flow
from seedcrawl.options import RunOptions

REPO = Path(__file__).resolve().parents[1]
POOL = "seedcrawl-pool"


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    return loaded


def deployment(config: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in config["deployments"] if d["name"] == name)
    return found


def test_prefect_deploy_accepts_the_file(config: dict[str, Any]) -> None:
    model = PrefectYamlModel.model_validate(config)  # what `prefect deploy` validates the file with
    assert [d.name for d in model.deployments] == ["hourly-news", "demo-web", "sharded-news"]
    assert all(d.work_pool and d.work_pool.name == POOL for d in model.deployments)
    pull = config["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert pull["directory"] == "{{ checkout.stdout }}"
    assert config["build"][0]["prefect.deployments.steps.run_shell_script"]["id"] == "checkout"


def test_hourly_news_runs_at_minute_15_utc(config: dict[str, Any]) -> None:
    (spec,) = deployment(config, "hourly-news")["schedules"]
    schedule = DeploymentScheduleCreate(schedule=CronSchedule(cron=spec["cron"], timezone=spec["timezone"]))
    assert schedule.active and isinstance(schedule.schedule, CronSchedule)
    server_side = ServerCronSchedule(cron=spec["cron"], timezone=spec["timezone"])
    start = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
    dates = asyncio.run(server_side.get_dates(n=3, start=start))
    assert [(d.hour, d.minute) for d in dates] == [(11, 15), (12, 15), (13, 15)]


@pytest.mark.parametrize("name", ["hourly-news", "demo-web", "sharded-news"])
def test_entrypoint_is_the_flow_and_parameters_fit_it(config: dict[str, Any], name: str) -> None:
    spec = deployment(config, name)
    loaded: Flow[..., Any] = load_flow_from_entrypoint(spec["entrypoint"])
    assert loaded.name == seedcrawl_flow.name
    assert loaded.fn.__code__.co_filename == seedcrawl_flow.fn.__code__.co_filename
    validated = loaded.validate_parameters(spec["parameters"])
    assert validated["out"] == spec["parameters"]["out"]
    # and the options they name are ones `seedcrawl run` takes, with values it accepts
    config_file = str(REPO / validated["config"]) if validated.get("config") else None
    options = RunOptions.from_parameters(validated["out"], validated.get("options"), config_file)
    assert options.out == Path(spec["parameters"]["out"])


def test_hourly_news_reads_its_crawl_config_as_seedcrawl_run_does(config: dict[str, Any]) -> None:
    parameters = deployment(config, "hourly-news")["parameters"]
    filed = RunOptions.from_parameters(
        parameters["out"], parameters["options"], str(REPO / parameters["config"])
    )
    assert filed.seeds_file == Path("seeds/news.txt") and (REPO / filed.seeds_file).exists()
    assert filed.topic and filed.max_pages == 2000 and filed.depth == 2
    assert filed.settings["DOWNLOAD_DELAY"] == "2"  # politeness towards other people's sites
    assert filed.lock_wait == 0 and filed.crawl_retries == 2 and filed.dedup_threshold == 0.8


def test_sharded_news_passes_its_shards_to_the_crawl(config: dict[str, Any]) -> None:
    parameters = deployment(config, "sharded-news")["parameters"]
    crawl = RunOptions.from_parameters(parameters["out"], parameters["options"]).crawl_options()
    assert crawl.shards == 4 and crawl.redis == "redis://127.0.0.1:6379/0" and crawl.max_pages == 2000


@pytest.mark.slow
def test_prefect_deploy_creates_the_scheduled_deployments(prefect_server: str, tmp_path: Path) -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(
                name=POOL, type="process", base_job_template=ProcessWorker.get_default_base_job_template()
            ),
            overwrite=True,
        )
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with get_client(sync_client=True) as client:
        hourly = client.read_deployment_by_name("seedcrawl/hourly-news")
        demo = client.read_deployment_by_name("seedcrawl/demo-web")
    assert [s.schedule.cron for s in hourly.schedules] == ["15 * * * *"]  # type: ignore[union-attr]
    assert [s.schedule.cron for s in demo.schedules] == ["*/10 * * * *"]  # type: ignore[union-attr]
    assert hourly.work_pool_name == POOL and hourly.entrypoint == "seedcrawl.flows.crawl_flow:seedcrawl_flow"
    assert hourly.parameters["out"] == "out/news"
    assert hourly.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
    ]
    # an overlapping scheduled run is dropped, not queued behind an hour-long one
    assert hourly.global_concurrency_limit is not None and hourly.global_concurrency_limit.limit == 1
    assert hourly.concurrency_options is not None
    assert hourly.concurrency_options.collision_strategy.value == "CANCEL_NEW"
