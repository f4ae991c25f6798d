"""Cost of `seedcrawl report` and `seedcrawl export` on a large corpus: time, CPU time, peak memory.

    .venv/bin/python bench/report_build.py --source out/demo --articles 100000

Builds a folder whose corpus is the source folder's articles repeated (new ids) up to --articles
lines, with its crawl summary and index, then runs, each in a fresh child process (A B A B):
the report, the Parquet export and the jsonl.gz export. Writes bench/results/report.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

JOBS = {
    "report": "from seedcrawl.report import write_report; write_report(root)",
    "export parquet": "from pipelines.export import export_corpus; export_corpus(root, 'parquet')",
    "export jsonl.gz": "from pipelines.export import export_corpus; export_corpus(root, 'jsonl.gz')",
}
MEASURE = """
import json, resource, sys, time
from pathlib import Path
root = Path(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
{job}
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                   "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def make_folder(source: Path, target: Path, articles: int) -> int:
    for name in ("logs", "indexes", "state"):
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
    (target / "corpus").mkdir(parents=True, exist_ok=True)
    for name in ("rejects.jsonl", "duplicates.jsonl", "clusters.jsonl"):
        if (source / "corpus" / name).exists():
            shutil.copy(source / "corpus" / name, target / "corpus" / name)
    lines = (source / "corpus" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    written = 0
    with (target / "corpus" / "articles.jsonl").open("w", encoding="utf-8") as out:
        while written < articles:
            for line in lines[: articles - written]:
                record = json.loads(line)
                record["id"] = f"{record['id']}-{written}"
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return (target / "corpus" / "articles.jsonl").stat().st_size


def run(job: str, root: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE.format(job=JOBS[job]), str(root)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("out/demo"))
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        root = Path(tmp) / "corpus-bench"
        size = make_folder(args.source, root, args.articles)
        results: dict[str, list[dict[str, float]]] = {job: [] for job in JOBS}
        for _ in range(args.repeat):  # interleaved: A B C A B C
            for job in JOBS:
                results[job].append(run(job, root))
        report_size = (root / "report.html").stat().st_size
        parquet = sum(p.stat().st_size for p in (root / "export" / "parquet").glob("*.parquet"))
        gz = (root / "export" / "articles.jsonl.gz").stat().st_size
    command = f".venv/bin/python bench/report_build.py --source {args.source} --articles {args.articles} --repeat {args.repeat}"
    lines = [
        "# Report and export on a large corpus",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.system()} {platform.release()} "
        f"{platform.machine()}`, {os.cpu_count()} cores, Python {platform.python_version()}.",
        f"Corpus: {args.articles:,} articles ({size / 1e6:.0f} MB of JSON Lines), the demo's repeated. "
        f"Command: `{command}`.",
        "",
        "| job | runs | wall s (median) | CPU s (median) | CPU ms per 1,000 articles | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for job, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        lines.append(
            f"| {job} | {len(runs)} | {wall:.1f} | {cpu:.1f} | {cpu * 1e6 / args.articles:.0f} | {rss:.0f} |"
        )
    lines += [
        "",
        f"- report.html: {report_size / 1e6:.1f} MB (plotly.js is about 4.8 MB of it); "
        f"Parquet shards {parquet / 1e6:.0f} MB (zstd), articles.jsonl.gz {gz / 1e6:.0f} MB. The corpus "
        "repeats a few articles, which Parquet's dictionary encoding stores once: a real corpus of this "
        "size compresses far less.",
        "- The report streams the corpus files into counts (article lengths, relevances, reasons) and "
        "keeps only the largest clusters and the first rejects per reason, so its memory grows by a few "
        "numbers per article; the Parquet export holds one row group (1,000 records) at a time.",
        "",
    ]
    out = Path(__file__).parent / "results" / "report.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
