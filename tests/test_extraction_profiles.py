"""`--extraction fast|accurate`: what each profile runs, and that the choice reaches the pipeline
from `process`, from `run`'s options (a config file and the flow's parameters take the same way),
and is named in the corpus lines and the processing report. tests/test_flows.py runs `seedcrawl
run --extraction accurate` through the flow."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from seedcrawl.contract.records import iter_lines
from seedcrawl.flows.tasks import run_processing
from seedcrawl.option_fields import UsageError
from seedcrawl.options import RunOptions
from seedcrawl.pipelines import extract as extract_module
from seedcrawl.pipelines.extract import (
    PROFILES,
    ExtractOptions,
    default_options,
    extract,
    profile_name,
    profile_options,
)
from seedcrawl.process_options import EXTRACTION_PROFILES, ProcessOptions
from tests.support.cli import run_seedcrawl
from tests.support.docs import page_doc
from tests.test_language import warc_folder

PARAGRAPH = (
    "The harbour reopened to ferries on Monday after a week of storm repairs, the port authority said. "
    "Engineers replaced two damaged moorings and checked the breakwater before the first crossing. "
)


def dated_in_text_only(stamp: str) -> str:
    """An article whose markup names no date: `stamp` stands in a paragraph of its text."""
    paragraphs = "".join(f"<p>{PARAGRAPH * 2}</p>" for _ in range(3))
    return (
        "<html lang='en'><head><title>Harbour</title><meta property='og:type' content='article'></head>"
        f"<body><article><h1>Harbour</h1><p>{stamp}</p>{paragraphs}</article></body></html>"
    )


def test_the_commands_offer_the_pipelines_profiles() -> None:
    assert tuple(PROFILES) == EXTRACTION_PROFILES
    assert EXTRACTION_PROFILES[0] == "fast" and default_options() == profile_options("fast")
    assert profile_options("accurate") == ExtractOptions()  # each mechanism on


def test_fast_runs_trafilatura_once_in_recall_mode_pruned_as_precision_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[list[tuple[bool, bool]], bool]] = []
    real = extract_module.run_modes

    def spy(tree, url, modes, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append((list(modes), kwargs["precision_prune"]))
        return real(tree, url, modes, *args, **kwargs)

    monkeypatch.setattr(extract_module, "run_modes", spy)
    html = dated_in_text_only("Posted by the desk")
    accurate = extract(page_doc(html, "https://news.example/a/1"), profile_options("accurate"))
    fast = extract(page_doc(html, "https://news.example/a/1"), profile_options("fast"))
    # (favor_precision, favor_recall): the vote's two runs, then the recall run alone, pruned
    assert asked == [([(True, False), (False, True)], False), ([(False, True)], True)]
    assert fast.text == accurate.text and "breakwater" in fast.text


def test_fast_drops_a_promotional_box_the_recall_mode_alone_keeps() -> None:
    box = "<div class='promo-teaser'><p>Teaser: subscribe for the full harbour archive today</p></div>"
    html = dated_in_text_only("Posted by the desk").replace("</h1>", "</h1>" + box)
    url = "https://news.example/a/1"
    recall_alone = extract(page_doc(html, url), replace(profile_options("fast"), precision_prune=False))
    fast = extract(page_doc(html, url), profile_options("fast"))
    assert "Teaser:" in recall_alone.text and "Teaser:" not in fast.text and "breakwater" in fast.text


def test_fast_reads_the_date_from_the_text_without_dateparser() -> None:
    url = "https://news.example/a/1"
    for stamp, fast_date in (("March 12, 2024", "2024-03-12"), ("12 de marzo de 2024", None)):
        in_text = dated_in_text_only(stamp)
        assert extract(page_doc(in_text, url), profile_options("accurate")).published == "2024-03-12"
        assert extract(page_doc(in_text, url), profile_options("fast")).published == fast_date
    declared = dated_in_text_only("March 12, 2024").replace(
        "</title>", "</title><meta property='article:published_time' content='2024-03-11'>"
    )
    for name in PROFILES:
        assert extract(page_doc(declared, url), profile_options(name)).published == "2024-03-11"


def test_profile_names_survive_a_language_filter_and_unknown_ones_are_refused() -> None:
    fast = profile_options("fast", frozenset({"en"}))
    assert fast.languages == frozenset({"en"}) and not fast.precision
    assert profile_name(fast) == "fast"
    assert profile_name(ExtractOptions(fill_gaps=False)) == "custom"
    with pytest.raises(ValueError, match="fast, accurate"):
        profile_options("quick")


def test_the_option_reaches_the_pipeline_from_each_command() -> None:
    process = ProcessOptions(out=Path("DIR"), extraction="accurate", language="en")
    assert process.pipeline_options().extract == profile_options("accurate", frozenset({"en"}))
    assert ProcessOptions(out=Path("DIR")).pipeline_options().extract == profile_options("fast")
    run = RunOptions.from_parameters("DIR", {"extraction": "accurate", "urls": ["http://127.0.0.1:9/"]})
    assert run.extraction == "accurate"
    for refused in (
        lambda: ProcessOptions(out=Path("DIR"), extraction="quick"),
        lambda: RunOptions.from_parameters("DIR", {"extraction": "quick", "urls": ["http://127.0.0.1:9/"]}),
    ):
        with pytest.raises(UsageError, match="--extraction"):
            refused()


def test_process_accurate_names_its_profile_on_each_line_and_in_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    warc_folder(out)
    result = run_seedcrawl(["process", str(out), "--workers", "1", "--extraction", "accurate"], timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = list(iter_lines(out / "corpus" / "articles.jsonl"))
    assert len(lines) == 3 and {line["extraction"] for line in lines} == {"accurate"}
    latest = json.loads((out / "logs" / "process-latest.json").read_text())
    assert latest["extraction"] == "accurate"


def test_the_flows_processing_task_takes_the_profile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    warc_folder(out)
    report = run_processing(out, None, "run-1", extraction="accurate")
    assert report["extraction"] == "accurate" and report["articles"] == 3
    assert run_processing(out, None, "run-2")["extraction"] == "fast"  # the default
