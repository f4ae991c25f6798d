"""Deduplicator behaviour on one run: exact and near copies, related articles, short texts, order."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from seedcrawl.pipelines.dedup import (
    DedupConfig,
    Deduplicator,
    LocalStore,
    Verdict,
    duplicate_record,
    keep_order,
)
from seedcrawl.pipelines.document import Document
from tests.support.docs import make_doc, seed_texts


def syndicated_copy(text: str, rng: random.Random) -> str:
    """What a republisher does: new headline and byline, one paragraph dropped, a few words changed."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    del paras[rng.randrange(1, len(paras))]
    words = "\n\n".join(paras).split(" ")
    for i in rng.sample(range(len(words)), 5):
        words[i] = "edited"
    return (
        "Kremlin Talks End Without Deal\n\nBy Anna Petrova, Reuters\n\n" + " ".join(words) + "\n\nRead more:"
    )


def verdicts(outcomes: Iterable[tuple[Document, Verdict]]) -> dict[str, Verdict]:
    """Each document's verdict by id, in order."""
    return {doc.id: verdict for doc, verdict in outcomes}


@pytest.fixture
def dedup(tmp_path: Path) -> Deduplicator:
    return Deduplicator(DedupConfig(), LocalStore(tmp_path / "dedup"))


def test_the_five_related_seed_articles_are_all_kept(dedup: Deduplicator) -> None:
    results = verdicts(dedup.process(make_doc(f"seed{i}", t) for i, t in enumerate(seed_texts())))
    assert len(results) == 5 and all(v.kept for v in results.values()), results


def test_exact_duplicate_is_dropped_whatever_its_case_spacing_and_punctuation(dedup: Deduplicator) -> None:
    text = seed_texts()[0]
    mangled = text.upper().replace(". ", " . ").replace("\n\n", "\n \n").replace("’", "'")
    doc = make_doc("b", mangled)
    first, second = verdicts(dedup.process([make_doc("a", text), doc])).values()
    assert first.kept
    assert (second.duplicate_of, second.kind, second.similarity) == ("a", "exact", 1.0)
    assert duplicate_record(doc, second) == {
        "id": "b",
        "duplicate_of": "a",
        "similarity": 1.0,
        "kind": "exact",
        "url": "https://news.example/b",
        "fetched_at": "2026-01-02T00:00:00Z",  # when and in which run the copy was captured
        "run_id": None,
        "warc": {
            "file": "crawl-00000.warc.gz",
            "offset": 1234,
            "length": 567,
            "record_id": "<urn:uuid:b>",
            "payload_digest": "sha1:B",
        },
    }


def test_near_duplicate_is_dropped_with_similarity_pointing_at_the_kept_one(dedup: Deduplicator) -> None:
    texts = seed_texts()
    rng = random.Random(3)
    docs = [make_doc(f"seed{i}", t) for i, t in enumerate(texts)]
    docs += [
        make_doc("copy1", syndicated_copy(texts[1], rng)),
        make_doc("copy3", syndicated_copy(texts[3], rng)),
    ]
    results = verdicts(dedup.process(docs))
    for copy, original in (("copy1", "seed1"), ("copy3", "seed3")):
        v = results[copy]
        assert (v.duplicate_of, v.kind) == (original, "near")
        assert v.similarity is not None and 0.5 <= v.similarity < 1.0
    assert dedup.cluster_size("seed1") == 2 and dedup.cluster_size("seed0") == 1
    assert dedup.cluster_updates() == {"seed0": 1, "seed1": 2, "seed2": 1, "seed3": 2, "seed4": 1}


def test_short_texts_are_matched_exactly_but_never_near(dedup: Deduplicator) -> None:
    brief = " ".join(f"word{i}" for i in range(40))  # 40 words, below min_words = 50
    edited = brief.replace("word7", "changed")
    long_text = " ".join(f"word{i}" for i in range(60))  # contains the whole brief
    docs = [make_doc("brief", brief), make_doc("edited", edited), make_doc("same", brief + "!")]
    results = verdicts(dedup.process([*docs, make_doc("long", long_text)]))
    assert results["brief"].kept and results["edited"].kept and results["long"].kept
    assert (results["same"].duplicate_of, results["same"].kind) == ("brief", "exact")
    assert results["brief"].signature is None  # never indexed for near matching


