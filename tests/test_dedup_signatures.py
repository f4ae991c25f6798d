"""Signatures equal datasketch's, normalisation, LSH banding and argument validation."""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from seedcrawl.pipelines.dedup import (
    DedupConfig,
    RedisStore,
    SignatureComputer,
    SignatureScheme,
    choose_lsh_params,
    exact_key,
    fast_hash32,
    normalize,
    normalize_text,
    shingles,
    signatures,
)
from seedcrawl.pipelines.dedup.lsh_storage import bulk_insert, compact_lsh, query
from seedcrawl.pipelines.dedup.store import IndexSettings, candidate_probability
from seedcrawl.pipelines.words import CJK, word_count
from tests.support.docs import seed_texts

EDGE_TEXTS = [
    "",  # no shingles: the signature of a MinHash that saw nothing
    "one",
    "one two three four",  # fewer words than a shingle: one shingle of all of them
    "one two three four five",  # exactly one shingle
    "ünïcödé ﬁne ＡＢＣ straße naïve café 東京 москва мир новости сегодня",
    "x " * 40 + "y",  # repeated shingles
]


def normalized_seeds() -> list[str]:
    return [normalize_text(text) for text in seed_texts()]


def reference(text: str, scheme: SignatureScheme, default_hash: bool = False) -> np.ndarray:
    if default_hash:  # datasketch's defaults exactly: sha1_hash32 and the affine32 scheme
        mh = MinHash(num_perm=scheme.num_perm, seed=scheme.seed)
    else:
        mh = MinHash(num_perm=scheme.num_perm, seed=scheme.seed, hashfunc=scheme.hashfunc)
    mh.update_batch(shingles(text, scheme.shingle_size))
    return np.asarray(mh.hashvalues)


@pytest.mark.parametrize(
    "scheme",
    [SignatureScheme(), SignatureScheme(num_perm=64, seed=7, shingle_size=3), SignatureScheme(hash="sha1")],
    ids=["fast-default", "fast-64-perm-k3", "sha1"],
)
def test_bulk_signatures_equal_datasketch_update_batch(scheme: SignatureScheme) -> None:
    texts = normalized_seeds() + [normalize_text(t) for t in EDGE_TEXTS]
    sigs = SignatureComputer(scheme).compute(texts)
    assert sigs.dtype == np.uint32 and sigs.shape == (len(texts), scheme.num_perm)
    for text, sig in zip(texts, sigs, strict=True):
        np.testing.assert_array_equal(sig, reference(text, scheme, default_hash=scheme.hash == "sha1"))


def test_fast_hash_scalar_matches_vectorised_on_odd_bytes() -> None:
    computer = SignatureComputer(SignatureScheme(shingle_size=1))
    words = ["a", "é", "東京", "x" * 300, "0"]
    text = " ".join(words)
    data = text.encode()
    starts, ends, _ = computer._shingle_spans(data, [text])
    vectorised = computer._fast_hashes(data, starts, ends)
    assert vectorised.tolist() == [fast_hash32(w.encode()) for w in words]


