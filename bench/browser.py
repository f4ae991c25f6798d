"""The cost of the browser: the same web crawled with --browser never, auto and always.

    .venv/bin/python bench/browser.py [--sites 2] [--pages 20] [--latency 0.05] [--repeat 2]
        [--modes never,auto,always] [--results browser]

The web is bench/requisites.py's (article trees whose pages need a stylesheet, a script, a font
and images, mostly on a CDN host), with one article in ten turned into a script-filled shell: its
text comes from a JSON endpoint, fetched by an inline script into `<div id="app">`. `auto` should
render exactly those; `always` renders every page. Runs alternate (never, auto, always, never,
...), politeness off, on loopback with the given latency per response. CPU time is the crawl's and
everything it started (Playwright's driver, Chromium: children's rusage, reaped at exit), per
archived page; peak memory is the largest sum of PSS over the crawl's process tree, sampled every
0.5 s (a sample reads every process's /proc entry, about 20 ms of CPU on a 2-core machine the crawl
competes for: sampled every 0.1 s it took a core's tenth to a fifth away from the crawl).
Results go to bench/results/browser.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.requisites import FAST, RequisiteWeb
from tests.support.testweb import Request, Response, Site, page

RESULTS = Path(__file__).with_name("results") / "browser.md"
MODES = ("never", "auto", "always")
SHELL_EVERY = 10  # one article in ten needs the browser
SAMPLE_EVERY_S = 0.5  # the crawl's memory

_LOADER = (
    "<div id='app'>Loading...</div><script>fetch('/api/{k}.json').then(r => r.json()).then(s => {{"
    "const app = document.getElementById('app'); app.textContent = '';"
    "s.paragraphs.forEach(t => {{ const p = document.createElement('p'); p.textContent = t; app.appendChild(p); }});"
    "}});</script>"
)


def make_shells(site: Site) -> int:
    """Turn every SHELL_EVERY-th article of `site` into a shell whose text a script loads."""
    shells = 0
    for path in site.paths():
        if (
            not path.startswith("/p/")
            or int(path[3:].removesuffix(".html")) % SHELL_EVERY != SHELL_EVERY // 2
        ):
            continue
        k = int(path[3:].removesuffix(".html"))
        response = site.resolve(Request(site.name, "GET", path))
        assert isinstance(response, Response)
        html = response.body.decode()
        start, end = html.index("<article>"), html.index("</article>")
        article = html[start:end]
        paragraphs = [part.split("</p>")[0] for part in article.split("<p>")[1:]]
        heading = article[len("<article>") : article.index("</h1>") + len("</h1>")]
        shell = html[:start] + "<article>" + heading + _LOADER.format(k=k) + html[end:]
        site.add(path, page(shell.encode(), "text/html; charset=utf-8"))
        site.add(f"/api/{k}.json", page(json.dumps({"paragraphs": paragraphs}).encode(), "application/json"))
        shells += 1
    return shells


def _pss(pid: int) -> int:
    # PSS, not RSS: Chromium's processes share most of their pages, which RSS counts in each.
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_rss(root: int) -> int:
    """Memory (PSS) in bytes of `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(_pss(pid) for pid in tree)


def crawl_once(
    web: RequisiteWeb, out: Path, mode: str, python: str = sys.executable, settings: tuple[str, ...] = ()
) -> dict[str, float]:
    """One crawl of `web` by `python`'s seedcrawl (another checkout's venv for an A/B)."""
    web.clear()
    cmd = [python, "-m", "seedcrawl", "crawl", "--out", str(out), "--run-id", "bench", *FAST]
    cmd += ["--browser", mode, "-s", "SEEDCRAWL_DISCOVERY_FALLBACKS=False", *settings]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([*cmd, *web.seeds[:-1]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(SAMPLE_EVERY_S)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    summary = json.loads((out / "logs" / "crawl-bench.json").read_text())
    return {
        "pages": summary["pages"],
        "requisites": summary.get("requisites", 0),
        "requests": summary["requests"],
        "revisits": summary.get("revisits", 0),
        "rendered": summary["rendered"]["pages"],
        "crawl_s": summary["seconds"],
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": peak / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=2)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--modes", default=",".join(MODES), help="which of never,auto,always, in this order")
    parser.add_argument("--results", default="browser", help="bench/results/NAME.md to write")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in args.modes.split(",")}
    args.load_before = os.getloadavg()[0]
    with RequisiteWeb(args.sites, args.pages, args.latency) as web, tempfile.TemporaryDirectory() as tmp:
        shells = sum(make_shells(server.site) for server in web.servers[:-1])
        for n in range(args.repeat):
            for mode in runs:
                out = Path(tmp) / f"{n}-{mode}"
                runs[mode].append(crawl_once(web, out, mode))
                shutil.rmtree(out)
                print(mode, runs[mode][-1], file=sys.stderr)
    write_results(args, shells, runs)
    return 0


def _median(items: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in items)


def write_results(args: argparse.Namespace, shells: int, runs: dict[str, list[dict[str, float]]]) -> None:
    command = (
        f"`.venv/bin/python bench/browser.py --sites {args.sites} --pages {args.pages} "
        f"--latency {args.latency} --repeat {args.repeat} --modes {args.modes} --results {args.results}`"
    )
    lines = [
        f"# The browser: --browser {', '.join(runs)} ({args.sites} sites x {args.pages} pages)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores (shared with other jobs), Python "
        f"{platform.python_version()}, Chromium at /usr/bin/chromium. Command: {command}.",
        f"Web: bench/requisites.py's ({args.sites} sites x {args.pages} pages, each with a stylesheet, font, "
        f"script and images, mostly on a CDN host), {shells} articles (one in {SHELL_EVERY}) turned into "
        "script-filled shells whose text comes from a JSON endpoint; "
        f"{args.latency * 1000:.0f} ms latency per response; runs alternate ({args.modes}). CPU time "
        "includes Playwright's driver and Chromium (children's rusage); peak memory (PSS: shared pages counted once) is the crawl's whole "
        f"process tree (crawl, WARC writer, driver, Chromium), sampled every {SAMPLE_EVERY_S} s.",
        "",
        "| --browser | runs | pages | rendered | requisites | requests | pages/s (crawl clock) "
        "| revisit records | crawl s | CPU ms per page | wall s | peak memory MB (PSS) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, items in runs.items():
        lines.append(
            f"| {mode} | {len(items)} | {_median(items, 'pages'):.0f} | {_median(items, 'rendered'):.0f} | "
            f"{_median(items, 'requisites'):.0f} | {_median(items, 'requests'):.0f} | "
            f"{statistics.median(r['pages'] / r['crawl_s'] for r in items):.1f} | "
            f"{_median(items, 'revisits'):.0f} | {_median(items, 'crawl_s'):.1f} | "
            f"{statistics.median(1000 * r['cpu_s'] / r['pages'] for r in items):.0f} | "
            f"{_median(items, 'wall_s'):.1f} | {_median(items, 'peak_rss_mb'):.0f} |"
        )
    never = _median(runs["never"], "crawl_s")
    lines.append("")
    for mode in ("auto", "always"):
        if mode in runs:
            lines.append(
                f"- `{mode}` took {_median(runs[mode], 'crawl_s') / never:.2f}x the crawl time of `never`"
                f" (goal for auto: within 1.5x), {_median(runs[mode], 'cpu_s') / _median(runs['never'], 'cpu_s'):.2f}x its CPU time."
            )
    browsed = "always" if "always" in runs else "auto"
    lines += [
        f"- The browser's CPU per rendered page: "
        f"{(_median(runs[browsed], 'cpu_s') - _median(runs['never'], 'cpu_s')) / max(1.0, _median(runs[browsed], 'rendered')) * 1000:.0f} ms "
        f"({browsed} minus never, over the pages rendered), Chromium's start included once per run.",
        f"- Load average (1 min) when the runs began: {args.load_before:.1f}, when they ended: "
        f"{os.getloadavg()[0]:.1f}, on {os.cpu_count()} cores "
        "(other jobs share the machine): wall-clock ratios are noisy, CPU times less so.",
    ]
    results = RESULTS.with_name(f"{args.results}.md")
    results.parent.mkdir(exist_ok=True)
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
