"""Dedup speed and scale: bulk signatures vs datasketch, memory per document, 100k end to end, Redis.

Run: ``.venv/bin/python bench/dedup_speed.py [--docs 100000] [--redis-docs 2000] [--sig-docs 2000]``

Documents are synthesised with a fixed seed from the sentences of the 91 aeb-dev article bodies:
each is ~600 words of randomly drawn sentences; in the scale runs 8% are lightly edited copies
and 2% exact copies of earlier documents, so both match paths and the LSH verification are used.
Each scale measurement runs in a child process so that its peak RSS is its own. Signature speeds
are CPU time of this process (best of 3), so other jobs on a shared machine distort them less;
end-to-end figures give wall and CPU time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from datasketch import MinHash
from dedup_quality import load_bases

from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.dedup import (
    DedupConfig,
    Deduplicator,
    LocalStore,
    RedisStore,
    SignatureComputer,
    SignatureScheme,
    normalize_text,
    shingles,
)
from seedcrawl.pipelines.dedup.signatures import HashName, Signatures
from seedcrawl.pipelines.document import Document


def sentence_pool() -> list[str]:
    text = " ".join(t.replace("\n", " ") for t in load_bases())
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]


def synth_texts(n: int, seed: int, words: int = 600, copies: bool = True) -> Iterator[str]:
    for text, _ in synth_labelled(n, seed, words, copies):
        yield text


def synth_labelled(n: int, seed: int, words: int = 600, copies: bool = True) -> Iterator[tuple[str, int]]:
    """Documents with their truth: the index of the original each one was copied from (itself if new)."""
    rng = random.Random(seed)
    pool = sentence_pool()
    recent: list[tuple[str, int]] = []
    for index in range(n):
        roll = rng.random()
        if copies and recent and roll < 0.02:
            text, root = rng.choice(recent)
        elif copies and recent and roll < 0.10:
            source, root = rng.choice(recent)
            ws = source.split(" ")
            for i in rng.sample(range(len(ws)), 4):
                ws[i] = rng.choice(ws)
            text = "By Staff Writer\n\n" + " ".join(ws)
        else:
            parts: list[str] = []
            while sum(len(p.split()) for p in parts) < words:
                parts.append(rng.choice(pool))
            text, root = " ".join(parts), index
        recent = [*recent[-999:], (text, root)]
        yield text, root


def make_doc(i: int, text: str) -> Document:
    ref = WarcRef("bench.warc.gz", i, 1, f"<urn:uuid:{i}>", None)
    return Document(
        id=f"doc{i:07d}",
        url=f"https://example.org/{i}",
        fetched_at="2026-01-01T00:00:00Z",
        warc=ref,
        text=text,
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_of(pid: int) -> float:
    """Peak RSS of another process (VmHWM), e.g. the redis-server."""
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024


def bench_signatures(n: int, repeats: int = 3) -> dict[str, float]:
    """Docs/s of each way to sign the same documents; best of `repeats` interleaved rounds."""
    texts = [normalize_text(t) for t in synth_texts(n, seed=7, copies=False)]
    lists = [shingles(t, 5) for t in texts]
    names: tuple[HashName, ...] = ("fast", "sha1")
    computers = {name: SignatureComputer(SignatureScheme(hash=name)) for name in names}
    for computer in computers.values():
        computer.compute(texts[:10])  # grow its tables outside the timing

    def update_batch(with_shingling: bool) -> None:
        for text, shingle_list in zip(texts, lists, strict=True):
            m = MinHash(num_perm=128)
            m.update_batch(shingles(text, 5) if with_shingling else shingle_list)

    runs: dict[str, Callable[[], object]] = {
        "update_batch": lambda: update_batch(False),
        "update_batch_with_shingling": lambda: update_batch(True),
        "minhash_bulk": lambda: MinHash.bulk(lists, num_perm=128),
        "bulk_fast": lambda: computers["fast"].compute(texts),
        "bulk_sha1": lambda: computers["sha1"].compute(texts),
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.process_time()  # CPU time: other jobs on a shared machine do not count
            run()
            best[name] = min(best[name], time.process_time() - start)
    return {"docs": n, "shingles_per_doc": sum(map(len, lists)) / n} | {k: n / t for k, t in best.items()}


def scale_child(n: int, folder: Path) -> dict[str, float]:
    """One run over n documents into an empty folder, a reload, and an incremental run."""
    base_rss = rss_mb()
    dedup = Deduplicator(DedupConfig(), LocalStore(folder))
    store = dedup.store
    assert isinstance(store, LocalStore)
    found = {"exact": 0, "near": 0}
    candidate_counts: list[int] = []
    query = store.candidates

    def counted(signature: Signatures) -> list[str]:
        found = query(signature)
        candidate_counts.append(len(found))
        return found

    store.candidates = counted  # type: ignore[method-assign]
    busy = busy_cpu = 0.0
    texts = synth_texts(n, seed=11)
    for lo in range(0, n, 1000):
        batch = [make_doc(i, next(texts)) for i in range(lo, min(n, lo + 1000))]
        start, start_cpu = time.perf_counter(), time.process_time()
        for _, verdict in dedup.process(batch):
            if verdict.kind:
                found[verdict.kind] += 1
        busy += time.perf_counter() - start
        busy_cpu += time.process_time() - start_cpu
        if (lo + 1000) % 50_000 == 0:  # progress, so a run cut short still says how far it scaled
            progress = {"docs": lo + 1000, "process_s": round(busy, 1), "cpu_s": round(busy_cpu, 1)}
            progress |= {"rss_mb": round(rss_mb()), "peak_rss_mb": round(peak_rss_mb())}
            print(json.dumps(progress), file=sys.stderr, flush=True)
    start = time.perf_counter()
    dedup.commit()
    commit_s = time.perf_counter() - start
    gc.collect()
    out = {"docs": n, "process_s": busy, "docs_per_s": n / busy, "process_cpu_s": busy_cpu}
    out |= {"docs_per_cpu_s": n / busy_cpu, "commit_s": commit_s, **found}
    out["peak_rss_build_mb"] = peak_rss_mb()
    out["rss_after_build_mb"] = rss_mb()
    out["state_mb_per_100k"] = (rss_mb() - base_rss) / n * 100_000
    out["candidates_per_query"] = sum(candidate_counts) / max(1, len(candidate_counts))
    out["disk_mb"] = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    if n <= 200_000:  # the alternative layout, measured where it is still cheap to try
        start = time.perf_counter()
        blob = pickle.dumps(store._lsh, protocol=pickle.HIGHEST_PROTOCOL)
        out["pickle_lsh_dump_s"], out["pickle_lsh_mb"] = time.perf_counter() - start, len(blob) / 2**20
        start = time.perf_counter()
        pickle.loads(blob)
        out["pickle_lsh_load_s"] = time.perf_counter() - start
        del blob
    dedup.close()
    del dedup, store
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    again = Deduplicator(DedupConfig(), LocalStore(folder))
    out["reload_s"], out["reload_cpu_s"] = time.perf_counter() - start, time.process_time() - start_cpu
    extra = [make_doc(n + i, t) for i, t in enumerate(synth_texts(1000, seed=12))]
    start = time.perf_counter()
    list(again.process(extra))
    again.commit()
    out["incremental_1000_s"] = time.perf_counter() - start
    again.close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def memory_child(n: int) -> dict[str, float]:
    """Python heap added per indexed document (signature row, LSH bands, id maps), by tracemalloc.

    Measured as the growth from n/2 to n documents, so fixed costs (the hash tables' power
    tables, the first buffers) are not spread over the documents.
    """
    docs = [make_doc(i, t) for i, t in enumerate(synth_texts(n, seed=13, copies=False))]
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        dedup = Deduplicator(DedupConfig(), LocalStore(tmp))
        held = []
        for half in (docs[: n // 2], docs[n // 2 :]):
            for _ in dedup.process(half):
                pass
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    return {"docs": n, "bytes_per_doc": (held[1] - held[0]) / (n - n // 2), "heap_mb_total": held[1] / 2**20}


def pair_precision(cluster: list[int], root: list[int]) -> dict[str, float]:
    """Link and cluster precision/recall of predicted clusters (kept id) against true ones (original)."""
    links = sum(1 for i, c in enumerate(cluster) if c != i)
    right = sum(1 for i, c in enumerate(cluster) if c != i and root[c] == root[i])
    predicted = Counter(cluster)
    both = Counter(zip(cluster, root, strict=True))
    truth = Counter(root)

    def pairs(counts: Counter[Any]) -> int:
        return sum(k * (k - 1) // 2 for k in counts.values())

    implied, correct, true_pairs = pairs(predicted), pairs(both), pairs(truth)
    return {
        "links": links,
        "link_precision": right / max(1, links),
        "cluster_pairs": implied,
        "cluster_precision": correct / max(1, implied),
        "cluster_recall": correct / max(1, true_pairs),
        "largest_cluster": max(predicted.values(), default=0),
    }


def redis_run(n: int, every: int = 50_000, progress_file: Path | None = None) -> dict[str, float]:
    """n documents into a fresh local redis-server, streamed; time, CPU, Redis memory, precision.

    Every `every` documents a checkpoint line (cumulative figures) goes to stderr and, when given,
    is appended to `progress_file`, so a run cut short still says how far it scaled.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (Debian package redis-server)")
    with tempfile.TemporaryDirectory() as tmp:
        port = 16000 + os.getpid() % 1000
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = subprocess.Popen([*args, "--dir", tmp, "--maxmemory", "0"], stdout=subprocess.DEVNULL)
        try:
            client = redis.Redis(port=port)
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            before = int(client.info("memory")["used_memory"])
            url = f"redis://127.0.0.1:{port}/0"
            dedup = Deduplicator(DedupConfig(), RedisStore(url))
            found = {"exact": 0, "near": 0}
            roots: list[int] = []
            cluster: list[int] = []

            def server_cpu_s() -> float:
                cpu = client.info("cpu")
                return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])

            def checkpoint(done: int, wall: float, cpu: float) -> dict[str, float]:
                mem = client.info("memory")
                server = server_cpu_s()
                point: dict[str, float] = {
                    "docs": done,
                    "process_s": round(wall, 1),
                    "client_cpu_s": round(cpu, 1),
                }
                point |= {
                    "server_cpu_s": round(server, 1),
                    "cpu_ms_per_doc": round((cpu + server) / done * 1000, 3),
                }
                point |= {"redis_used_mb": round((int(mem["used_memory"]) - before) / 2**20)}
                point |= {"redis_rss_mb": round(int(mem["used_memory_rss"]) / 2**20)}
                point |= {"redis_peak_mb": round(int(mem["used_memory_peak"]) / 2**20)}
                point |= {"redis_peak_rss_mb": round(peak_rss_of(proc.pid))}
                point |= {"redis_bytes_per_doc": round((int(mem["used_memory"]) - before) / done)}
                point |= {"client_peak_rss_mb": round(peak_rss_mb()), **found}
                point |= {k: round(v, 4) for k, v in pair_precision(cluster, roots[: len(cluster)]).items()}
                line = json.dumps(point)
                print(line, file=sys.stderr, flush=True)
                if progress_file is not None:
                    with progress_file.open("a") as fh:
                        fh.write(line + "\n")
                return point

            labelled = synth_labelled(n, seed=14)

            def documents() -> Iterator[Document]:
                for i, (text, root) in enumerate(labelled):
                    roots.append(root)
                    yield make_doc(i, text)

            start, start_cpu = time.perf_counter(), time.process_time()
            for doc, verdict in dedup.process(documents()):
                done = int(doc.id[3:]) + 1
                if verdict.kind:
                    found[verdict.kind] += 1
                    assert verdict.duplicate_of is not None
                    cluster.append(int(verdict.duplicate_of[3:]))
                else:
                    cluster.append(done - 1)
                if done % every == 0 and done < n:
                    paused, paused_cpu = time.perf_counter(), time.process_time()
                    checkpoint(done, paused - start, paused_cpu - start_cpu)
                    # the checkpoint's own counting is not the deduplicator's time
                    start += time.perf_counter() - paused
                    start_cpu += time.process_time() - paused_cpu
            first, first_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            final = checkpoint(n, first, first_cpu)
            second = Deduplicator(DedupConfig(), RedisStore(url))
            start = time.perf_counter()
            list(second.process(make_doc(n + i, t) for i, t in enumerate(synth_texts(500, seed=15))))
            other = time.perf_counter() - start
            return final | {
                "process_s": first,
                "client_cpu_s": first_cpu,
                "docs_per_s": n / first,
                "second_client_docs_per_s": 500 / other,
            }
        finally:
            proc.terminate()
            proc.wait(timeout=120)


