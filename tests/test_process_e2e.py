"""`seedcrawl process` on a crawl of the demo web: the corpus downstream projects read.

One crawl and one processing run (module fixtures); then the corpus is checked against the demo
web's ground truth: seed-based articles with all their body paragraphs and none of their chrome,
no record for home/section/tag/error pages, provenance that leads back into the WARC files, a
schema with stable types, and reruns that change nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from seedcrawl.archive.reader import read_record
from seedcrawl.contract.records import iter_lines
from seedcrawl.pipelines.runner import ProcessOptions, ProcessReport, process_folder
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import DemoWeb, Manifest

pytestmark = pytest.mark.slow
SCHEMA = json.loads((Path(__file__).parents[1] / "pipelines" / "schema" / "article.schema.json").read_text())


@dataclass
class Processed:
    out: Path
    report: ProcessReport
    manifest: Manifest
    articles: list[dict[str, object]]
    by_url: dict[str, dict[str, object]]


def corpus(out: Path, name: str = "articles.jsonl") -> list[dict[str, object]]:
    return list(iter_lines(out / "corpus" / name))


@pytest.fixture(scope="module")
def processed(demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> Processed:
    out = tmp_path_factory.mktemp("process") / "out"
    crawl(out, demo_web.seed_urls, "--depth", "8", "--run-id", "first")
    report = process_folder(out, ProcessOptions(workers=2))
    articles = corpus(out)
    return Processed(out, report, demo_web.manifest, articles, {str(a["url"]): a for a in articles})


def test_every_line_follows_the_schema_with_stable_types(processed: Processed) -> None:
    assert len(processed.articles) >= 40
    types: dict[str, set[str]] = {}
    for line in processed.articles:
        jsonschema.validate(line, SCHEMA)
        for key, value in line.items():
            types.setdefault(key, set()).add(type(value).__name__)
    for key, seen in types.items():
        assert len(seen - {"NoneType"}) <= 1, (
            f"{key} has types {seen}"
        )  # relevance is all null without a topic
    assert len({a["id"] for a in processed.articles}) == len(processed.articles)
    assert {a["run_id"] for a in processed.articles} == {"first"}
    assert {a["extraction"] for a in processed.articles} == {"fast"}  # the default profile
    for line in processed.articles:  # `author` stays the joined form of the new `authors` list
        assert line["author"] == (", ".join(line["authors"]) or None)  # type: ignore[arg-type]
    assert sum(1 for a in processed.articles if a["language_detected"] == "en") >= 0.9 * len(
        processed.articles
    )


def test_each_record_leads_back_to_its_capture(processed: Processed) -> None:
    for line in processed.articles[:20]:
        ref = line["warc"]
        assert isinstance(ref, dict)
        record = read_record(processed.out / "warc" / str(ref["file"]), int(ref["offset"]))
        assert record.type == "response" and record.length == ref["length"]
        assert record.record_id == ref["record_id"] and record.target_uri == line["url"]
        assert record.payload_digest == ref["payload_digest"]


def test_seed_articles_keep_every_paragraph_and_lose_their_chrome(processed: Processed) -> None:
    seeds = [t for t in processed.manifest.articles.values() if t.source.endswith(".txt")]
    kept = [t for t in seeds if t.url in processed.by_url]
    assert len(kept) >= 5  # the five seeds (the wire story once)
    for truth in kept:
        text = str(processed.by_url[truth.url]["text"])
        lines = text.split("\n\n")
        missing = [p for p in truth.body if p not in lines]
        assert not missing, f"{truth.url}: body paragraphs lost: {missing[:2]}"
        leaked = [c for c in truth.chrome if c in text]
        assert not leaked, f"{truth.url}: chrome in text: {leaked[:3]}"
        assert not text.startswith(truth.title)  # the headline is not repeated
    cyrillic = next(t for t in kept if t.charset == "windows-1251")
    assert "медвежьим углом мира" in str(processed.by_url[cyrillic.url]["text"])


def test_listing_and_error_pages_make_no_record(processed: Processed) -> None:
    for kind in ("home", "section", "tag", "error"):
        urls = processed.manifest.urls(kind)
        assert urls and not set(urls) & processed.by_url.keys(), kind
    rejects = {str(r["url"]): r["reason"] for r in corpus(processed.out, "rejects.jsonl")}
    assert rejects[processed.manifest.seed_urls[0]] == "not_article"
    assert processed.report.errors == 0


def test_syndicated_copies_are_one_article(processed: Processed) -> None:
    group = [t.url for t in processed.manifest.articles.values() if t.wire_group == "wire-sochi-2015"]
    kept = [url for url in group if url in processed.by_url]
    dropped = {str(d["url"]): d for d in corpus(processed.out, "duplicates.jsonl")}
    assert len(kept) == 1 and len(dropped.keys() & set(group)) == len(group) - 1
    assert processed.by_url[kept[0]]["cluster_size"] == len(group)
    kept_id = processed.by_url[kept[0]]["id"]
    assert all(dropped[url]["duplicate_of"] == kept_id for url in group if url != kept[0])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.jsonl"))}


def test_rerun_changes_nothing_and_a_later_crawl_adds_only_new_articles(
    processed: Processed, demo_web: DemoWeb
) -> None:
    before = digests(processed.out / "corpus")
    again = run_seedcrawl(["process", str(processed.out), "--workers", "1"])
    assert again.returncode == 0 and "0 new articles" in again.stderr
    assert digests(processed.out / "corpus") == before

    url = demo_web.publish(
        "courier",
        "Lavrov and Kerry agree on a new round of Syria talks in Vienna",
        [
            "Foreign ministers agreed on Tuesday to meet again in Vienna. " * 8,
            "Diplomats said the talks would focus on a ceasefire and humanitarian access. " * 8,
        ],
        section="world",
        on_topic=True,
    )
    crawl(processed.out, demo_web.seed_urls, "--depth", "8", "--run-id", "second")
    report = process_folder(processed.out, ProcessOptions(workers=1))
    after = corpus(processed.out)
    assert after[: len(processed.articles)] == processed.articles  # appended, never rewritten
    new = after[len(processed.articles) :]
    assert [a["url"] for a in new] == [url] and new[0]["run_id"] == "second"
    assert report.articles == 1
    assert len({a["id"] for a in after}) == len(after)
