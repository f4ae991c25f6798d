"""Extraction quality and speed: bare trafilatura against our decode + extract steps.

    .venv/bin/python bench/extraction.py [--data DIR] [--ablate] [--rounds N] [--output FILE]

Quality is scored with `bench/aeb_metric.py` on an article-extraction-benchmark folder
(`html/*.html.gz` + `ground-truth.json`; by default the development half in shared/). A page our
steps reject counts as an empty prediction, so a wrong rejection costs recall.

Speed is CPU time per page on one core, bare `trafilatura.extract(html, include_comments=False)`
and our steps timed alternately on the same pages in the same run (so machine load hits both
alike), then wall-clock throughput of our steps in a process pool of 1 and of 2 workers.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import platform
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.aeb_metric import Score, load_truth, score
from pipelines.chrome import KINDS, ChromeOptions
from pipelines.decode import DecodeOptions, decode
from pipelines.document import Document, WarcRef
from pipelines.errors import Rejected
from pipelines.extract import ExtractOptions, extract

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "aeb-dev"
FETCHED_AT = "2026-11-22T00:00:00Z"  # the benchmark pages date from 2019-2020
_REF = WarcRef("bench.warc.gz", 0, 0, "<urn:uuid:bench>", None)


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    page_id: str
    url: str
    body: bytes  # the page as served: our steps start from bytes, bare trafilatura from str


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            page_id,
            entry.get("url") or "",
            gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()),
        )
        for page_id, entry in sorted(truth.items())
    ]


def run_steps(page: Page, options: ExtractOptions) -> tuple[str, str | None]:
    """Our per-record path: (text, rejection reason). Top-level so that process pools can pickle it."""
    doc = Document(page.page_id, page.url, FETCHED_AT, _REF, content_type="text/html", payload=page.body)
    try:
        extract(decode(doc, DecodeOptions()), options)
    except Rejected as rejected:
        return "", rejected.reason
    return doc.text, None


def run_bare(page: Page, fast: bool = False, favor_precision: bool = False) -> str:
    html = page.body.decode("utf-8")
    return trafilatura.extract(html, include_comments=False, fast=fast, favor_precision=favor_precision) or ""


def score_steps(
    pages: list[Page], truth: Mapping[str, str], options: ExtractOptions
) -> tuple[Score, Counter[str]]:
    predicted, rejected = {}, Counter[str]()
    for page in pages:
        predicted[page.page_id], reason = run_steps(page, options)
        if reason:
            rejected[reason] += 1
    return score(truth, predicted), rejected


def cpu_rates(pages: list[Page], rounds: int) -> tuple[float, float]:
    """Pages per CPU second for bare trafilatura and for our steps, timed page by page, alternately."""
    options = ExtractOptions()
    for page in pages[:5]:  # both sides load stoplists and caches before the clock starts
        run_bare(page)
        run_steps(page, options)
    bare = ours = 0.0
    for _ in range(rounds):
        for page in pages:
            start = time.process_time()
            run_bare(page)
            middle = time.process_time()
            run_steps(page, options)
            bare, ours = bare + middle - start, ours + time.process_time() - middle
    count = rounds * len(pages)
    return count / bare, count / ours


_WORKER_PAGES: list[Page] = []  # filled once per pool worker by _init_worker


def _init_worker(data: Path) -> None:
    # workers read the pages themselves, as pipeline workers read their WARC records: only an
    # index crosses the process boundary, so the figure is extraction, not pickling
    _WORKER_PAGES[:] = load_pages(data)
    run_steps(_WORKER_PAGES[0], ExtractOptions())


def _run_index(index: int) -> str | None:
    return run_steps(_WORKER_PAGES[index % len(_WORKER_PAGES)], ExtractOptions())[1]


def pool_rate(data: Path, count: int, workers: int) -> tuple[float, float]:
    """Wall-clock pages per second of our steps in a process pool (worker start-up not counted),
    and the workers' CPU seconds per page (start-up included), to tell a busy machine from poor
    scaling: equal CPU per page with 1 and 2 workers means the steps themselves scale."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(data,)) as pool:
        list(pool.map(_run_index, range(workers)))  # wait until every worker is up
        start = time.perf_counter()
        list(pool.map(_run_index, range(count), chunksize=4))
        rate = count / (time.perf_counter() - start)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers are reaped on leaving the pool
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return rate, cpu / count


