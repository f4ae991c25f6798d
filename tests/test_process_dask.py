"""Processing on a Dask cluster (Prefect's DaskTaskRunner) writes the corpus the local pool writes.

One crawl of the demo web into many small WARC files; then the same files are processed by the
local worker pool, by a local Dask cluster of 1 worker process and by one of 3 (distributed's
LocalCluster on 127.0.0.1, started by the flow), and, with the dedup index in Redis, by 3 workers
again. Every corpus file must be byte for byte the same: same records, same keep decisions, same
ids, same line order.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from seedcrawl.flows.process_flow import run_on_dask
from seedcrawl.pipelines.runner import ProcessOptions, process_folder
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import DemoWeb
from tests.test_dedup_redis import redis_url  # noqa: F401 - the redis-server fixture

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
CORPUS_FILES = ("articles.jsonl", "duplicates.jsonl", "rejects.jsonl", "clusters.jsonl")


@pytest.fixture(scope="module")
def crawled(demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dask") / "crawl"
    # Small files, so that the map has many tasks and several workers take some each.
    crawl(
        out, demo_web.seed_urls, "--depth", "8", "--run-id", "r1", "-s", "SEEDCRAWL_WARC_MAX_FILE_SIZE=60000"
    )
    return out


def copy_of(crawled: Path, where: Path) -> Path:
    out = where / "out"
    shutil.copytree(crawled / "warc", out / "warc")
    return out


def corpus_digests(out: Path) -> dict[str, str]:
    return {name: hashlib.sha256((out / "corpus" / name).read_bytes()).hexdigest() for name in CORPUS_FILES}


def without_timing(report: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in report.items() if key != "seconds"}


def test_one_and_three_dask_workers_write_the_corpus_the_local_pool_writes(
    crawled: Path,
    tmp_path: Path,
    prefect_server: str,
    redis_url: str,  # noqa: F811
) -> None:
    warcs = sorted((crawled / "warc").glob("*.warc.gz"))
    assert len(warcs) >= 4, "the crawl should have rotated into several WARC files"

    local = copy_of(crawled, tmp_path / "local")
    local_report = process_folder(local, ProcessOptions(workers=2), run_id="p").to_dict()
    assert local_report["articles"] >= 40 and local_report["duplicates"] >= 1
    expected = corpus_digests(local)

    for name, workers, redis in (("one", 1, None), ("three", 3, None), ("redis", 3, redis_url)):
        out = copy_of(crawled, tmp_path / name)
        report = run_on_dask(out, ProcessOptions(redis_url=redis), run_id="p", dask_workers=workers)
        assert without_timing(report) == without_timing(local_report), name
        assert corpus_digests(out) == expected, f"{name}: the corpus differs from the local pool's"
        if redis is None:
            assert (out / "dedup" / "manifest.json").exists()
        else:
            assert not (out / "dedup").exists()  # the index went to Redis

    # A second run on the cluster finds nothing new, as locally.
    again = run_on_dask(out, ProcessOptions(redis_url=redis_url), run_id="q", dask_workers=3)
    assert again["warc_files"] == 0 and again["articles"] == 0
    assert corpus_digests(out) == expected


@pytest.mark.parametrize(
    "args",
    [
        ["--dask-workers", "0"],
        ["--dask-workers", "2", "--dask-address", "tcp://127.0.0.1:8786"],
        ["--dask-address", "127.0.0.1:8786"],
    ],
)
def test_bad_dask_options_are_refused_before_anything_starts(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "warc").mkdir()
    result = run_seedcrawl(["process", str(tmp_path), *args])
    assert result.returncode == 2 and "--dask" in result.stderr
    assert not (tmp_path / "corpus").exists() and not (tmp_path / ".prefect").exists()
