"""The date search at each depth (`pipelines.page_date`) on wcxb-dev's articles: dates right, CPU.

    .venv/bin/python bench/date_search.py [--rounds 3] [--output bench/results/date_search.md]

Each article page is parsed once; its headline facts (JSON-LD included) are read once; then
`pipelines.metadata.dated` (the JSON-LD datePublished first, else htmldate's search to the
given depth, plus the language and canonical URL, which cost the same at every depth) runs at each
depth in turn on the page, timed by `bench.extraction.cpu_ms_each` (the order flips from page to
page, the caches keyed by a page's strings are emptied before each call, dateparser is set up
before the first). Also htmldate's own `find_date` at its two settings on the same trees, for the
corrections' share. A date is right when its day equals the truth's (the pages whose truth has a
date).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import htmldate
from trafilatura.utils import load_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import FETCHED_AT, SHARED, Contender, cpu_ms_each, publish
from bench.extraction_sets import Output, Page, load_wcxb
from seedcrawl.pipelines.metadata import _date_params, _iso_date, dated, page_heading
from seedcrawl.pipelines.page_date import DATE_SEARCHES, DateSearch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    pages = [p for p in load_wcxb(args.wcxb) if p.page_type == "article"]
    trees = {p.key: load_html(p.body) for p in pages}
    heads = {p.key: page_heading(trees[p.key], p.url) for p in pages}

    found: dict[str, dict[str, str | None]] = {}

    def recorded(name: str, date_of: Callable[[Page], str | None]) -> Contender:
        """A contender for `cpu_ms_each` that keeps the date it finds on each page."""
        found[name] = {}

        def run(page: Page) -> Output:
            found[name][page.key] = date_of(page)
            return Output("", date=found[name][page.key])

        return run

    def ours(depth: DateSearch) -> Callable[[Page], str | None]:
        return lambda page: dated(heads[page.key], trees[page.key], page.url, FETCHED_AT, depth).published

    def htmldate_at(extensive: bool) -> Callable[[Page], str | None]:
        params = _date_params(FETCHED_AT)
        return lambda page: _iso_date(
            htmldate.find_date(trees[page.key], url=page.url, extensive_search=extensive, **params)
        )

    contenders = {
        **{f"ours, {depth}": recorded(f"ours, {depth}", ours(depth)) for depth in DATE_SEARCHES},
        **{
            name: recorded(name, htmldate_at(extensive))
            for name, extensive in (
                ("htmldate's find_date, fast search (no JSON-LD first)", False),
                ("htmldate's find_date, extensive search (no JSON-LD first)", True),
            )
        },
    }
    load_before = os.getloadavg()
    ms = cpu_ms_each(pages, contenders, args.rounds)
    dated_pages = [p for p in pages if p.date]
    lines = [
        "# The date search at each depth (`pipelines.page_date`)",
        "",
        "Reproduce with `.venv/bin/python bench/date_search.py --output bench/results/date_search.md`.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} at the start",
        f"- pages: the {len(pages)} wcxb-dev articles ({len(dated_pages)} with a date in the truth), "
        f"{args.rounds} rounds, contenders in turn on each page (CPU time, `time.process_time`)",
        "",
        "| contender | dates right | CPU ms per page |",
        "|---|---|---|",
    ]
    for name in contenders:
        right = sum(1 for p in dated_pages if (found[name][p.key] or "")[:10] == p.date[:10])
        lines.append(
            f"| {name} | {right}/{len(dated_pages)} ({right / len(dated_pages):.3f}) | {ms[name]:.2f} |"
        )
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
