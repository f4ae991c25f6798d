"""State that outlives a run: the on-disk store (atomic commits, shards, compaction, settings)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from seedcrawl.pipelines.dedup import DedupConfig, Deduplicator, LocalStore, Verdict, local_store
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import PipelineError
from tests.support.docs import make_doc, seed_texts


def edited(text: str, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), 6):
        words[i] = "changed"
    return "Updated headline\n\n" + " ".join(words) + "\n\n(Reporting by Wire Staff)"


def run(
    folder: Path, docs: list[Document], commit: bool = True, threshold: float = 0.5
) -> tuple[dict[str, Verdict], dict[str, int]]:
    """One run over `docs`, closed at the end: each document's verdict, and the clusters it touched."""
    with Deduplicator(DedupConfig(threshold=threshold), LocalStore(folder)) as dedup:
        results = {d.id: v for d, v in dedup.process(docs)}
        if commit:
            dedup.commit()
        return results, dedup.cluster_updates()


def test_a_later_run_drops_copies_of_what_an_earlier_run_kept(tmp_path: Path) -> None:
    texts = seed_texts()
    docs = [make_doc(f"seed{i}", t) for i, t in enumerate(texts)] + [make_doc("c1", edited(texts[0], 1))]
    _, sizes = run(tmp_path, docs)
    assert sizes["seed0"] == 2 and sizes["seed1"] == 1
    results, sizes = run(tmp_path, [make_doc("c2", edited(texts[0], 2)), make_doc("x2", texts[3].lower())])
    c2, x2 = results["c2"], results["x2"]
    assert (c2.duplicate_of, c2.kind) == ("seed0", "near") and (c2.similarity or 0) >= 0.5
    assert (x2.duplicate_of, x2.kind) == ("seed3", "exact")
    assert sizes == {"seed0": 3, "seed3": 2}  # the clusters this run touched, with their sizes
    with Deduplicator(DedupConfig(), LocalStore(tmp_path)) as third:
        assert third.cluster_size("seed0") == 3 and third.cluster_size("seed4") == 1
    shards = sorted(s for s in os.listdir(tmp_path) if s.startswith("shard-"))
    assert shards == ["shard-000001.npz", "shard-000002.npz"]  # appended, not rewritten


def test_uncommitted_records_are_forgotten(tmp_path: Path) -> None:
    texts = seed_texts()
    run(tmp_path, [make_doc("a", texts[1])])
    run(tmp_path, [make_doc("b", texts[2])], commit=False)
    later, _ = run(tmp_path, [make_doc("b2", texts[2]), make_doc("a2", texts[1])])
    assert later["b2"].kept and later["a2"].duplicate_of == "a"


def test_a_failure_while_saving_leaves_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = seed_texts()
    run(tmp_path, [make_doc("a", texts[0])])
    manifest_before = (tmp_path / "manifest.json").read_bytes()
    real_replace = os.replace

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "manifest.json":  # the shard is in place, the commit point is not
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    with Deduplicator(DedupConfig(), LocalStore(tmp_path)) as dedup:
        list(dedup.process([make_doc("b", texts[1]), make_doc("a-copy", texts[0].upper())]))
        monkeypatch.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError, match="No space"):
            dedup.commit()
        monkeypatch.undo()
    assert (tmp_path / "manifest.json").read_bytes() == manifest_before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    (tmp_path / ".manifest.json.tmp").write_bytes(b'{"half": ')  # as if killed mid-write
    results, sizes = run(tmp_path, [make_doc("b2", texts[1]), make_doc("a2", texts[0])])
    assert results["b2"].kept
    assert results["a2"].duplicate_of == "a" and sizes["a"] == 2


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    with Deduplicator(DedupConfig(), LocalStore(tmp_path)), pytest.raises(PipelineError, match="in use"):
        Deduplicator(DedupConfig(), LocalStore(tmp_path))
    with Deduplicator(DedupConfig(), LocalStore(tmp_path)):  # released on close
        pass


def test_a_damaged_shard_stops_the_run(tmp_path: Path) -> None:
    run(tmp_path, [make_doc("a", seed_texts()[0])])
    shard = tmp_path / "shard-000001.npz"
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(PipelineError, match="checksum"):
        Deduplicator(DedupConfig(), LocalStore(tmp_path))


def test_incompatible_settings_are_refused_but_the_threshold_may_change(tmp_path: Path) -> None:
    texts = seed_texts()
    run(tmp_path, [make_doc("a", texts[0])])
    with pytest.raises(ValueError, match="num_perm: stored 128, configured 256"):
        Deduplicator(DedupConfig(num_perm=256), LocalStore(tmp_path))
    with pytest.raises(ValueError, match="shingle_size"):
        Deduplicator(DedupConfig(shingle_size=4), LocalStore(tmp_path))
    strict, _ = run(tmp_path, [make_doc("a2", edited(texts[0], 5))], threshold=0.98)
    assert strict["a2"].kept
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["settings"]["bands"] * manifest["settings"]["rows"] <= 128


def test_an_index_from_an_older_normalisation_is_refused_with_what_to_do(tmp_path: Path) -> None:
    # normalisation 1 kept a run of CJK characters as one word: its keys and signatures mean
    # something else, and matching against them would silently miss duplicates
    run(tmp_path, [make_doc("a", seed_texts()[0])])
    manifest_path = tmp_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["settings"]["normalization"] == 2
    manifest["settings"]["normalization"] = 1
    manifest_path.write_text(json.dumps(manifest))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ValueError, match=r"normalisation version 1; this one uses 2") as refused:
        Deduplicator(DedupConfig(), LocalStore(tmp_path))
    assert "new output folder" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert json.loads(manifest_path.read_text()) == manifest


def test_many_commits_are_compacted_into_one_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_store, "_COMPACT_AFTER", 3)
    texts = seed_texts()
    for i, text in enumerate(texts):
        run(tmp_path, [make_doc(f"k{i}", text), make_doc(f"d{i}", edited(text, i))])
    shards = sorted(p for p in os.listdir(tmp_path) if p.startswith("shard-"))
    assert len(shards) <= 2
    results, sizes = run(tmp_path, [make_doc(f"again{i}", edited(t, 10 + i)) for i, t in enumerate(texts)])
    assert [results[f"again{i}"].duplicate_of for i in range(5)] == [f"k{i}" for i in range(5)]
    assert sizes == {f"k{i}": 3 for i in range(5)}
