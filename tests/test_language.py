"""Language detected from the text, beside the declared one, and `seedcrawl process --language`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from seedcrawl.archive.records import HttpExchange, RecordFactory
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.contract.records import iter_lines
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract
from seedcrawl.pipelines.language import detect_language, parse_languages
from tests.support.cli import run_seedcrawl
from tests.support.docs import page_doc

TEXTS = {
    "en": (
        "The harbour reopened to ferries on Monday after a week of storm repairs, the port authority "
        "said. Engineers replaced two damaged moorings and checked the breakwater before the first crossing."
    ),
    "de": (
        "Der Hafen wurde am Montag nach einer Woche mit Reparaturen wieder für Fähren geöffnet, teilte "
        "die Hafenbehörde mit. Ingenieure ersetzten zwei beschädigte Anlegestellen vor der ersten Überfahrt."
    ),
    "fr": (
        "Le port a rouvert aux ferries lundi après une semaine de réparations, a indiqué l'autorité "
        "portuaire. Les ingénieurs ont remplacé deux amarrages endommagés avant la première traversée."
    ),
}


def page(text: str, declared: str = "en") -> str:
    paragraphs = "".join(f"<p>{text} {text}</p>" for _ in range(3))
    return (
        f"<html lang='{declared}'><head><title>Harbour</title><meta property='og:type' content='article'>"
        f"</head><body><article><h1>Harbour</h1>{paragraphs}</article></body></html>"
    )


def run(html: str, languages: frozenset[str] = frozenset()) -> Document:
    return extract(page_doc(html, "https://news.example/a/1"), ExtractOptions(languages=languages))


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_language_is_detected_from_the_text_not_the_declaration(code: str) -> None:
    doc = run(page(TEXTS[code], declared="en"))
    assert doc.language == "en"
    assert doc.language_detected == code


def test_too_short_a_text_has_no_detected_language() -> None:
    assert detect_language("Ok.") is None


def test_a_long_text_whose_start_is_unsure_is_decided_on_the_longer_sample() -> None:
    # a short English lead (570 characters), then French: its first thousand characters alone
    # lean English without certainty, the 3,000 that are classified are mostly French
    text = " ".join([TEXTS["en"]] * 3 + [TEXTS["fr"]] * 20)
    assert detect_language(text) == "fr"


def test_only_the_listed_languages_are_kept() -> None:
    assert run(page(TEXTS["de"]), frozenset({"en", "de"})).language_detected == "de"
    with pytest.raises(Rejected) as caught:
        run(page(TEXTS["fr"]), frozenset({"en", "de"}))
    assert caught.value.reason == "language"
    assert caught.value.detail.startswith("fr ")


def test_language_codes_are_checked() -> None:
    assert parse_languages(" en, DE ") == {"en", "de"}
    for bad in ("", "english", "en;de", "e1"):
        with pytest.raises(ValueError):
            parse_languages(bad)


def warc_folder(out: Path) -> None:
    """A closed WARC file of one article in each of `TEXTS`' languages, under `out`/warc."""
    (out / "warc").mkdir(parents=True)
    writer = RotatingWarcWriter(out / "warc", RecordFactory())
    for code, text in TEXTS.items():
        writer.write_exchange(
            HttpExchange(
                url=f"http://127.0.0.1:9/{code}",
                method="GET",
                request_headers=[],
                request_body=b"",
                protocol="HTTP/1.1",
                status=200,
                response_headers=[("Content-Type", "text/html; charset=utf-8")],
                body=page(text).encode(),
                fetched_at=datetime(2026, 11, 22, tzinfo=UTC),
            )
        )
    writer.close()


def test_process_language_option_keeps_only_those(tmp_path: Path) -> None:
    out = tmp_path / "out"
    warc_folder(out)
    result = run_seedcrawl(["process", str(out), "--workers", "1", "--language", "en,de"], timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    kept = {str(a["url"]).rsplit("/", 1)[-1]: a for a in iter_lines(out / "corpus" / "articles.jsonl")}
    assert set(kept) == {"en", "de"}
    assert kept["de"]["language"] == "en" and kept["de"]["language_detected"] == "de"
    rejects = {str(r["url"]).rsplit("/", 1)[-1]: r for r in iter_lines(out / "corpus" / "rejects.jsonl")}
    assert rejects["fr"]["reason"] == "language"


def test_process_rejects_a_bad_language_option(tmp_path: Path) -> None:
    out = tmp_path / "out"
    warc_folder(out)
    result = run_seedcrawl(["process", str(out), "--language", "english"], timeout=120)
    assert result.returncode == 2
    assert "--language" in result.stderr
    assert not (out / "corpus" / "articles.jsonl").exists()
