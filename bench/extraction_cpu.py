"""CPU per page of the process step against bare trafilatura, for two versions of the code.

    git worktree add --detach /tmp/base main      # the old code, anywhere
    .venv/bin/python bench/extraction_cpu.py --before /tmp/base --runs 2 --output bench/results/extraction_cpu.md

Each run is a fresh interpreter that imports `seedcrawl` (and the bench helpers) from one code
folder: `--before` or this checkout. Runs alternate (before, after, before, after...) so load on
the shared machine hits both alike; inside a run, bare `trafilatura.extract` and
`pipelines.steps.process_one` are timed alternately page by page (`bench.extraction.cpu_ms`),
so the ratio to bare is the figure that load distorts least. A last run of each version profiles
`process_one` over the pages once (cProfile) and lists our own functions that cost most.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
_SHARED = HERE.parent / "shared" / "bench"
_OWN = ("/pipelines/", "/seedcrawl/")  # our code, whichever folder it is imported from
_TOP = 14


def child(code: Path, rounds: int, profile: bool, aeb: Path, wcxb: Path) -> dict[str, Any]:
    """One run, inside the interpreter that imported the code of `code`."""
    import cProfile
    import pstats

    from bench.extraction import CANDIDATES, cpu_ms, import_cpu, steps_for, warm_date_parser
    from bench.extraction_sets import load_aeb, load_wcxb

    pages = load_aeb(aeb) + load_wcxb(wcxb)
    step = steps_for(CANDIDATES["accurate (the vote)"])
    date_parser = warm_date_parser()
    if not profile:
        bare, ours = cpu_ms(pages, step, rounds)
        steps_import = import_cpu("seedcrawl.pipelines.steps")
        return {
            "bare": bare,
            "ours": ours,
            "pages": len(pages),
            "import_steps": steps_import,
            "date_parser": date_parser,
        }
    for page in pages[:20]:  # the same warm-up as cpu_ms
        step(page)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step(page) for page in pages])
    stats = pstats.Stats(profiler).stats
    total = max(cum for (_, _, name), (_, _, _, cum, _) in stats.items() if name == "process_one")
    rows = []
    for (path, _line, name), (_, calls, own, cum, _) in stats.items():
        if any(part in path for part in _OWN) and str(code) in path and name != "<listcomp>":
            short = f"{Path(path).stem}.{name}"
            rows.append({"name": short, "calls": calls, "own": own / total, "cum": cum / total})
    rows.sort(key=lambda row: -row["cum"])
    return {"rows": rows[: _TOP + 6], "total_s": total}


def _spawn(code: Path, rounds: int, profile: bool, aeb: Path, wcxb: Path) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", str(code), "--rounds", str(rounds)]
    args += ["--aeb", str(aeb), "--wcxb", str(wcxb)] + (["--profile"] if profile else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True, cwd=code)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _profile_table(label: str, rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"| {label}: function | calls | cumulative share | own share |", "|---|---|---|---|"]
    for row in rows:
        if row["name"] in ("steps.process_one", "extract.extract", "extract._extract"):
            continue
        lines.append(
            f"| `{row['name']}` | {row['calls']} | {float(row['cum']):.1%} | {float(row['own']):.1%} |"
        )
    return lines[: _TOP + 2]


def report(before: Path, runs: int, rounds: int, aeb: Path, wcxb: Path) -> list[str]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    timed: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for _ in range(runs):
        for label, code in (("before", before), ("after", HERE)):
            timed[label].append(_spawn(code, rounds, False, aeb, wcxb))
            print(label, timed[label][-1], file=sys.stderr)
    profiles = {
        label: _spawn(code, 1, True, aeb, wcxb) for label, code in (("before", before), ("after", HERE))
    }
    lines = [
        "# CPU per page of the process step (issue 11)",
        "",
        "Reproduce with `.venv/bin/python bench/extraction_cpu.py --before <checkout of the old code> "
        f"--runs {runs} --rounds {rounds} --output bench/results/extraction_cpu.md`.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, "
        f"load average {load} at the start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
        f"- pages: aeb-dev and wcxb-dev ({timed['after'][0]['pages']}), {rounds} rounds a run; runs alternate "
        "before / after, each a fresh interpreter; CPU time (`time.process_time`), bare and ours page by page",
        "",
        "| run | code | bare trafilatura CPU ms/page | process_one CPU ms/page | ratio |",
        "|---|---|---|---|---|",
    ]
    for i in range(runs):
        for label in ("before", "after"):
            r = timed[label][i]
            bare, ours = float(r["bare"]), float(r["ours"])
            lines.append(f"| {i + 1} | {label} | {bare:.2f} | {ours:.2f} | {ours / bare:.2f} |")

    def mean(label: str, key: str) -> float:
        return sum(float(r[key]) for r in timed[label]) / runs

    for label in ("before", "after"):
        bare, ours = mean(label, "bare"), mean(label, "ours")
        lines.append(f"| mean | {label} | {bare:.2f} | {ours:.2f} | {ours / bare:.2f} |")
    lines += [
        "",
        "Start-up, CPU seconds a fresh interpreter spends importing `seedcrawl.pipelines.steps` (what a "
        f"worker loads): before {mean('before', 'import_steps'):.2f} s, "
        f"after {mean('after', 'import_steps'):.2f} s; and setting up dateparser, once per process, "
        "on the first page that hands it a string (`bench.extraction.warm_date_parser`, done before the "
        f"timed pages): before {mean('before', 'date_parser'):.2f} s, "
        f"after {mean('after', 'date_parser'):.2f} s.",
        "",
        "## Profile (cProfile, one pass over the pages, shares of `process_one`'s time)",
        "",
    ]
    for label in ("before", "after"):
        rows: list[dict[str, Any]] = profiles[label]["rows"]
        lines += [*_profile_table(label, rows), ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, help="a checkout of the old code")
    parser.add_argument("--runs", type=int, default=2, help="timed runs of each version")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the pages in a run")
    parser.add_argument("--aeb", type=Path, default=_SHARED / "aeb-dev")
    parser.add_argument("--wcxb", type=Path, default=_SHARED / "wcxb-dev")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(child(args.child, args.rounds, args.profile, args.aeb.resolve(), args.wcxb.resolve()))
        )
        return 0
    if args.before is None:
        parser.error("--before is required")
    lines = report(args.before.resolve(), args.runs, args.rounds, args.aeb.resolve(), args.wcxb.resolve())
    print("\n".join(lines))
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:  # import seedcrawl and the bench helpers from the code under test
        sys.path.insert(0, sys.argv[sys.argv.index("--child") + 1])
    raise SystemExit(main())
