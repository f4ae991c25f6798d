"""The date search at each depth (`pipelines.page_date`) on wcxb-dev's articles: dates right, CPU.

    .venv/bin/python bench/date_search.py [--rounds 3] [--output bench/results/date_search.md]

Each article page is parsed once; its headline facts (JSON-LD included) are read once; then
`pipelines.metadata.dated` (the JSON-LD datePublished first, else htmldate's search to the
given depth, plus the language and canonical URL, which cost the same at every depth) runs at each
depth in turn on the page, the order flipping from round to round, the caches keyed by a page's
strings emptied before each call, dateparser set up before the first. Also htmldate's own
`find_date` at its two settings on the same trees, for the corrections' share. A date is right
when its day equals the truth's (the pages whose truth has a date).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import htmldate
from trafilatura.utils import load_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import FETCHED_AT, SHARED, _clear_page_caches, publish, warm_date_parser
from bench.extraction_sets import load_wcxb
from seedcrawl.pipelines.metadata import _date_params, _iso_date, dated, page_heading
from seedcrawl.pipelines.page_date import DATE_SEARCHES


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
    warm_date_parser()
    params = _date_params(FETCHED_AT)

    def htmldate_at(extensive: bool):  # type: ignore[no-untyped-def]
        return lambda key, url: _iso_date(
            htmldate.find_date(trees[key], url=url, extensive_search=extensive, **params)
        )

    contenders = {
        **{
            f"ours, {depth}": (
                lambda key, url, d=depth: dated(heads[key], trees[key], url, FETCHED_AT, d).published
            )
            for depth in DATE_SEARCHES
        },
        "htmldate's find_date, fast search (no JSON-LD first)": htmldate_at(False),
        "htmldate's find_date, extensive search (no JSON-LD first)": htmldate_at(True),
    }
    cpu = dict.fromkeys(contenders, 0.0)
    found: dict[str, dict[str, str | None]] = {name: {} for name in contenders}
    load_before = os.getloadavg()
    for round_ in range(args.rounds):
        order = list(contenders) if round_ % 2 == 0 else list(contenders)[::-1]
        for page in pages:
            for name in order:
                _clear_page_caches()
                start = time.process_time()
                found[name][page.key] = contenders[name](page.key, page.url)
                cpu[name] += time.process_time() - start
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
            f"| {name} | {right}/{len(dated_pages)} ({right / len(dated_pages):.3f}) "
            f"| {1000 * cpu[name] / args.rounds / len(pages):.2f} |"
        )
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