def child(args: list[str]) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--sig-docs", type=int, default=2000)
    parser.add_argument("--memory-docs", type=int, default=20_000)
    parser.add_argument("--redis-docs", type=int, default=2000)
    parser.add_argument("--child", choices=["scale", "memory", "redis"])
    parser.add_argument("--every", type=int, default=50_000, help="checkpoint interval (redis child)")
    parser.add_argument(
        "--progress-file", type=Path, help="append each checkpoint as a JSON line (redis child)"
    )
    parser.add_argument(
        "--only", choices=["signatures", "memory", "redis", "scale"], nargs="+", help="run only these parts"
    )
    args = parser.parse_args()
    if args.child == "scale":
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(scale_child(args.docs, Path(tmp))))
        return
    if args.child == "memory":
        print(json.dumps(memory_child(args.memory_docs)))
        return
    if args.child == "redis":
        print(json.dumps(redis_run(args.redis_docs, args.every, args.progress_file)))
        return
    parts = args.only or ["signatures", "memory", "redis", "scale"]
    if "signatures" in parts:
        sig = bench_signatures(args.sig_docs)
        print("signatures:", json.dumps({k: round(v, 1) for k, v in sig.items()}))
        print(
            f"  ratio bulk fast / update_batch: {sig['bulk_fast'] / sig['update_batch']:.1f}x; "
            f"bulk sha1 / update_batch: {sig['bulk_sha1'] / sig['update_batch']:.2f}x"
        )
    for kind in [p for p in ("memory", "redis", "scale") if p in parts]:
        result = child(
            [
                "--child",
                kind,
                "--docs",
                str(args.docs),
                "--memory-docs",
                str(args.memory_docs),
                "--redis-docs",
                str(args.redis_docs),
            ]
        )
        print(f"{kind}:", json.dumps({k: round(v, 3) for k, v in result.items()}))


if __name__ == "__main__":
    main()
