"""Processing throughput: the local worker pool vs the map on a local Dask cluster of 1, 2, 4 workers.

Run: ``.venv/bin/python bench/process_dask.py [--files 8] [--copies 1] [--rounds 2]``

Input: WARC files written here from the 91 aeb-dev pages (`--copies` of each page per file, each
copy its own record), so every record is a real news page for trafilatura. Each contender runs
in a child process on its own copy of the folder, interleaved (A B C D, A B C D, ...). Wall time
is that of the processing call (for Dask: starting the local cluster included, Prefect's
temporary API server not); CPU time is that of the whole process tree (the child, its pool
workers or Dask nanny and worker processes), sampled with psutil, less Prefect's server.
Results go to bench/results/process_dask.md.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT.parent / "shared" / "bench" / "aeb-dev" / "html"
CONTENDERS = ["local", "dask1", "dask2", "dask4"]

CHILD = """
import json, sys, time
from pathlib import Path
from seedcrawl.pipelines.runner import ProcessOptions, process_folder
out, kind = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if kind == "local":
    report = process_folder(out, ProcessOptions(workers=2)).to_dict()
else:
    from seedcrawl.flows.runner import prepare_environment
    prepare_environment(out)
    from seedcrawl.flows.process_flow import run_on_dask
    report = run_on_dask(out, ProcessOptions(), dask_workers=int(kind[4:]))
print(json.dumps({"wall_s": time.perf_counter() - start, "records": report["records"],
                  "articles": report["articles"]}))
"""


def write_warcs(folder: Path, files: int, copies: int) -> int:
    pages = sorted(HTML.glob("*.html.gz"))
    (folder / "warc").mkdir(parents=True)
    n = 0
    for f in range(files):
        with open(folder / "warc" / f"bench-{f:03d}.warc.gz", "wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            for c in range(copies):
                for page in pages:
                    body = gzip.decompress(page.read_bytes())
                    headers = StatusAndHeaders(
                        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                    )
                    url = f"https://news{f}.example/{c}/{page.name[:16]}"
                    record = writer.create_warc_record(
                        url, "response", payload=io.BytesIO(body), http_headers=headers
                    )
                    writer.write_record(record)
                    n += 1
    return n


def tree_cpu(proc: subprocess.Popen[str]) -> float:
    """CPU seconds of the child and all its descendants (Prefect's server left out), sampled."""
    seen: dict[int, float] = {}
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                if "uvicorn" in " ".join(p.cmdline()):
                    continue
                t = p.cpu_times()
                seen[p.pid] = t.user + t.system
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        time.sleep(0.2)
    return sum(seen.values())


def run_one(folder: Path, kind: str) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), kind],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    cpu = tree_cpu(proc)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed with exit status {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "process_dask.md")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {k: [] for k in CONTENDERS}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        records = write_warcs(source, args.files, args.copies)
        for r in range(args.rounds):
            for kind in CONTENDERS:
                folder = Path(tmp) / f"{kind}-{r}"
                shutil.copytree(source, folder)
                results[kind].append(run_one(folder, kind))
                print(kind, json.dumps(results[kind][-1]), flush=True)
                shutil.rmtree(folder)
    load = psutil.getloadavg()
    lines = [
        "# Processing throughput: local pool vs Dask workers",
        "",
        f"Reproduce: `.venv/bin/python bench/process_dask.py --files {args.files} --copies {args.copies} "
        f"--rounds {args.rounds}`",
        "",
        f"- {platform.platform()}, {psutil.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at the end {load[0]:.1f} (a shared machine: "
        "wall times are noisy, CPU times less so)",
        f"- {records} response records ({args.files} WARC files of the 91 aeb-dev pages), every one "
        "extracted, signed and deduplicated; contenders interleaved, means of "
        f"{args.rounds} rounds",
        "- wall: the processing call (Dask: local cluster start included, Prefect's API server not); "
        "CPU: the whole process tree (pool or Dask worker processes included), per record",
        "",
        "| contender | wall s | records/s | CPU s | CPU ms per record | articles |",
        "|---|---|---|---|---|---|",
    ]
    names = {"local": "local pool, 2 workers", "dask1": "Dask, 1 worker", "dask2": "Dask, 2 workers"}
    names["dask4"] = "Dask, 4 workers"
    for kind in CONTENDERS:
        runs = results[kind]
        wall = sum(r["wall_s"] for r in runs) / len(runs)
        cpu = sum(r["cpu_s"] for r in runs) / len(runs)
        lines.append(
            f"| {names[kind]} | {wall:.1f} | {records / wall:.1f} | {cpu:.1f} | "
            f"{1000 * cpu / records:.1f} | {int(runs[0]['articles'])} |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
