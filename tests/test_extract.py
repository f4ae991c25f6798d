"""The extract step: article text without chrome, metadata, and what is not an article.

The article fixture marks its own parts: `data-kind="body"` on every body paragraph and heading,
`data-kind="chrome-<kind>"` on every piece of site chrome, so the expectations below are read
from the markup rather than written out again here.
"""

from __future__ import annotations

import dataclasses
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import lxml.html
import pytest

from seedcrawl.pipelines.chrome import Block, ChromeOptions, PageFacts, clean
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import PROFILES, ExtractOptions, extract
from tests.support.docs import page_doc

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
ARTICLE_URL = "https://news.example/a/us-russia?utm_source=feed"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def make_doc(html: str, url: str = ARTICLE_URL, status: int = 200) -> Document:
    return page_doc(html, url, status)


def run(html: str, url: str = ARTICLE_URL, options: ExtractOptions | None = None) -> Document:
    return extract(make_doc(html, url), options or ExtractOptions())


def reason(
    html: str, url: str = ARTICLE_URL, status: int = 200, options: ExtractOptions | None = None
) -> str:
    with pytest.raises(Rejected) as caught:
        extract(make_doc(html, url, status), options or ExtractOptions())
    return caught.value.reason


def marked(html: str, prefix: str) -> list[str]:
    """Normalised texts of the fixture's elements whose data-kind starts with `prefix`."""
    tree = lxml.html.fromstring(html)
    return [
        " ".join(el.text_content().split())
        for el in tree.iter()
        if (el.get("data-kind") or "").startswith(prefix)
    ]


@pytest.fixture(scope="module", params=sorted(PROFILES))
def article(request: pytest.FixtureRequest) -> Document:
    """The annotated article through each extraction profile: both keep the body and drop the chrome."""
    return run(fixture("article_with_chrome.html"), options=PROFILES[request.param])


def test_every_body_paragraph_is_kept_in_order(article: Document) -> None:
    paragraphs = article.text.split("\n\n")
    body = marked(fixture("article_with_chrome.html"), "body")
    assert paragraphs == body  # nothing lost, nothing added, order kept


def test_no_chrome_line_survives(article: Document) -> None:
    chrome = marked(fixture("article_with_chrome.html"), "chrome-")
    assert len(chrome) > 30
    leaked = [c for c in chrome if any(c in p or p in c for p in article.text.split("\n\n"))]
    assert leaked == []


def test_body_sentences_mentioning_support_survive(article: Document) -> None:
    # the appeal rules must not fire on ordinary prose that uses the same words
    supportive = [p for p in marked(fixture("article_with_chrome.html"), "body") if "support" in p.lower()]
    assert len(supportive) >= 3
    for paragraph in supportive:
        assert paragraph in article.text


def test_a_body_sentence_quoting_an_email_address_survives() -> None:
    quoted = (
        "The embassy said Americans in Sochi who need help should write to acs.sochi@example.gov "
        "or call the hotline."
    )
    html = fixture("article_with_chrome.html").replace(
        '<p data-kind="body">Syria is still',
        f'<p data-kind="body">{quoted}</p>\n<p data-kind="body">Syria is still',
    )
    text = run(html).text
    assert quoted in text
    assert "m.eckel@example.org" not in text  # "Contact the author at ..." is still chrome


def test_chrome_rules_do_the_work_trafilatura_leaves(article: Document) -> None:
    html = fixture("article_with_chrome.html")
    bare = run(html, options=dataclasses.replace(ExtractOptions(), chrome=ChromeOptions(kinds=frozenset())))
    chrome = marked(html, "chrome-")
    left_by_trafilatura = [c for c in chrome if c in bare.text]
    assert len(left_by_trafilatura) >= 10  # inline chrome only the line rules can see
    assert all(c not in article.text for c in left_by_trafilatura)


def test_headline_is_not_repeated_at_the_start(article: Document) -> None:
    assert article.title == "US, Russia Renew High-level Talks"
    assert not article.text.startswith(article.title)
    assert article.title not in article.text.split("\n\n")


def test_paragraphs_are_separated_by_one_blank_line(article: Document) -> None:
    paragraphs = article.text.split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert "\n\n\n" not in article.text


def test_metadata_fields(article: Document) -> None:
    assert article.author == "Mike Eckel"
    assert article.published == "2015-05-12"
    assert article.sitename == "Example News"
    assert article.language == "en"
    assert (
        article.canonical_url == "https://news.example/a/us-russia-renew-high-level-talks"
    )  # relative link resolved


def test_html_is_cleared_and_provenance_kept(article: Document) -> None:
    assert article.html == ""
    assert (article.id, article.url, article.warc.record_id) == ("doc-1", ARTICLE_URL, "<urn:uuid:test>")


def test_published_date_is_none_when_unknown() -> None:
    body = "".join(f"<p>{p}</p>" for p in marked(fixture("article_with_chrome.html"), "body"))
    doc = run(f"<html><head><title>A plain page</title></head><body><article>{body}</article></body></html>")
    assert doc.published is None
    assert doc.canonical_url is None
    assert doc.author is None


def test_byline_date_words_are_not_part_of_the_author() -> None:
    html = fixture("article_with_chrome.html").replace(
        '"author": {"@type": "Person", "name": "Mike Eckel"},', ""
    )
    html = html.replace(
        '<p data-kind="chrome-byline">By Mike Eckel</p>', '<p class="author">Mike Eckel November</p>'
    )
    assert run(html).author == "Mike Eckel"


