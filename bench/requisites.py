"""The cost of page requisites: the same web crawled with them (the default) and without.

    .venv/bin/python bench/requisites.py [--sites 4] [--pages 100] [--latency 0.05] [--repeat 3]

The web is bench/crawlweb.py's article trees, each page also needing what a news page typically
needs: a stylesheet (which imports another and uses a web font and a background image), a script
and a logo shared by every page of the site, and two images of its own (`src` and a `srcset`
candidate), 6-20 KB each, all but the logo on one CDN host. Runs alternate (with, without, with,
...), politeness off, on loopback with the given latency per response. CPU time is the crawl
process's own (user + system, from the child's rusage), per archived page; pages/s uses the
crawl's clock. Results go to bench/results/requisites.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
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
from bench.crawlweb import ROBOTS, CrawlWeb
from seedcrawl.crawl import LOOPBACK_SETTINGS
from tests.support.testweb import Request, Response, Site, SiteServer, page

RESULTS = Path(__file__).with_name("results") / "requisites.md"
FAST = [*LOOPBACK_SETTINGS, "-s", "CONCURRENT_REQUESTS=64", "-s", "DEPTH_LIMIT=0", "-s", "LOG_LEVEL=WARNING"]
CDN_HOST = "127.0.0.59"


def _blob(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def cdn_site(sites: int, pages: int) -> Site:
    cdn = Site("cdn")
    cdn.add("/robots.txt", page(ROBOTS, "text/plain"))
    cdn.add("/css/base.css", page(b"body{margin:0;background:url(/img/bg.png)}\n" * 40, "text/css"))
    css = b'@import "base.css";\n@font-face{font-family:S;src:url(/fonts/s.woff2) format("woff2")}\n'
    cdn.add("/css/site.css", page(css + b"article p{line-height:1.5;margin:0 0 1em}\n" * 120, "text/css"))
    cdn.add("/fonts/s.woff2", page(_blob(1, 20_000), "font/woff2"))
    cdn.add("/img/bg.png", page(_blob(2, 6_000), "image/png"))
    cdn.add("/js/app.js", page(b"(function(){var x=1;})();\n" * 600, "text/javascript"))
    for i in range(sites):
        for k in range(pages):
            for size in ("", "-2x"):
                cdn.add(
                    f"/img/site{i}/{k}{size}.jpg",
                    page(_blob(i * 100_003 + k * 2 + len(size), 12_000), "image/jpeg"),
                )
    return cdn


class RequisiteWeb(CrawlWeb):
    """CrawlWeb whose pages need a stylesheet, a script, a logo and two images each (see above)."""

    def __init__(self, sites: int, pages: int, latency: float) -> None:
        super().__init__(sites, pages, latency)
        cdn = SiteServer(cdn_site(sites, pages), host=CDN_HOST, latency=latency)
        cdn.bind()
        for i, server in enumerate(self.servers):
            server.site.add("/logo.png", page(_blob(9, 8_000), "image/png"))
            for path in server.site.paths():
                if path.endswith((".html", "/")):
                    self._add_requisites(server.site, path, i, cdn.base_url)
        self.servers.append(cdn)

    def _add_requisites(self, site: Site, path: str, i: int, cdn: str) -> None:
        response = site.resolve(Request(site.name, "GET", path))
        assert isinstance(response, Response)
        k = 0 if path == "/" else int(path.rsplit("/", 1)[1].removesuffix(".html"))
        head = (
            f'<link rel="stylesheet" href="{cdn}/css/site.css"><script src="{cdn}/js/app.js"></script>'
            '<link rel="icon" href="/logo.png">'
        )
        images = f'<img src="{cdn}/img/site{i}/{k}.jpg" srcset="{cdn}/img/site{i}/{k}-2x.jpg 2x">'
        html = response.body.replace(b"</head>", head.encode() + b"</head>", 1)
        html = html.replace(b"<article>", b"<article>" + images.encode(), 1)
        site.add(path, page(html, "text/html; charset=utf-8", gzip=response.gzip, chunked=response.chunked))


def crawl_once(web: RequisiteWeb, out: Path, requisites: bool) -> dict[str, float]:
    web.clear()
    cmd = [sys.executable, "-m", "seedcrawl", "crawl", "--out", str(out), "--run-id", "bench", *FAST]
    cmd += [] if requisites else ["--no-requisites"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*cmd, *web.seeds[:-1]], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads((out / "logs" / "crawl-bench.json").read_text())
    warc_bytes = sum(path.stat().st_size for path in (out / "warc").glob("*.warc.gz"))
    return {
        "pages": summary["pages"],
        "requisites": summary["requisites"],
        "requests": summary["requests"],
        "bytes": summary["bytes"],
        "warc_bytes": warc_bytes,
        "crawl_s": summary["seconds"],
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"with requisites": [], "without (--no-requisites)": []}
    with RequisiteWeb(args.sites, args.pages, args.latency) as web, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            for label, requisites in (("with requisites", True), ("without (--no-requisites)", False)):
                out = Path(tmp) / f"{n}-{requisites}"
                runs[label].append(crawl_once(web, out, requisites))
                shutil.rmtree(out)
                print(label, runs[label][-1], file=sys.stderr)
    write_results(args, runs)
    return 0


def _median(items: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in items)


def write_results(args: argparse.Namespace, runs: dict[str, list[dict[str, float]]]) -> None:
    command = (
        f"`.venv/bin/python bench/requisites.py --sites {args.sites} --pages {args.pages} "
        f"--latency {args.latency} --repeat {args.repeat}`"
    )
    lines = [
        "# Page requisites",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, {len(os.sched_getaffinity(0))} cores (shared with other jobs), Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f} at the end (other jobs ran on the "
        f"machine: the CPU time per page is the steadier figure). Command: {command}.",
        f"Web: {args.sites} sites x {args.pages} pages (bench/crawlweb.py), each page needing a stylesheet "
        "(importing another, with a web font and a background image), a script and a logo shared by the "
        "site, and two images of its own, on one CDN host; "
        f"{args.latency * 1000:.0f} ms latency per response; runs alternate with and without.",
        "",
        "| crawl | runs | pages | requisites | requests | body bytes | WARC bytes | pages/s (crawl clock) "
        "| CPU ms per page | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, items in runs.items():
        pages = _median(items, "pages")
        lines.append(
            f"| {label} | {len(items)} | {pages:.0f} | {_median(items, 'requisites'):.0f} | "
            f"{_median(items, 'requests'):.0f} | {_median(items, 'bytes'):,.0f} | {_median(items, 'warc_bytes'):,.0f} | "
            f"{statistics.median(r['pages'] / r['crawl_s'] for r in items):.1f} | "
            f"{statistics.median(1000 * r['cpu_s'] / r['pages'] for r in items):.1f} | {_median(items, 'wall_s'):.1f} |"
        )
    on, off = runs["with requisites"], runs["without (--no-requisites)"]
    rate_on = statistics.median(r["pages"] / r["crawl_s"] for r in on)
    rate_off = statistics.median(r["pages"] / r["crawl_s"] for r in off)
    cpu_on = statistics.median(r["cpu_s"] / r["pages"] for r in on)
    cpu_off = statistics.median(r["cpu_s"] / r["pages"] for r in off)
    lines += [
        "",
        f"- Requisites cost {100 * (1 - rate_on / rate_off):.0f}% of the pages/s "
        f"({rate_on:.1f} against {rate_off:.1f}), {cpu_on / cpu_off:.2f}x the CPU time per page, and "
        f"{_median(on, 'bytes') / _median(off, 'bytes'):.1f}x the body bytes "
        f"({_median(on, 'requests') / _median(off, 'requests'):.1f}x the requests) on this web.",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