def test_keep_order_prefers_earliest_published_then_fetched_then_id() -> None:
    docs = [
        make_doc("c", "x", published=None, fetched="2026-01-01T00:00:00Z"),
        make_doc("b", "x", published="2015-05-20", fetched="2026-01-03T00:00:00Z"),
        make_doc("a", "x", published="2015-05-20", fetched="2026-01-03T00:00:00Z"),
        make_doc("d", "x", published="2015-05-19", fetched="2026-01-05T00:00:00Z"),
        make_doc("e", "x", published="2015-05-20", fetched="2026-01-02T00:00:00Z"),
    ]
    assert [d.id for d in sorted(docs, key=keep_order)] == ["d", "e", "a", "b", "c"]


def test_first_in_keep_order_is_kept(dedup: Deduplicator) -> None:
    text = seed_texts()[2]
    later = make_doc("later", text, published="2015-05-21")
    earlier = make_doc("earlier", syndicated_copy(text, random.Random(1)), published="2015-05-14")
    results = verdicts(dedup.process(sorted([later, earlier], key=keep_order)))
    assert results["earlier"].kept and results["later"].duplicate_of == "earlier"


def test_check_records_nothing_and_stale_verdicts_are_refused(dedup: Deduplicator) -> None:
    text = seed_texts()[0]
    first, second = dedup.check(make_doc("a", text)), dedup.check(make_doc("b", text))
    assert first.kept and second.kept  # nothing recorded yet
    dedup.add(first)
    with pytest.raises(ValueError, match="stale verdict"):
        dedup.add(second)
    assert dedup.check(make_doc("b", text)).duplicate_of == "a"


def test_seeing_a_document_again_repeats_its_verdict_without_counting_it_twice(dedup: Deduplicator) -> None:
    text = seed_texts()[4]
    docs = [make_doc("a", text), make_doc("b", syndicated_copy(text, random.Random(2)))]
    first = list(verdicts(dedup.process(docs)).values())
    again = list(verdicts(dedup.process(docs)).values())
    assert [v.duplicate_of for v in again] == [v.duplicate_of for v in first] == [None, "a"]
    assert all(v.known for v in again) and again[1].similarity == first[1].similarity
    assert dedup.cluster_size("a") == 2


def test_texts_without_words_are_exact_duplicates_of_each_other(dedup: Deduplicator) -> None:
    texts = seed_texts()
    docs = [make_doc("a", texts[0]), make_doc("dashes", " — … ! "), make_doc("stars", "***")]
    results = verdicts(dedup.process(docs))
    assert results["dashes"].kept and results["stars"].duplicate_of == "dashes"
    assert results["stars"].kind == "exact" and results["a"].kept


def test_duplicate_record_refuses_a_kept_verdict(dedup: Deduplicator) -> None:
    doc = make_doc("a", seed_texts()[0])
    with pytest.raises(ValueError, match="not a duplicate"):
        duplicate_record(doc, dedup.check(doc))


@pytest.mark.parametrize("anchor", [0.0, DedupConfig().anchor_similarity])
def test_a_hub_page_does_not_chain_two_stories_into_one_cluster(tmp_path: Path, anchor: float) -> None:
    # A digest page holding two unrelated stories whole is about 0.5 similar to each of them.
    texts = seed_texts()
    first, second = texts[0], texts[3]  # of similar length: the page is ~0.5 similar to each
    docs = [
        make_doc("hub", f"{first}\n\n{second}", published="2015-11-01"),
        make_doc("first", first, published="2015-11-02"),
        make_doc("second", second, published="2015-11-03"),
    ]
    config = DedupConfig(threshold=0.4, anchor_similarity=anchor)
    with Deduplicator(config, LocalStore(tmp_path)) as dedup:
        got = verdicts(dedup.process(docs))
    assert got["first"].duplicate_of == "hub"  # the first story joins the page that holds it
    if anchor:
        # ...but the second has nothing in common with the first: it is not pulled in as well
        assert got["second"].kept
    else:
        assert got["second"].duplicate_of == "hub"  # without the bound: one chained cluster
