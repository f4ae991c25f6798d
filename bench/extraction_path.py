"""Extraction quality on the whole path: served on loopback, crawled, archived, processed, scored.

    .venv/bin/python bench/extraction_path.py [--data ../shared/bench/aeb-dev]

Each benchmark page is served as `text/html; charset=utf-8` at /p/<id>.html by a local server,
linked from an index page; `seedcrawl crawl` archives them, `seedcrawl process` writes the
corpus with each extraction profile (`--extraction`, each on its own copy of the WARC files),
and each page's corpus text (empty when the page was rejected or dropped) is scored with the
benchmark's own metric (bench/aeb_metric.py). Results go to bench/results/extraction_path.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.aeb_metric import load_truth, score
from seedcrawl.contract.records import iter_lines
from seedcrawl.crawl import LOOPBACK_SETTINGS
from seedcrawl.process_options import EXTRACTION_PROFILES
from tests.support.testweb import SiteServer, StaticSite, page

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "aeb-dev"
RESULTS = Path(__file__).with_name("results") / "extraction_path.md"
FAST = LOOPBACK_SETTINGS


def site_for(data: Path) -> tuple[StaticSite, list[str]]:
    ids = sorted(p.name.removesuffix(".html.gz") for p in (data / "html").glob("*.html.gz"))
    pages: dict[str, object] = {
        f"/p/{pid}.html": page(
            gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes()), "text/html; charset=utf-8"
        )
        for pid in ids
    }
    links = "".join(f'<li><a href="/p/{pid}.html">{pid}</a></li>' for pid in ids)
    pages["/"] = page(f"<html><body><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8")
    pages["/robots.txt"] = page(b"User-agent: *\nDisallow:\n", "text/plain")
    return StaticSite(pages, name="aeb"), ids  # type: ignore[arg-type]


def _is_page(url: str) -> bool:
    """A benchmark page's URL or path (not a requisite its markup names, which this site lacks)."""
    path = urlsplit(url).path
    return path.startswith("/p/") and path.endswith(".html")


def run(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "seedcrawl", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"seedcrawl {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stderr


def processed(out: Path, profile: str) -> tuple[dict[str, str], Counter[str]]:
    """Corpus texts by page id, and reject reasons, of `seedcrawl process --extraction profile` on
    a copy of the crawl's WARC files (each profile starts from the archive alone)."""
    folder = out.parent / f"process-{profile}"
    shutil.copytree(out / "warc", folder / "warc")
    run(["process", str(folder), "--workers", "2", "--extraction", profile])
    texts = {
        str(a["url"]).rsplit("/", 1)[-1].removesuffix(".html"): str(a["text"])
        for a in iter_lines(folder / "corpus" / "articles.jsonl")
    }
    reasons = Counter(
        str(r["reason"]) for r in iter_lines(folder / "corpus" / "rejects.jsonl") if _is_page(str(r["url"]))
    )
    return texts, reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    truth = load_truth(args.data / "ground-truth.json")
    site, ids = site_for(args.data)
    rows = []
    with SiteServer(site, host="127.0.0.70") as server, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run(["crawl", "--out", str(out), "--depth", "1", *FAST, server.base_url])
        fetched = sum(1 for e in server.log.entries() if _is_page(e.path))
        for profile in EXTRACTION_PROFILES:
            texts, reasons = processed(out, profile)
            result = score(truth, {pid: texts.get(pid, "") for pid in ids})
            rows.append(
                f"| `{profile}` | {result.f1:.4f} | {result.precision:.4f} | {result.recall:.4f} | {fetched} | "
                f"{sum(1 for p in ids if p in texts)} | {json.dumps(dict(reasons))} |"
            )
    lines = [
        "# Extraction quality on the whole path",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on `{platform.uname().system} {platform.uname().release} "
        f"{platform.machine()}`, Python {platform.python_version()}, data `{args.data.name}` ({len(ids)} pages).",
        "Pages served on 127.0.0.70, crawled once with `seedcrawl crawl`, archived, and processed with "
        "`seedcrawl process --extraction PROFILE` for each profile, each on its own copy of the WARC files; "
        "a page with no corpus record scores as an empty prediction.",
        "",
        "| profile | F1 | precision | recall | requests for the pages | corpus records | rejected (reason: n) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Reference on the same pages: bare `trafilatura.extract(html, include_comments=False)` scores F1 0.965.",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
