"""The Redis store: one index shared by several clients, against a real redis-server."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from seedcrawl.pipelines.dedup import (
    DedupConfig,
    Deduplicator,
    LocalStore,
    RedisStore,
    SignatureComputer,
    Verdict,
    normalize_text,
    open_store,
)
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import PipelineError
from tests.support.docs import make_doc, seed_texts
from tests.support.redis_server import free_port, redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # fails (not skips) without redis-server, saying how to install it
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def namespace(request: pytest.FixtureRequest) -> str:
    return f"test:{request.node.name}"


def edited(text: str, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), 6):
        words[i] = "changed"
    return "By Wire Staff\n\n" + " ".join(words) + "\n\nRead more: elsewhere"


def verdicts(outcomes: Iterable[tuple[Document, Verdict]]) -> list[Verdict]:
    """The verdicts, in order."""
    return [verdict for _, verdict in outcomes]


def client(url: str, namespace: str) -> Deduplicator:
    return Deduplicator(DedupConfig(), RedisStore(url, namespace=namespace))


def test_two_clients_share_one_index(redis_url: str, namespace: str) -> None:
    texts = seed_texts()
    with client(redis_url, namespace) as one, client(redis_url, namespace) as two:
        kept = verdicts(one.process(make_doc(f"seed{i}", t) for i, t in enumerate(texts)))
        assert len(kept) == 5 and all(v.kept for v in kept)  # the related seed articles stay apart here too
        copies = [make_doc("copy0", edited(texts[0], 1)), make_doc("copy2", texts[2].upper())]
        near, exact, new = verdicts(two.process([*copies, make_doc("n", texts[4][:3000])]))
        assert (near.duplicate_of, near.kind) == ("seed0", "near") and 0.5 <= (near.similarity or 0) < 1
        assert (exact.duplicate_of, exact.kind, exact.similarity) == ("seed2", "exact", 1.0)
        assert new.duplicate_of in (None, "seed4")
        two.commit()
        assert one.cluster_size("seed0") == 2 and one.cluster_size("seed2") == 2
        [again] = verdicts(one.process([make_doc("copy0", edited(texts[0], 1))]))
        assert again.known and again.duplicate_of == "seed0" and one.cluster_size("seed0") == 2


def test_index_entries_are_those_minhashlsh_itself_writes_and_reads(redis_url: str, namespace: str) -> None:
    texts = seed_texts()
    store = RedisStore(redis_url, namespace=namespace)
    computer = SignatureComputer(DedupConfig().scheme())
    with Deduplicator(DedupConfig(), store) as dedup:
        kept = verdicts(dedup.process(make_doc(f"s{i}", t) for i, t in enumerate(texts)))
        lsh = store._lsh
        assert lsh is not None
        copy = computer.compute([normalize_text(edited(texts[0], 9))])[0]
        for sig in [*(v.signature for v in kept), copy]:
            assert sig is not None
            sketch = computer.minhash(sig)
            assert sorted(store.candidates(sig)) == sorted(k.decode() for k in lsh.query(sketch))
        assert all(v.doc_id.encode() in lsh for v in kept)
        assert store.candidates(copy) == ["s0"]


def test_state_outlives_the_clients(redis_url: str, namespace: str) -> None:
    text = seed_texts()[1]
    with client(redis_url, namespace) as first:
        list(first.process([make_doc("a", text)]))
    with Deduplicator(DedupConfig(), RedisStore(redis_url, namespace=namespace)) as later:
        [verdict] = verdicts(later.process([make_doc("b", edited(text, 3))]))
        assert verdict.duplicate_of == "a" and later.cluster_size("a") == 2
        assert later.cluster_updates() == {"a": 2}


def test_a_text_kept_concurrently_by_two_clients_is_kept_once(redis_url: str, namespace: str) -> None:
    text = seed_texts()[3]
    with client(redis_url, namespace) as one, client(redis_url, namespace) as two:
        first, second = one.check(make_doc("x", text)), two.check(make_doc("y", text))
        assert first.kept and second.kept  # both checked before either was recorded
        assert one.add(first).kept
        recorded = two.add(second)
        assert (recorded.duplicate_of, recorded.kind) == ("x", "exact")
        assert one.cluster_size("x") == 2


def test_incompatible_settings_are_refused_and_the_banding_is_shared(redis_url: str, namespace: str) -> None:
    with client(redis_url, namespace):
        pass
    with pytest.raises(ValueError, match="num_perm: stored 128, configured 64"):
        Deduplicator(DedupConfig(num_perm=64), RedisStore(redis_url, namespace=namespace))
    store = RedisStore(redis_url, namespace=namespace)
    with Deduplicator(DedupConfig(threshold=0.8), store):  # a stricter threshold keeps the banding
        assert store._lsh is not None and (store._lsh.b, store._lsh.r) == (35, 3)
    with pytest.raises(ValueError, match=r"proposes only \d+% of the pairs at threshold 0.3"):
        Deduplicator(DedupConfig(threshold=0.3), RedisStore(redis_url, namespace=namespace))


def test_open_store_picks_the_backend(tmp_path: Path, redis_url: str) -> None:
    assert isinstance(open_store(tmp_path, redis_url), RedisStore)
    local = open_store(tmp_path)
    assert isinstance(local, LocalStore) and local.path == tmp_path / "dedup"


def test_an_unreachable_server_stops_the_run() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(PipelineError, match="cannot reach"):
        Deduplicator(DedupConfig(), RedisStore(url))
