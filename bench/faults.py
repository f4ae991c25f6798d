"""Crash a crawl at random moments, resume it, process it, and count what the crash cost.

    .venv/bin/python bench/faults.py [--trials 20] [--seed 1] [--sites 4] [--pages 100] [--latency 0.1]

Each trial crawls the same generated web (bench/crawlweb.py: `sites` x `pages` article pages, one
page a site made 3 MB large) and SIGKILLs the crawl at a moment picked by a seeded RNG, in turn:

- large_record: just after the server finished sending one of the large pages, while the crawler
  takes it in, compresses it and writes it;
- between_records: at a random time within the crawl;
- rotation: with WARC files rotating every 40 KB, the moment the n-th file is closed;
- corpus_write: the crawl at a random time, then `seedcrawl process` when the corpus file has
  grown to a random size, in the middle of its writes.

The same command is then run again (the crawl resumes; processing starts over) and the trial
reports: pages archived in the end (goal: all), pages fetched twice and how many of them were not
in flight at the kill (goal: 0; in flight = requested before the kill and not archived whole at
it), duplicate corpus ids and unparseable lines (goal: 0), and WARC files failing the strict check
(goal: 0). Results go to bench/results/faults.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.crawlweb import CrawlWeb
from seedcrawl.archive.check import check_folder
from seedcrawl.archive.reader import iter_records

RESULTS = Path(__file__).with_name("results") / "faults.md"
KINDS = ("large_record", "between_records", "rotation", "corpus_write")
LARGE_PAGE, LARGE_BYTES = 40, 3_000_000  # page 40 of every site is 3 MB
POLITENESS_OFF = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
CRAWL_ARGS = [
    *POLITENESS_OFF,
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "--depth",
    "0",
    "-s",
    "LOG_LEVEL=INFO",
]
ROTATE = ["-s", "SEEDCRAWL_WARC_MAX_FILE_SIZE=40000"]


def seedcrawl(*args: str) -> list[str]:
    return [sys.executable, "-m", "seedcrawl", *args]


@dataclass
class Trial:
    n: int
    kind: str
    kill: str  # when the kill came
    before_kill: int = 0  # requests the servers answered before it
    in_flight: int = 0
    captured: int = 0
    fetched_twice: int = 0
    twice_not_in_flight: int = 0
    duplicate_ids: int = 0
    bad_lines: int = 0
    bad_warcs: int = 0
    corpus_kill: str = ""
    seconds: float = 0.0


def requested(web: CrawlWeb) -> Counter[str]:
    return Counter(entry.url for server in web.servers for entry in server.log.entries())


def archived(warc_dir: Path) -> dict[str, int]:
    """Best status archived whole per URL, `.open` files included (their cut tail is skipped)."""
    found: dict[str, int] = {}
    for path in sorted(warc_dir.glob("*.warc.gz*")):
        for record in iter_records(path, max_payload=0, on_error=lambda err: None):
            if record.type in ("response", "revisit"):
                url, status = record.target_uri or "", record.http_status or 0
                found[url] = min(found.get(url, 999), status)
    return found


def crawl_killed(out: Path, web: CrawlWeb, kind: str, rng: random.Random, full_s: float) -> tuple[str, bool]:
    args = seedcrawl(
        "crawl", "--out", str(out), *CRAWL_ARGS, *(ROTATE if kind == "rotation" else []), *web.seeds
    )
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    if kind == "large_record":
        target = rng.choice(sorted(web.large_urls()))
        while target not in requested(web) and child.poll() is None:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.15))
        what = f"{time.monotonic() - started:.2f} s, large page answered"
    elif kind == "rotation":
        files = rng.randint(3, 40)
        while len(list((out / "warc").glob("*.warc.gz"))) < files and child.poll() is None:
            time.sleep(0.001)
        what = f"{time.monotonic() - started:.2f} s, file {files} closed"
    else:
        moment = rng.uniform(0.15, 0.85) * full_s
        while time.monotonic() - started < moment and child.poll() is None:
            time.sleep(0.005)
        what = f"{moment:.2f} s"
    killed = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait()
    if kind == "large_record":
        what += ", its record " + ("whole already" if target in archived(out / "warc") else "not yet whole")
    return what if killed else what + " (too late: the crawl had ended)", killed


def process_killed(out: Path, rng: random.Random, corpus_bytes: int) -> str:
    """`seedcrawl process` killed once the corpus has grown to a random size; says where it was cut."""
    articles = out / "corpus" / "articles.jsonl"
    size = rng.randint(1, max(2, int(0.9 * corpus_bytes)))
    child = subprocess.Popen(
        seedcrawl("process", str(out)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while child.poll() is None and (not articles.exists() or articles.stat().st_size < size):
        time.sleep(0.0002)
    if child.poll() is not None:
        return "process ended before the kill"
    child.send_signal(signal.SIGKILL)
    child.wait()
    data = articles.read_bytes()
    torn = ", a torn line left" if not data.endswith(b"\n") else ""
    return f"process killed at {len(data) // 1000} of {corpus_bytes // 1000} KB{torn}"


def corpus_problems(out: Path) -> tuple[int, int]:
    ids: Counter[str] = Counter()
    bad = 0
    for name in ("articles", "duplicates", "rejects"):
        path = out / "corpus" / f"{name}.jsonl"
        for line in path.read_bytes().splitlines(keepends=True) if path.exists() else []:
            try:
                assert line.endswith(b"\n")
                ids[json.loads(line)["id"]] += 1
            except (AssertionError, ValueError, KeyError):
                bad += 1
    return sum(n - 1 for n in ids.values() if n > 1), bad


def run_trial(
    n: int, kind: str, web: CrawlWeb, rng: random.Random, base: dict[str, float], tmp: Path
) -> Trial:
    out, pages = tmp / f"trial-{n}", web.page_urls()
    web.clear()
    started = time.monotonic()
    trial = Trial(n, kind, "")
    trial.kill, _ = crawl_killed(out, web, kind, rng, base["crawl_s"])
    time.sleep(web.latency + 1.0)  # requests in flight at the kill are logged once answered
    before = requested(web)
    whole = archived(out / "warc")
    trial.before_kill = sum(before.values())
    in_flight = {url for url in before if url in pages and url not in whole}
    trial.in_flight = len(in_flight)
    resume = subprocess.run(
        seedcrawl(
            "crawl", "--out", str(out), *CRAWL_ARGS, *(ROTATE if kind == "rotation" else []), *web.seeds
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if resume.returncode != 0:
        print(f"trial {n}: resume exited {resume.returncode}: {resume.stderr[-1500:]}", file=sys.stderr)
    if kind == "corpus_write":
        trial.corpus_kill = process_killed(out, rng, int(base["corpus_bytes"]))
    subprocess.run(seedcrawl("process", str(out)), capture_output=True, check=True)
    requests = requested(web)
    twice = {url for url, count in requests.items() if count > 1 and url in pages}
    trial.fetched_twice = len(twice)
    trial.twice_not_in_flight = len(twice - in_flight)
    if twice - in_flight:
        print(f"trial {n}: fetched twice, not in flight: {sorted(twice - in_flight)}", file=sys.stderr)
    final = archived(out / "warc")
    trial.captured = sum(1 for url in pages if 200 <= final.get(url, 0) < 300)
    report = check_folder(out / "warc")
    trial.bad_warcs = sum(not r.ok for r in report.reports) + len(report.open_files)
    trial.duplicate_ids, trial.bad_lines = corpus_problems(out)
    trial.seconds = time.monotonic() - started
    shutil.rmtree(out)
    return trial


def baseline(web: CrawlWeb, tmp: Path) -> dict[str, float]:
    out, pages = tmp / "baseline", web.page_urls()
    web.clear()
    started = time.monotonic()
    subprocess.run(
        seedcrawl("crawl", "--out", str(out), *CRAWL_ARGS, *web.seeds), capture_output=True, check=True
    )
    crawl_s = time.monotonic() - started
    subprocess.run(seedcrawl("process", str(out)), capture_output=True, check=True)
    corpus = out / "corpus" / "articles.jsonl"
    captured = sum(1 for url in pages if 200 <= archived(out / "warc").get(url, 0) < 300)
    result = {"crawl_s": crawl_s, "corpus_bytes": corpus.stat().st_size, "captured": captured}
    shutil.rmtree(out)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    trials: list[Trial] = []
    web = CrawlWeb(
        args.sites, args.pages, args.latency, first=100, large_page=LARGE_PAGE, large_bytes=LARGE_BYTES
    )
    with web, tempfile.TemporaryDirectory() as tmp:
        base = baseline(web, Path(tmp))
        print(f"baseline: {base}", file=sys.stderr)
        for n in range(args.trials):
            trials.append(run_trial(n + 1, KINDS[n % len(KINDS)], web, rng, base, Path(tmp)))
            print(trials[-1], file=sys.stderr)
    write_results(args, args.sites * args.pages, base, trials)
    return 0


def write_results(args: argparse.Namespace, pages: int, base: dict[str, float], trials: list[Trial]) -> None:
    def total(field: str) -> int:
        return sum(int(getattr(t, field)) for t in trials)

    lines = [
        "# Crash and resume",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}.",
        f"Web: {args.sites} sites x {args.pages} pages = {pages} pages (one page a site 3 MB, the rest 8-12 KB), "
        f"{args.latency * 1000:.0f} ms latency, 2 requests per host. Uninterrupted crawl: {base['crawl_s']:.1f} s, "
        f"{int(base['captured'])} pages archived. Command: `.venv/bin/python bench/faults.py --trials {args.trials} "
        f"--seed {args.seed} --sites {args.sites} --pages {args.pages} --latency {args.latency}`.",
        "",
        "Each trial: `seedcrawl crawl` SIGKILLed at the moment below, the same command run again (it resumes the "
        "run), then `seedcrawl process` (for corpus_write: killed once mid-write, then run again). In flight = "
        "requested before the kill and not archived whole at it.",
        "",
        "| # | kill | when | requests before kill | in flight | pages archived | fetched twice | "
        "twice, not in flight | duplicate ids | bad lines | WARCs failing check | s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t in trials:
        when = f"{t.kill}; {t.corpus_kill}" if t.corpus_kill else t.kill
        lines.append(
            f"| {t.n} | {t.kind} | {when} | {t.before_kill} | {t.in_flight} | {t.captured}/{pages} | "
            f"{t.fetched_twice} | {t.twice_not_in_flight} | {t.duplicate_ids} | {t.bad_lines} | {t.bad_warcs} | "
            f"{t.seconds:.0f} |"
        )
    complete = sum(t.captured == pages for t in trials)
    lines += [
        f"| all | | | {total('before_kill')} | {total('in_flight')} | {complete}/{len(trials)} complete | "
        f"{total('fetched_twice')} | {total('twice_not_in_flight')} | {total('duplicate_ids')} | "
        f"{total('bad_lines')} | {total('bad_warcs')} | {sum(t.seconds for t in trials):.0f} |",
        "",
        f"- Every page archived in the end: {complete} of {len(trials)} trials (goal: all).",
        f"- Pages fetched twice: {total('fetched_twice')}, of which not in flight at the kill: "
        f"{total('twice_not_in_flight')} (goal: 0). robots.txt is fetched again by each resumed run and not counted.",
        f"- Duplicate corpus ids: {total('duplicate_ids')}; unparseable or torn lines: {total('bad_lines')} (goal: 0); "
        f"corpus kills that left a torn line for the next run to trim: {sum('torn' in t.corpus_kill for t in trials)}.",
        f"- WARC files failing the strict check (or left `.open`): {total('bad_warcs')} (goal: 0).",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
