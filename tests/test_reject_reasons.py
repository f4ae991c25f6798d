"""The reject reasons are one enum (seedcrawl/contract/records.py) that processing writes and an
incremental crawl reads back: a page rejected for what it says is not fetched again, a page
rejected for how it was served is."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from seedcrawl.contract.records import REJECTS, RejectReason
from seedcrawl.crawler.run.incremental import KnownArticles


def test_a_reason_is_written_as_its_plain_name_and_survives_a_worker_process() -> None:
    assert json.dumps({"reason": RejectReason.OFF_TOPIC}) == '{"reason": "off_topic"}'
    assert pickle.loads(pickle.dumps(RejectReason.EXTRACT_TIMEOUT)) is RejectReason.EXTRACT_TIMEOUT


@pytest.mark.parametrize(
    ("reason", "known"),
    [
        ("not_article", True),
        ("off_topic", True),
        ("http_status", False),
        ("content_decoding", False),
        ("extract_timeout", False),
        ("a_reason_from_a_newer_version", False),
        (None, False),
    ],
)
def test_an_incremental_crawl_skips_only_pages_rejected_for_their_content(
    tmp_path: Path, reason: str | None, known: bool
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = {
        "id": "r1",
        "url": "https://news.example/world/2026/01/02/talks-end-without-a-deal",
        "reason": reason,
        "detail": "",
        "warc": {},
    }
    (corpus / REJECTS).write_text(json.dumps(line) + "\n")
    articles = KnownArticles(tmp_path / "known.sqlite3")
    try:
        articles.sync(corpus)
        assert ("https://news.example/world/2026/01/02/talks-end-without-a-deal" in articles) is known
    finally:
        articles.close()
