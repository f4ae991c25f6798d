"""Near-duplicate quality: pair precision, recall and F1 on a labelled syndication set.

Run: ``.venv/bin/python bench/dedup_quality.py [--seeds 1 2 3] [--sweep] [--verbose]``

Built from the 91 real article bodies of ``shared/bench/aeb-dev/ground-truth.json``: each is one true
cluster, the original plus 2-5 copies, each with 2-4 of these seeded edits: new headline; byline and
dateline; a paragraph dropped (at most a fifth of the words, else a sentence); a paragraph of another
article added (at most a fifth of the length); wire credits, "Read more" and site chrome lines; ~1.5%
of words replaced; a paragraph moved; typography (quotes, dashes, spacing). Hard negatives, each its
own cluster: the five seed articles (same 2015 talks, different articles); 15 same-site pairs (two
different 60-word briefs in the same ~45 words of site chrome); 30 substantially updated versions of
a base (50% or 30% of the words kept, the rest new text). Pairs: a true pair is two documents of one
true cluster, a predicted pair two documents the deduplicator put in one cluster (a kept document
and its duplicates); precision, recall and F1 are over unordered pairs, per seed and pooled.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.dedup import (
    DedupConfig,
    Deduplicator,
    LocalStore,
    SignatureComputer,
    keep_order,
    normalize_text,
)
from seedcrawl.pipelines.document import Document

SHARED = Path(__file__).resolve().parents[2] / "shared"
EDITS = ("headline", "byline", "drop", "add", "boilerplate", "words", "reorder", "typography")
CHROME = [
    "Share this article: Facebook Twitter Email",
    "Advertisement",
    "Sign up for our daily newsletter to get the latest news in your inbox.",
    "(Reporting by Andrew Osborn; Editing by Mark Heinrich)",
    "© 2019 The Daily Courier. All rights reserved.",
    "This article was originally published by the Associated Press.",
    "Follow us on Twitter @dailycourier",
    "Copyright 2019 The Associated Press. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed.",
    "Skip to main content Menu Search Subscribe Log in",
]
NAMES = ["Anna Petrova", "James Miller", "Sarah Lee", "Tom Becker", "Maria Gonzalez", "Chris Evans"]
OUTLETS = ["Reuters", "AP", "AFP", "The Daily Courier", "Metro News", "World Desk"]


def load_bases() -> list[str]:
    truth = json.loads((SHARED / "bench/aeb-dev/ground-truth.json").read_text(encoding="utf-8"))
    return [truth[key]["articleBody"] for key in sorted(truth)]


def load_seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


class Syndicator:
    """Seeded edits that syndication and republishing make to an article."""

    def __init__(self, rng: random.Random, bases: list[str]) -> None:
        self.rng = rng
        self.bases = bases
        self.vocab = sorted({w for t in bases for w in t.split() if w.isalpha()})

    def variant(self, text: str) -> tuple[str, list[str]]:
        edits = self.rng.sample(EDITS, self.rng.randint(2, 4))
        paras = paragraphs(text)
        for edit in edits:
            paras = getattr(self, f"_{edit}")(paras)
        return "\n\n".join(paras), edits

    def updated(self, text: str, keep: float) -> str:
        """Keep a `keep` share of the paragraphs (in order); replace the rest with new text."""
        paras = paragraphs(text)
        order = self.rng.sample(range(len(paras)), len(paras))
        total = sum(len(p.split()) for p in paras)
        kept: list[int] = []
        for i in order:  # whole paragraphs, until about `keep` of the words are kept
            if sum(len(paras[k].split()) for k in kept) + len(paras[i].split()) / 2 > keep * total:
                break
            kept.append(i)
        kept.sort()
        new_words = sum(len(paras[i].split()) for i in range(len(paras)) if i not in kept)
        out = [paras[i] for i in kept]
        while new_words > 0:
            fresh = self.fresh_paragraph()
            out.insert(self.rng.randint(0, len(out)), fresh)
            new_words -= len(fresh.split())
        return "\n\n".join(out)

    def fresh_paragraph(self) -> str:
        """New text: four sentences, each from a different random article."""
        sentences = []
        for text in self.rng.sample(self.bases, 4):
            candidates = [s for s in text.replace("\n", " ").split(". ") if len(s.split()) >= 8]
            sentences.append(self.rng.choice(candidates or [text[:200]]).strip())
        return ". ".join(sentences) + "."

    def _headline(self, paras: list[str]) -> list[str]:
        words = self.rng.sample(paras[0].split(), min(8, len(paras[0].split())))
        return [" ".join(words).title(), *paras]

    def _byline(self, paras: list[str]) -> list[str]:
        dateline = f"MOSCOW ({self.rng.choice(OUTLETS)}) — "
        return [f"By {self.rng.choice(NAMES)}", dateline + paras[0], *paras[1:]]

    def _drop(self, paras: list[str]) -> list[str]:
        # A paragraph of at most a fifth of the words (more is an excerpt, not a copy); else a sentence.
        total = sum(len(p.split()) for p in paras)
        small = [i for i, p in enumerate(paras) if len(p.split()) <= total / 5]
        if small:
            i = self.rng.choice(small)
            return paras[:i] + paras[i + 1 :]
        i = self.rng.randrange(len(paras))
        sentences = paras[i].split(". ")
        j = self.rng.randrange(len(sentences))
        return [*paras[:i], ". ".join(sentences[:j] + sentences[j + 1 :]), *paras[i + 1 :]]

    def _add(self, paras: list[str]) -> list[str]:
        # A paragraph of another article, at most a fifth of this one's length (at least 15 words).
        limit = max(15, sum(len(p.split()) for p in paras) // 5)
        other = paragraphs(self.rng.choice(self.bases))
        new = [p for p in other if 8 <= len(p.split()) <= limit] or [" ".join(other[0].split()[:limit])]
        i = self.rng.randint(0, len(paras))
        return [*paras[:i], self.rng.choice(new), *paras[i:]]

    def _boilerplate(self, paras: list[str]) -> list[str]:
        lines = self.rng.sample(CHROME, self.rng.randint(1, 4))
        head = [line for line in lines if self.rng.random() < 0.3]
        tail = [line for line in lines if line not in head]
        title = " ".join(self.rng.sample(self.vocab, 6))
        return [*head, *paras, *tail, f"Read more: {title}"]

    def _words(self, paras: list[str]) -> list[str]:
        out = []
        for p in paras:
            words = p.split()
            for i in range(len(words)):
                if self.rng.random() < 0.015:
                    words[i] = self.rng.choice(self.vocab)
            out.append(" ".join(words))
        return out

    def _reorder(self, paras: list[str]) -> list[str]:
        if len(paras) < 2:
            return paras
        i = self.rng.randrange(len(paras))
        moved = paras[:i] + paras[i + 1 :]
        moved.insert(self.rng.randrange(len(moved) + 1), paras[i])
        return moved

    def _typography(self, paras: list[str]) -> list[str]:
        table = str.maketrans({"’": "'", "“": '"', "”": '"', "—": "--", "'": "’"})
        return [p.translate(table).replace(". ", ".  ") for p in paras]


def updatable(bases: list[str]) -> list[int]:
    """Bases with enough paragraphs to replace a share of them."""
    return [i for i, t in enumerate(bases) if len(paragraphs(t)) >= 6]


def build(seed: int) -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
    """Documents as (id, cluster, text), and per-document notes (edits, kind of negative)."""
    rng = random.Random(seed)
    bases = load_bases()
    syn = Syndicator(rng, bases)
    docs: list[tuple[str, str, str]] = []
    notes: dict[str, list[str]] = {}
    for b, text in enumerate(bases):
        docs.append((f"b{b}-orig", f"b{b}", text))
        for v in range(rng.randint(2, 5)):
            variant, edits = syn.variant(text)
            docs.append((f"b{b}-v{v}", f"b{b}", variant))
            notes[f"b{b}-v{v}"] = edits
    for s, text in enumerate(load_seeds()):
        docs.append((f"seed{s}", f"seed{s}", text))
        notes[f"seed{s}"] = ["seed"]
    # Short briefs (60 words) in the same four lines of site chrome (about 45 words).
    chrome_head, chrome_tail = "\n\n".join([CHROME[8], CHROME[0]]), "\n\n".join([CHROME[2], CHROME[4]])
    long_bases = [i for i, t in enumerate(bases) if len(t.split()) >= 450]
    picked = rng.sample(long_bases, 30)  # distinct bodies: equal ones would be true duplicates
    for p in range(15):
        for side, k in (("a", picked[2 * p]), ("b", picked[2 * p + 1])):
            body = " ".join(bases[k].split()[:60])
            docs.append((f"site{p}{side}", f"site{p}{side}", f"{chrome_head}\n\n{body}\n\n{chrome_tail}"))
            notes[f"site{p}{side}"] = ["same-site"]
    for u, b in enumerate(rng.sample(updatable(bases), 30)):
        keep = (0.5, 0.3)[u % 2]
        docs.append((f"upd{u}", f"upd{u}", syn.updated(bases[b], keep)))
        notes[f"upd{u}"] = [f"updated-keep{keep}", f"b{b}"]
    return docs, notes


def evaluate(config: DedupConfig, seed: int, verbose: bool = False) -> dict[str, float]:
    docs, notes = build(seed)
    rng = random.Random(seed + 1000)
    inputs = [
        Document(
            id=doc_id,
            url=f"https://example.org/{doc_id}",
            fetched_at=f"2019-11-{rng.randint(10, 28)}T00:00:00Z",
            warc=WarcRef("bench.warc.gz", 0, 0, f"<urn:{doc_id}>", None),
            text=text,
            published=f"2019-11-{rng.randint(1, 9):02d}" if rng.random() < 0.8 else None,
        )
        for doc_id, _, text in docs
    ]
    truth = {doc_id: cluster for doc_id, cluster, _ in docs}
    with tempfile.TemporaryDirectory() as tmp, Deduplicator(config, LocalStore(tmp)) as dedup:
        outcomes = list(dedup.process(sorted(inputs, key=keep_order)))
    pred = {doc.id: v.duplicate_of or doc.id for doc, v in outcomes}
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id, kept in pred.items():
        groups[kept].append(doc_id)
    predicted = {frozenset(p) for g in groups.values() for p in combinations(g, 2)}
    by_truth: dict[str, list[str]] = defaultdict(list)
    for doc_id, cluster in truth.items():
        by_truth[cluster].append(doc_id)
    true_pairs = {frozenset(p) for g in by_truth.values() for p in combinations(g, 2)}
    tp = len(predicted & true_pairs)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(true_pairs)
    missed = [d for d in truth if d in notes and truth[d] != d and pred[d] != pred[f"{truth[d]}-orig"]]
    if verbose:
        for pair in sorted(predicted - true_pairs, key=sorted):
            print("  false pair:", sorted(pair), [notes.get(d) for d in sorted(pair)])
        for d in missed:
            print("  missed:", d, notes[d])
    negatives = [d for d in truth if truth[d] == d]
    return {
        "docs": len(docs),
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(predicted),
        "tp": tp,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "negatives_kept": sum(pred[d] == d and len(groups[d]) == 1 for d in negatives) / len(negatives),
    }


def updated_versions(config: DedupConfig, seed: int) -> list[tuple[float, float, float, float]]:
    """For each share of text kept in an update: (keep, mean and max estimated Jaccard, share merged)."""
    bases = load_bases()
    syn, computer = Syndicator(random.Random(seed), bases), SignatureComputer(config.scheme())
    rows = []
    for keep in (0.9, 0.7, 0.5, 0.3):
        pairs = [(bases[b], syn.updated(bases[b], keep)) for b in updatable(bases)]
        sigs = computer.compute([normalize_text(t) for pair in pairs for t in pair])
        sims = (sigs[0::2] == sigs[1::2]).mean(axis=1)
        rows.append((keep, float(sims.mean()), float(sims.max()), float((sims >= config.threshold).mean())))
    return rows


def scale_documents(n: int, seed: int, hub_rate: float) -> tuple[list[Document], dict[str, int]]:
    """n synthetic documents (as bench/dedup_speed.py makes them) and each one's true cluster.

    8% are edited and 2% exact copies of one of the last 1,000 documents (same true cluster as
    it); `hub_rate` are hubs: a digest page joining two recent originals whole, its own true
    cluster, dated a day earlier so that the keep rule sees it before the stories it joins.
    """
    from dedup_speed import sentence_pool

    rng, pool = random.Random(seed), sentence_pool()
    docs: list[Document] = []
    truth: dict[str, int] = {}
    recent: list[tuple[str, int]] = []
    originals: list[str] = []
    for i in range(n):
        roll, published = rng.random(), "2026-01-02"
        if recent and roll < 0.02:
            text, root = rng.choice(recent)
        elif recent and roll < 0.10:
            source, root = rng.choice(recent)
            words = source.split(" ")
            for j in rng.sample(range(len(words)), 4):
                words[j] = rng.choice(words)
            text = "By Staff Writer\n\n" + " ".join(words)
        elif len(originals) > 2 and roll < 0.10 + hub_rate:
            first, second = rng.sample(originals[-1000:], 2)
            text, root, published = f"{first}\n\n{second}", i, "2026-01-01"
        else:
            parts: list[str] = []
            while sum(len(p.split()) for p in parts) < 600:
                parts.append(rng.choice(pool))
            text, root = " ".join(parts), i
            originals.append(text)
        recent = [*recent[-999:], (text, root)]
        doc_id = f"doc{i:07d}"
        truth[doc_id] = root
        ref = WarcRef("bench.warc.gz", i, 1, f"<urn:{doc_id}>", None)
        docs.append(Document(doc_id, f"https://example.org/{i}", "2026-01-02T00:00:00Z", ref, text=text))
        docs[-1].published = published
    return docs, truth


def scale_quality(n: int, seed: int, hub_rate: float, anchor: float) -> dict[str, float]:
    """Link precision (each duplicate -> kept link right) and cluster precision (the pairs implied)."""
    docs, truth = scale_documents(n, seed, hub_rate)
    config = DedupConfig(anchor_similarity=anchor)
    with tempfile.TemporaryDirectory() as tmp, Deduplicator(config, LocalStore(tmp)) as dedup:
        pred = {doc.id: v.duplicate_of or doc.id for doc, v in dedup.process(sorted(docs, key=keep_order))}
    links = [(d, k) for d, k in pred.items() if d != k]
    right = sum(truth[d] == truth[k] for d, k in links)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id, kept in pred.items():
        groups[kept].append(doc_id)
    predicted = tp = 0
    for members in groups.values():
        predicted += len(members) * (len(members) - 1) // 2
        for count in Counter(truth[m] for m in members).values():
            tp += count * (count - 1) // 2
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(truth.values()).values())
    return {
        "docs": n,
        "hub_rate": hub_rate,
        "anchor_similarity": anchor,
        "links": len(links),
        "link_precision": right / max(1, len(links)),
        "cluster_pairs": predicted,
        "cluster_precision": tp / max(1, predicted),
        "cluster_recall": tp / max(1, true_pairs),
        "largest_cluster": max(len(m) for m in groups.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, metavar="N", help="instead: link and cluster precision on N synthetic documents"
    )
    parser.add_argument("--hub-rate", type=float, default=0.01, help="share of hub documents with --scale")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 8])
    parser.add_argument("--sweep", action="store_true", help="also try other thresholds")
    parser.add_argument("--verbose", action="store_true", help="list false pairs and missed copies")
    args = parser.parse_args()
    if args.scale:
        for seed in args.seeds[:1]:
            for anchor in (0.0, DedupConfig().anchor_similarity):  # the bound off, then on
                print(json.dumps(scale_quality(args.scale, seed, args.hub_rate, anchor)), flush=True)
        return
    thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] if args.sweep else [DedupConfig().threshold]
    print("| threshold | seed | docs | true pairs | predicted | precision | recall | F1 | negatives kept |")
    print("|---|---|---|---|---|---|---|---|---|")
    for threshold in thresholds:
        results = [evaluate(DedupConfig(threshold=threshold), seed, args.verbose) for seed in args.seeds]
        tp, pred, true = (sum(r[k] for r in results) for k in ("tp", "predicted_pairs", "true_pairs"))
        pooled = {"docs": sum(r["docs"] for r in results), "true_pairs": true, "predicted_pairs": pred}
        pooled |= {"precision": tp / pred, "recall": tp / true, "f1": 2 * tp / (pred + true)}
        pooled["negatives_kept"] = min(r["negatives_kept"] for r in results)
        for seed, r in [*zip(args.seeds, results, strict=True), ("all", pooled)]:
            print(
                f"| {threshold} | {seed} | {r['docs']} | {r['true_pairs']} | {r['predicted_pairs']} "
                f"| {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['negatives_kept']:.3f} |"
            )
    config = DedupConfig()
    print(f"\nUpdated versions of the {len(updatable(load_bases()))} bases with 6+ paragraphs (seed 1):")
    print("| text kept | mean similarity | max similarity | merged at threshold |")
    print("|---|---|---|---|")
    for keep, mean, top, merged in updated_versions(config, 1):
        print(f"| {keep:.0%} | {mean:.3f} | {top:.3f} | {merged:.0%} |")


if __name__ == "__main__":
    main()
