"""The corpus as downstream tools load it: `datasets`, datatrove, pyarrow and DuckDB.

One folder, two runs: the first crawl has no topic (`relevance` null on every line it adds), the
second has one. Read as two files, `datasets` fails on exactly that (the reported `TypeError:
Couldn't cast array of type double to null`); read through the dataset card that `process` writes,
it loads with the card's types. Nothing here touches the network (the Hub is off).
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_DATASETS_OFFLINE"] = "1"  # read before `datasets` is imported: never ask the Hub
os.environ["HF_HUB_OFFLINE"] = "1"

import datasets
import duckdb
import pyarrow.parquet as pq
import yaml
from datatrove.pipeline.readers import JsonlReader, ParquetReader

from seedcrawl.contract.records import iter_lines
from seedcrawl.pipelines import export
from seedcrawl.pipelines.columns import arrow_schema, columns, hf_feature, load_schema, parse_timestamp
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import DemoWeb

pytestmark = pytest.mark.slow


@dataclass
class TwoRuns:
    out: Path
    records: list[dict[str, Any]]  # articles.jsonl, in order


@pytest.fixture(scope="module")
def two_runs(demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    out = tmp_path_factory.mktemp("loaders") / "news"
    half = len(demo_web.seed_urls) // 2
    crawl(out, demo_web.seed_urls[:half], "--depth", "6", "--run-id", "plain")
    done = run_seedcrawl(["process", str(out), "--workers", "1"])
    assert done.returncode == 0, done.stderr[-2000:]
    crawl(
        out, demo_web.seed_urls[half:], "--depth", "6", "--run-id", "topical", "--new-run",
        "--topic", "kerry lavrov syria talks",
    )  # fmt: skip
    done = run_seedcrawl(["process", str(out), "--workers", "1", "--keep-off-topic"])
    assert done.returncode == 0, done.stderr[-2000:]
    return TwoRuns(out, list(iter_lines(out / "corpus" / "articles.jsonl")))


def by_run(records: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    return [r for r in records if r["run_id"] == run_id]


def test_the_two_runs_differ_as_reported(two_runs: TwoRuns) -> None:
    plain, topical = by_run(two_runs.records, "plain"), by_run(two_runs.records, "topical")
    assert plain and topical and len(plain) + len(topical) == len(two_runs.records)
    assert all(r["relevance"] is None for r in plain)
    assert all(isinstance(r["relevance"], float) for r in topical)


def test_without_the_card_datasets_fails_as_reported(two_runs: TwoRuns, tmp_path: Path) -> None:
    files = []
    for run_id in ("plain", "topical"):
        files.append(tmp_path / f"{run_id}.jsonl")
        files[-1].write_text("".join(json.dumps(r) + "\n" for r in by_run(two_runs.records, run_id)))
    with pytest.raises(datasets.exceptions.DatasetGenerationError) as failed:
        datasets.load_dataset("json", data_files=[str(f) for f in files], cache_dir=str(tmp_path / "cache"))
    assert "Couldn't cast array of type double to null" in str(failed.value.__cause__)


def test_datasets_loads_the_corpus_folder_with_the_cards_types(two_runs: TwoRuns, tmp_path: Path) -> None:
    loaded = datasets.load_dataset(str(two_runs.out / "corpus"), split="train", cache_dir=str(tmp_path))
    assert isinstance(loaded, datasets.Dataset)
    features = loaded.features
    assert features["relevance"] == datasets.Value("float64")
    assert features["published"].dtype.startswith("timestamp[")
    assert features["fetched_at"].dtype.startswith("timestamp[")
    assert features["cluster_size"] == datasets.Value("int64")
    assert loaded["id"] == [r["id"] for r in two_runs.records]
    assert loaded["relevance"] == [r["relevance"] for r in two_runs.records]
    assert loaded["fetched_at"] == [parse_timestamp(r["fetched_at"]) for r in two_runs.records]
    published = [
        None if r["published"] is None else parse_timestamp(r["published"]) for r in two_runs.records
    ]
    assert loaded["published"] == published and any(published)
    assert loaded[0]["warc"] == two_runs.records[0]["warc"]


def test_the_card_describes_every_schema_field_and_how_the_corpus_was_made(two_runs: TwoRuns) -> None:
    text = (two_runs.out / "corpus" / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---\n")[1])
    names = [f["name"] for f in header["dataset_info"]["features"]]
    assert names == list(load_schema()["properties"])
    assert header["configs"][0]["data_files"] == [{"split": "train", "path": "articles.jsonl"}]
    assert header["license"]
    body = text.split("---\n", 2)[2]
    assert "kerry lavrov syria talks" in body  # the latest crawl's topic
    assert "`plain`" in body and "`topical`" in body  # both crawl runs
    assert "trafilatura 2.3.1" in body


def test_a_field_added_to_the_schema_flows_into_card_and_parquet() -> None:
    schema = load_schema()
    schema["properties"]["word_count"] = {"type": ["integer", "null"]}
    schema["properties"]["updated"] = {"type": ["string", "null"], "format": "date-time"}
    cols = columns(schema)
    assert hf_feature(cols[-2]) == {"name": "word_count", "dtype": "int64"}
    assert hf_feature(cols[-1]) == {"name": "updated", "dtype": "timestamp[us, tz=UTC]"}
    arrow = arrow_schema(cols)
    assert str(arrow.field("word_count").type) == "int64"
    assert str(arrow.field("updated").type) == "timestamp[us, tz=UTC]"


def test_parquet_export_has_the_schema_and_the_records(
    two_runs: TwoRuns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "ROWS_PER_GROUP", 7)
    monkeypatch.setattr(export, "ROWS_PER_SHARD", 20)
    result = export.export_corpus(two_runs.out, "parquet", tmp_path / "parquet")
    n = len(two_runs.records)
    assert result.records == n and len(result.files) == -(-n // 21)
    for shard in result.files:
        meta = pq.ParquetFile(shard).metadata
        assert pq.read_schema(shard).remove_metadata() == arrow_schema()
        assert all(meta.row_group(i).num_rows <= 7 for i in range(meta.num_row_groups))
        assert meta.row_group(0).column(0).compression == "ZSTD"
    table = pq.read_table(tmp_path / "parquet")
    assert table.column("id").to_pylist() == [r["id"] for r in two_runs.records]
    assert table.column("relevance").to_pylist() == [r["relevance"] for r in two_runs.records]
    assert table.column("text").to_pylist() == [r["text"] for r in two_runs.records]
    assert table.column("fetched_at").to_pylist() == [
        parse_timestamp(r["fetched_at"]) for r in two_runs.records
    ]
    glob = str(tmp_path / "parquet" / "*.parquet")
    (counted,) = duckdb.sql(f"select count(*), count(relevance), min(fetched_at) from '{glob}'").fetchall()
    assert counted[:2] == (n, len(by_run(two_runs.records, "topical")))
    assert counted[2] == min(parse_timestamp(r["fetched_at"]) for r in two_runs.records)


def test_cli_export_both_formats_replacing_the_previous_export(two_runs: TwoRuns, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl.gz"
    target.write_bytes(b"old")
    done = run_seedcrawl(["export", str(two_runs.out), "--format", "jsonl.gz", "--output", str(target)])
    assert done.returncode == 0, done.stderr
    with gzip.open(target, "rt", encoding="utf-8") as stream:
        assert [json.loads(line) for line in stream] == two_runs.records
    done = run_seedcrawl(["export", str(two_runs.out), "--format", "parquet"])
    assert done.returncode == 0, done.stderr
    assert pq.read_table(two_runs.out / "export" / "parquet").num_rows == len(two_runs.records)
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl.gz"]  # no temporary file left
    bad = run_seedcrawl(["export", str(tmp_path), "--format", "parquet"])
    assert bad.returncode == 2 and "no corpus to export" in bad.stderr


def test_datatrove_reads_the_jsonl_and_the_parquet(two_runs: TwoRuns, tmp_path: Path) -> None:
    export.export_corpus(two_runs.out, "parquet", tmp_path / "parquet")
    from_jsonl = list(JsonlReader(str(two_runs.out / "corpus"), glob_pattern="articles.jsonl").run())
    from_parquet = list(ParquetReader(str(tmp_path / "parquet")).run())
    for docs in (from_jsonl, from_parquet):
        assert [d.id for d in docs] == [r["id"] for r in two_runs.records]
        assert [d.text for d in docs] == [r["text"] for r in two_runs.records]
        assert [d.metadata["url"] for d in docs] == [r["url"] for r in two_runs.records]