def test_dates_after_the_capture_are_not_publication_dates() -> None:
    html = fixture("article_with_chrome.html").replace("2015-05-12T09:30:00Z", "2027-01-01T09:30:00Z")
    assert run(html).published != "2027-01-01"  # fetched 2026-11-22: a later date is impossible


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("home_page.html", "https://news.example/"),
        ("section_page.html", "https://news.example/europe/"),
        ("tag_page.html", "https://news.example/tag/kerry"),
        ("not_found.html", "https://news.example/a/missing"),
        ("section_undeclared.html", "https://news.example/politics/"),
    ],
)
def test_non_article_pages_are_rejected(name: str, url: str) -> None:
    assert reason(fixture(name), url) == "not_article"


def test_article_at_a_query_url_on_the_site_root_is_an_article() -> None:
    # WordPress-style https://site/?p=123 is a post, not the home page
    assert run(fixture("article_with_chrome.html"), "https://news.example/?p=123").text


def test_malformed_urls_do_not_break_extraction() -> None:
    html = fixture("article_with_chrome.html").replace("/a/us-russia-renew-high-level-talks", "http://[::1/x")
    doc = run(html, "http://[::1/broken")
    assert doc.text and doc.canonical_url is None


def test_http_error_status_is_rejected() -> None:
    assert reason(fixture("article_with_chrome.html"), status=404) == "http_status"


def test_empty_markup_and_empty_text() -> None:
    assert reason("") == "empty"
    assert reason("<html><head><title>x</title></head><body><div> </div></body></html>") == "empty_text"


def test_oversize_markup_is_rejected() -> None:
    assert (
        reason("<html><body>" + "<p>word</p>" * 100, options=ExtractOptions(max_html_chars=500))
        == "too_large"
    )


@pytest.mark.timeout(120)
def test_deeply_nested_markup_does_not_crash() -> None:
    depth = 100_000
    body = " ".join(marked(fixture("article_with_chrome.html"), "body"))
    html = "<html><body>" + "<div>" * depth + f"<p>{body}</p>" + "</div>" * depth + "</body></html>"
    try:
        doc = run(html)
    except Rejected as rejection:
        assert rejection.reason in {"parse_error", "empty_text", "not_article"}
    else:
        assert "\x00" not in doc.text


def test_nul_bytes_do_not_break_extraction() -> None:
    html = fixture("article_with_chrome.html").replace("Sochi", "So\x00chi")
    doc = run(html)
    assert "\x00" not in doc.text
    assert "Sochi meeting" in doc.text


def test_step_is_independent_of_earlier_documents() -> None:
    html = fixture("article_with_chrome.html")
    first = run(html)
    other = html.replace("Renew High-level Talks", "Meet Again").replace("Sochi", "Geneva")
    assert "Geneva" in run(other, "https://news.example/a/other").text
    again = run(html)
    assert dataclasses.astuple(first) == dataclasses.astuple(again)


def test_step_runs_in_a_process_pool() -> None:
    html = fixture("article_with_chrome.html")
    options = pickle.loads(pickle.dumps(ExtractOptions()))
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(extract, make_doc(html), options).result()
    assert remote.text == run(html).text


def test_invalid_options_are_refused() -> None:
    with pytest.raises(ValueError):
        ExtractOptions(max_html_chars=0)
    with pytest.raises(ValueError):
        ChromeOptions(kinds=frozenset({"no-such-kind"}))


# --- chrome rules on the seed texts -------------------------------------------------------------


def seed_documents() -> list[tuple[str, PageFacts, list[tuple[str, str]]]]:
    """(name, page facts, [(B|C, line)]) for each document of the annotated seed fixture."""
    documents: list[tuple[str, PageFacts, list[tuple[str, str]]]] = []
    for chunk in fixture("seed_chrome.txt").split("=== ")[1:]:
        name, *rows = chunk.rstrip("\n").split("\n")
        pairs = [tuple(row.split("\t", 1)) for row in rows if "\t" in row]
        facts = {key: value for key, value in pairs if key in "TA"}
        lines = [(key, value) for key, value in pairs if key in "BC"]
        documents.append((name, PageFacts(facts.get("T"), facts.get("A")), lines))
    return documents


@pytest.mark.parametrize(
    ("name", "facts", "lines"), seed_documents(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_seed_chrome_is_removed_and_body_kept(
    name: str, facts: PageFacts, lines: list[tuple[str, str]]
) -> None:
    cleaned = clean([Block(text) for _, text in lines], facts, ChromeOptions())
    assert [b.text for b in cleaned.blocks] == [text for key, text in lines if key == "B"]
    assert sum(cleaned.removed.values()) == sum(1 for key, _ in lines if key == "C")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", ["1 ", "share ", "12:00 | ", "next page ", "a" * 50 + " ", "[x] "])
def test_chrome_patterns_do_not_backtrack_on_long_repetitive_lines(unit: str) -> None:
    text = unit * 2000
    cleaned = clean(
        [Block("Body sentence one is here."), Block(text), Block(text[:300])], PageFacts(), ChromeOptions()
    )
    assert cleaned.blocks[0].text == "Body sentence one is here."
