"""Documents for tests of the processing steps (a text, or a fetched page for the extract step),
and the five seed articles' texts.

The seed texts are the bodies bundled with the demo web (`seedcrawl/testweb/data/seeds.json`, curated
from ../shared/seeds), so tests that need them never depend on files outside the repository.
"""

from __future__ import annotations

from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.document import Document
from seedcrawl.testweb.stories import load_corpus


def make_doc(
    doc_id: str, text: str, published: str | None = None, fetched: str = "2026-01-02T00:00:00Z"
) -> Document:
    warc = WarcRef("crawl-00000.warc.gz", 1234, 567, f"<urn:uuid:{doc_id}>", f"sha1:{doc_id.upper()}")
    return Document(
        id=doc_id,
        url=f"https://news.example/{doc_id}",
        fetched_at=fetched,
        warc=warc,
        text=text,
        published=published,
    )


def page_doc(html: str, url: str, status: int = 200) -> Document:
    """A fetched HTML page as the extract step receives it (id `doc-1`, record `<urn:uuid:test>`)."""
    return Document("doc-1", url, "2026-11-22T10:00:00Z", _TEST_RECORD, status, "text/html", html=html)


def fetched_doc(payload: bytes, url: str) -> Document:
    """The same page as `seedcrawl process` reads it from a WARC file: the response's bytes, not yet
    decoded (`pipelines.steps.process_one` decodes them)."""
    return Document("doc-1", url, "2026-11-22T10:00:00Z", _TEST_RECORD, 200, "text/html", payload=payload)


_TEST_RECORD = WarcRef("test.warc.gz", 0, 1, "<urn:uuid:test>", None)


def seed_texts() -> list[str]:
    """The five seed articles (2015 US-Russia talks), paragraphs separated by blank lines."""
    seeds = load_corpus().seeds
    return ["\n\n".join(seeds[key].body) for key in sorted(seeds)]
