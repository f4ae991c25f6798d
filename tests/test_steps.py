"""`pipelines.steps.process_one`, the per-record work of `seedcrawl process`: a record whose text
has no words is rejected as empty, whatever script the words are in; a failing record is counted,
never fatal."""

from __future__ import annotations

import pytest

from seedcrawl.contract.records import RejectReason
from seedcrawl.pipelines import steps
from seedcrawl.pipelines.decode import DecodeOptions
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.extract import ExtractOptions
from seedcrawl.pipelines.steps import Rejection, StepOptions, process_one
from tests.support.docs import fetched_doc

OPTIONS = StepOptions(DecodeOptions(), ExtractOptions())


def processed(monkeypatch: pytest.MonkeyPatch, text: str) -> Document | Rejection:
    """What `process_one` makes of a page whose extracted text is `text`."""

    def extract(doc: Document, options: ExtractOptions) -> Document:
        doc.text = text
        return doc

    monkeypatch.setattr(steps, "extract", extract)
    return process_one(
        fetched_doc(b"<html><body><p>x</p></body></html>", "https://news.example/a/1"), OPTIONS
    )


@pytest.mark.parametrize("text", ["— … —", "__ -- __", "«»\n\n•"])
def test_a_text_without_words_is_rejected_as_empty(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    result = processed(monkeypatch, text)
    assert isinstance(result, Rejection)
    assert (result.reason, result.detail) == (RejectReason.EMPTY_TEXT, "no words")


@pytest.mark.parametrize("text", ["x", "—7—", "Ёж пришёл.", "和平谈判没有达成协议", "Café"])
def test_a_text_with_a_word_in_any_script_is_kept(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    result = processed(monkeypatch, text)
    assert isinstance(result, Document) and result.text == text


def test_an_unexpected_failure_is_one_rejected_record(monkeypatch: pytest.MonkeyPatch) -> None:
    def extract(doc: Document, options: ExtractOptions) -> Document:
        raise KeyError("broken")

    monkeypatch.setattr(steps, "extract", extract)
    result = process_one(
        fetched_doc(b"<html><body><p>x</p></body></html>", "https://news.example/a/1"), OPTIONS
    )
    assert isinstance(result, Rejection) and result.reason == RejectReason.ERROR
    assert result.detail.startswith("KeyError")