def test_signatures_do_not_depend_on_batching(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = normalized_seeds() * 3
    whole = SignatureComputer(SignatureScheme()).compute(texts)
    # Tiny batches and chunks: documents split across permutation chunks must still come out equal.
    monkeypatch.setattr(signatures, "_BATCH_BYTES", 5000)
    monkeypatch.setattr(signatures, "_CHUNK_SHINGLES", 100)
    pieces = SignatureComputer(SignatureScheme()).compute(texts)
    alone = np.stack([SignatureComputer(SignatureScheme()).compute([t])[0] for t in texts])
    np.testing.assert_array_equal(whole, pieces)
    np.testing.assert_array_equal(whole, alone)


def test_signatures_share_an_lsh_index_with_datasketch_minhash() -> None:
    texts = normalized_seeds()
    scheme = SignatureScheme()
    computer = SignatureComputer(scheme)
    lsh = MinHashLSH(threshold=0.5, num_perm=scheme.num_perm)
    for i, text in enumerate(texts):
        mh = MinHash(num_perm=scheme.num_perm, hashfunc=fast_hash32)
        mh.update_batch(shingles(text, scheme.shingle_size))
        lsh.insert(f"doc{i}", mh)
    for i, sig in enumerate(computer.compute(texts)):
        assert lsh.query(computer.minhash(sig)) == [f"doc{i}"]


def test_bulk_insert_and_compact_buckets_answer_like_datasketch() -> None:
    scheme = SignatureScheme()
    computer = SignatureComputer(scheme)
    sigs = np.random.default_rng(0).integers(0, 2**32, (50, 128), dtype=np.uint32)
    sigs[10:20, :60] = sigs[0, :60]  # some shared bands, so buckets hold several ids
    ids = [f"d{i}" for i in range(50)]
    one_by_one, bulk = MinHashLSH(num_perm=128, params=(35, 3)), MinHashLSH(num_perm=128, params=(35, 3))
    compact, compact_bulk = compact_lsh(128, 35, 3), compact_lsh(128, 35, 3)
    for doc_id, sig in zip(ids, sigs, strict=True):
        one_by_one.insert(doc_id, computer.minhash(sig))
        compact.insert(doc_id, computer.minhash(sig))
    bulk_insert(bulk, ids, sigs)
    bulk_insert(compact_bulk, ids, sigs)
    for sig in sigs:
        expected = sorted(one_by_one.query(computer.minhash(sig)))
        assert len(expected) >= 1
        for index in (bulk, compact, compact_bulk):
            assert sorted(index.query(computer.minhash(sig))) == expected
        assert sorted(map(str, query(compact_bulk, sig))) == expected
    assert all(doc_id in index for doc_id in ids for index in (bulk, compact, compact_bulk))
    compact.remove("d10")  # datasketch's remove works on the compact storage too
    assert "d10" not in compact.query(computer.minhash(sigs[10])) and "d11" in compact.query(
        computer.minhash(sigs[10])
    )


def test_normalize_folds_what_readers_ignore() -> None:
    assert normalize_text("The  “Kremlin”\u00a0said—again: NO.") == "the kremlin said again no"
    assert normalize_text("Don’t ﬁnd ＡＢＣ\tsoft\u00adhyphen") == "dont find abc softhyphen"
    assert normalize_text("नमस्ते दुनिया") == "नमस्ते दुनिया"  # vowel signs stay inside words
    assert normalize_text(" ... ") == "" and word_count("") == 0
    a, b = "Putin met Kerry in Sochi.", "PUTIN met  kerry, in SOCHI!"
    assert exact_key(normalize_text(a)) == exact_key(normalize_text(b))
    assert exact_key(normalize_text(a)) != exact_key(normalize_text("Putin met Lavrov in Sochi."))


def test_normalize_fast_path_equals_the_plain_regex_rules() -> None:
    def reference(text: str) -> str:
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = "".join(c for c in folded if c not in normalize._APOSTROPHES)
        words = " ".join(normalize._NON_WORD.sub(normalize._fold, folded).split())
        # normalisation 2: every CJK character is a word of its own
        return " ".join(CJK.sub(r" \g<0> ", words).split())

    rng = random.Random(0)
    odd = [chr(c) for c in range(0, 0x3000, 7)] + list("\u00ad\u200d\u0301\u093e\u094d\ud800_-.—’“”…\x00\x1f")
    texts = [
        "".join(rng.choice(odd) if rng.random() < 0.3 else rng.choice("ab ") for _ in range(80))
        for _ in range(500)
    ]
    for text in [
        *texts,
        " ".join(EDGE_TEXTS),
        "far-flung u.s. — it’s «quoted» ¿qué? a_b",
        "東京の天気 it’s 中文，ok",
    ]:
        assert normalize_text(text) == reference(text)


def test_lsh_banding_is_chosen_for_recall_at_the_threshold() -> None:
    bands, rows = choose_lsh_params(0.5, 128)
    assert (bands, rows) == (35, 3)
    assert candidate_probability(0.5, bands, rows) >= 0.99
    assert candidate_probability(0.1, bands, rows) < 0.05
    for threshold in (0.3, 0.6, 0.8, 0.95, 1.0):
        b, r = choose_lsh_params(threshold, 128)
        assert b * r <= 128 and candidate_probability(threshold, b, r) >= 0.99


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SignatureScheme(num_perm=8), "num_perm"),
        (lambda: SignatureScheme(shingle_size=0), "shingle_size"),
        (lambda: SignatureScheme(hash="md5"), "hash"),  # type: ignore[arg-type]
        (lambda: SignatureScheme(seed=-1), "seed"),
        (lambda: DedupConfig(threshold=0.0), "threshold"),
        (lambda: DedupConfig(threshold=1.5), "threshold"),
        (lambda: DedupConfig(min_words=3), "min_words"),
        (lambda: DedupConfig(lsh_params=(100, 2)), "exceeds num_perm"),
        (lambda: DedupConfig(lsh_params=(1, 8)), "at least 2 bands"),
        (lambda: DedupConfig(batch_size=0), "batch_size"),
        (lambda: IndexSettings(SignatureScheme(), bands=40, rows=4), "exceeds num_perm"),
        (lambda: choose_lsh_params(0.5, 128, recall_at_threshold=1.0), "recall_at_threshold"),
        (lambda: RedisStore("http://127.0.0.1:6379/0"), "redis://"),
        (lambda: RedisStore("redis://127.0.0.1:99999/0"), "port"),
        (lambda: RedisStore("redis://127.0.0.1:6379/zero"), "database"),
        (lambda: RedisStore("redis://u:secret@127.0.0.1:6379/x"), r"u:\*\*\*@"),
        (lambda: RedisStore("redis:///0"), "host"),
        (lambda: RedisStore("redis://127.0.0.1:6379/0", namespace="a b"), "namespace"),
    ],
)
def test_bad_configuration_raises_clear_value_error(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]