def _row(name: str, result: Score, base: Score | None, note: str = "") -> str:
    gain = f"{result.f1 - base.f1:+.4f}" if base else ""
    return f"| {name} | {result.f1:.4f} | {result.precision:.4f} | {result.recall:.4f} | {gain} | {note} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="benchmark folder (html/, ground-truth.json)"
    )
    parser.add_argument("--ablate", action="store_true", help="also score our steps without each chrome kind")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages for the speed figures")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)

    truth = load_truth(args.data / "ground-truth.json")
    pages = load_pages(args.data)
    lines = [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- Python {platform.python_version()}, trafilatura {trafilatura.__version__}, {len(pages)} pages",
        "",
        "| configuration | F1 | precision | recall | F1 vs previous row | notes |",
        "|---|---|---|---|---|---|",
    ]

    def bare(fast: bool = False, favor_precision: bool = False) -> tuple[Score, str]:
        return score(truth, {p.page_id: run_bare(p, fast, favor_precision) for p in pages}), ""

    def ours(options: ExtractOptions) -> tuple[Score, str]:
        result, rejected = score_steps(pages, truth, options)
        return result, ", ".join(f"{n} {r}" for r, n in sorted(rejected.items())) or "no page rejected"

    default = ExtractOptions()
    no_chrome = ChromeOptions(kinds=frozenset())
    steps: list[tuple[str, Callable[[], tuple[Score, str]]]] = [
        ("bare `extract(html, include_comments=False)`", bare),
        (
            "trafilatura configuration only: `fast=True, favor_precision=True`",
            lambda: bare(fast=True, favor_precision=True),
        ),
        (
            "our steps, no chrome rules, no full-cascade fallback",
            lambda: ours(dataclasses.replace(default, chrome=no_chrome, full_below_chars=0)),
        ),
        (
            "+ full cascade when the fast text is short",
            lambda: ours(dataclasses.replace(default, chrome=no_chrome)),
        ),
        ("+ chrome rules, all kinds (our steps as shipped)", lambda: ours(default)),
    ]
    previous: Score | None = None
    for name, run in steps:
        result, note = run()
        lines.append(_row(name, result, previous, note))
        previous = result
    shipped = previous
    if args.ablate:
        lines += ["", "Each chrome kind, measured by turning only it off (negative = the kind helps):", ""]
        lines += [
            "| without kind | F1 | precision | recall | F1 vs shipped | notes |",
            "|---|---|---|---|---|---|",
        ]
        for kind in sorted(KINDS):
            result, note = ours(dataclasses.replace(default, chrome=ChromeOptions(kinds=KINDS - {kind})))
            lines.append(_row(kind, result, shipped, note))

    if not args.skip_speed:
        bare_rate, our_rate = cpu_rates(pages, args.rounds)
        count = len(pages) * args.rounds
        (one, one_cpu), (two, two_cpu) = pool_rate(args.data, count, 1), pool_rate(args.data, count, 2)
        lines += [
            "",
            "| speed | pages/s | ratio | CPU ms per page |",
            "|---|---|---|---|",
            f"| bare trafilatura.extract, one core (CPU time) | {bare_rate:.1f} | 1.00 | {1000 / bare_rate:.1f} |",
            f"| our decode + extract, one core (CPU time) | {our_rate:.1f} | {our_rate / bare_rate:.2f} of bare "
            f"| {1000 / our_rate:.1f} |",
            f"| our steps, process pool of 1 (wall clock) | {one:.1f} | 1.00 | {1000 * one_cpu:.1f} |",
            f"| our steps, process pool of 2 (wall clock) | {two:.1f} | {two / one:.2f}x of 1 worker "
            f"| {1000 * two_cpu:.1f} |",
            "",
            f"Load average after the speed runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
            "(other work on the machine lowers the 2-worker figure, not the CPU per page).",
        ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
