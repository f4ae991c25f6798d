"""Extraction quality and speed on both dev sets: the whole per-record path against bare trafilatura.

    .venv/bin/python bench/extraction.py [--skip-speed] [--rounds N] [--output bench/results/extraction.md]

Each page's bytes go through `pipelines.steps.process_one`, the function `seedcrawl process` runs
on every WARC record (decode, extract, language filter, topic score), and through bare
`trafilatura.extract(html, include_comments=False)` on the same bytes. Each set is scored with its
own metric (aeb-dev: 4-gram shingle F1; wcxb-dev: word F1 per page, must / must-not snippets,
title / author / date). A page the steps reject scores as an empty text.

Cross-validation: the sites are split in two halves by a hash of the host name. Every tunable
choice the product ships (the candidate configurations below) is chosen on one half by the mean of
the two sets' F1 and scored on the other half, both ways; the pooled held-out scores are the
cross-validated figure, to compare with the in-sample one (chosen and scored on all pages).

Speed: CPU time per page, bare trafilatura (with and without metadata) and the steps timed in
turn page by page in one run, so load on the shared machine hits them alike. The order of the turn
flips from page to page, and the caches trafilatura and htmldate key by a page's strings are
emptied before each call: otherwise whoever comes second on a page finds its lines and date
expressions already done. The steps are timed, and scored, with each extraction profile: `fast`,
the default (trafilatura's recall run alone, pruned as precision mode prunes, the date searched
without dateparser), and `accurate` (`--extraction accurate`, the vote of two runs: the candidate
`accurate (the vote)` below). The candidate `recall mode only, pruned as precision mode` gives
`fast`'s text; `fast` differs from it only in the date search, which is not tuned on the texts.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import htmldate.extractors
import htmldate.validators
import trafilatura
import trafilatura.utils
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.aeb_metric import score as aeb_score
from bench.extraction_sets import SHARED, Output, Page, Tally, load_aeb, load_wcxb, tally_wcxb, words
from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.article import ArticleRules
from seedcrawl.pipelines.decode import DecodeOptions
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.extract import ExtractOptions, profile_options
from seedcrawl.pipelines.json_ld import article_facts
from seedcrawl.pipelines.steps import Rejection, StepOptions, process_one

FETCHED_AT = "2026-11-22T00:00:00Z"
_REF = WarcRef("bench.warc.gz", 0, 0, "<urn:uuid:bench>", None)
Contender = Callable[[Page], Output]

# The choices that are tuned, between which the cross-validation chooses; the first is the profile
# `accurate`, each mechanism on.
CANDIDATES: dict[str, ExtractOptions] = {
    "accurate (the vote)": ExtractOptions(),
    "vote, share 0.5": dataclasses.replace(ExtractOptions(), min_precision_share=0.5),
    "vote, share 0.9": dataclasses.replace(ExtractOptions(), min_precision_share=0.9),
    "vote, no gap filling": dataclasses.replace(ExtractOptions(), fill_gaps=False),
    "vote, no end extension": dataclasses.replace(ExtractOptions(), extend_ends=False),
    "vote, no declared body": dataclasses.replace(ExtractOptions(), declared_body_ratio=0),
    "precision mode only": dataclasses.replace(ExtractOptions(), recall=False),
    "recall mode only": dataclasses.replace(ExtractOptions(), precision=False),
    "recall mode only, pruned as precision mode": dataclasses.replace(
        ExtractOptions(), precision=False, precision_prune=True
    ),
    "vote, list-item share 0.8": dataclasses.replace(
        ExtractOptions(), article=dataclasses.replace(ArticleRules(), max_item_share=0.8)
    ),
}


def run_steps(page: Page, options: StepOptions) -> Output:
    doc = Document(page.page_id, page.url, FETCHED_AT, _REF, content_type="text/html", payload=page.body)
    result = process_one(doc, options)
    if isinstance(result, Rejection):
        return Output("", f"{result.reason}: {result.detail}" if result.detail else result.reason)
    return Output(result.text, None, result.title, result.author, result.published)


def run_bare(page: Page) -> Output:
    text = trafilatura.extract(page.body, url=page.url, include_comments=False) or ""
    return Output(text)


def bare_metadata(page: Page) -> Output:
    meta = extract_metadata(page.body, default_url=page.url)
    return Output("", None, meta.title, meta.author, meta.date)


def steps_for(options: ExtractOptions) -> Contender:
    step = StepOptions(DecodeOptions(), options)
    return lambda page: run_steps(page, step)


def outputs(pages: list[Page], contender: Contender) -> dict[str, Output]:
    return {page.key: contender(page) for page in pages}


def aeb_f1(pages: list[Page], out: Mapping[str, Output]) -> float:
    aeb = [p for p in pages if p.set_name == "aeb"]
    if not aeb:
        return float("nan")
    return aeb_score({p.page_id: p.truth for p in aeb}, {p.page_id: out[p.key].text for p in aeb}).f1


def wcxb_tally(pages: list[Page], out: Mapping[str, Output], page_type: str = "article") -> Tally:
    return tally_wcxb([p for p in pages if p.set_name == "wcxb" and p.page_type == page_type], out)


def objective(pages: list[Page], out: Mapping[str, Output]) -> float:
    """What tuning maximises: the mean of aeb-dev F1 and wcxb-dev article F1."""
    tally = wcxb_tally(pages, out)
    return (aeb_f1(pages, out) + tally.f1 / max(tally.pages, 1)) / 2


def cross_validated(
    pages: list[Page], runs: Mapping[str, dict[str, Output]]
) -> tuple[str, dict[str, Output], list[str]]:
    """In-sample choice, pooled held-out outputs, and the choice made on each half."""
    best = max(runs, key=lambda name: objective(pages, runs[name]))
    pooled: dict[str, Output] = {}
    chosen = []
    for half in (0, 1):
        train = [p for p in pages if p.half == half]
        test = [p for p in pages if p.half != half]
        pick = max(runs, key=lambda name: objective(train, runs[name]))
        chosen.append(pick)
        pooled.update({p.key: runs[pick][p.key] for p in test})
    return best, pooled, chosen


def _pct(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def quality_tables(
    pages: list[Page], runs: Mapping[str, Mapping[str, Output]], meta: Mapping[str, Mapping[str, Output]]
) -> list[str]:
    lines = [
        "| contender | aeb-dev F1 (shingles) | wcxb articles F1 | wcxb listings F1 | wcxb collections F1 |",
        "|---|---|---|---|---|",
    ]
    for name, out in runs.items():
        cells = [f"{aeb_f1(pages, out):.4f}"]
        for kind in ("article", "listing", "collection"):
            tally = wcxb_tally(pages, out, kind)
            cells.append(f"{tally.f1 / max(tally.pages, 1):.4f}")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += [
        "",
        "wcxb-dev by page type: rejected share, must-snippets found (`with`, higher is better), must-not "
        "snippets found (`without`, lower is better).",
        "",
        "| contender | page type | pages | rejected | with | without |",
        "|---|---|---|---|---|---|",
    ]
    for name, out in runs.items():
        for kind in ("article", "listing", "collection"):
            t = wcxb_tally(pages, out, kind)
            lines.append(
                f"| {name} | {kind} | {t.pages} | {_pct(t.rejected, t.pages)} | {_pct(t.with_found, t.with_total)} "
                f"| {_pct(t.without_found, t.without_total)} |"
            )
    lines += ["", "Metadata on wcxb-dev articles (pages where the truth has the field):", ""]
    lines += ["| contender | title | author | date (same day) |", "|---|---|---|---|"]
    for name, out in meta.items():
        t = wcxb_tally(pages, out)
        lines.append(
            f"| {name} | " + " | ".join(_pct(*t.meta[k]) for k in ("title", "author", "date")) + " |"
        )
    declared = {p.key: json_ld_fields(p) for p in pages if p.set_name == "wcxb" and p.page_type == "article"}
    lines += [
        "",
        "The same where the page's JSON-LD article declares the field (`headline`, `author`, `datePublished`; "
        "the issue's goal there: 0.9):",
        "",
        "| contender | title | author | date (same day) |",
        "|---|---|---|---|",
    ]
    for name, out in meta.items():
        cells = []
        for field in ("title", "author", "date"):
            subset = [p for p in pages if field in declared.get(p.key, ())]
            cells.append(_pct(*wcxb_tally(subset, out).meta[field]))
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def json_ld_fields(page: Page) -> frozenset[str]:
    """Which of title, author and date the page's JSON-LD article declares."""
    facts = article_facts(load_html(page.body))
    found = {"title": facts.headline, "author": facts.authors, "date": facts.published}
    return frozenset(field for field, value in found.items() if value)


def article_or_not(pages: list[Page], out: Mapping[str, Output]) -> list[str]:
    articles = [p for p in pages if p.page_type == "article"]
    others = [p for p in pages if p.page_type != "article"]
    kept = sum(1 for p in articles if out[p.key].rejected is None)
    rejected = sum(1 for p in others if out[p.key].rejected is not None)
    # a page whose truth is empty has no article to lose (rejecting it scores 1.0)
    short = [p for p in articles if 0 < len(words(p.truth)) < 40 and out[p.key].rejected is not None]
    lines = [
        f"- article recall (articles of both sets kept): {_pct(kept, len(articles))}",
        f"- non-article rejection (wcxb listings and collections rejected): {_pct(rejected, len(others))}",
        f"- genuine articles under 40 words rejected: {len(short)}",
        "",
        "| rejected article | true words | reason |",
        "|---|---|---|",
    ]
    lines += [
        f"| {p.key} | {len(words(p.truth))} | {out[p.key].rejected} |"
        for p in articles
        if out[p.key].rejected
    ]
    return lines


def cpu_ms(pages: list[Page], step: Contender, rounds: int) -> tuple[float, float]:
    """CPU ms per page of bare trafilatura and of the steps, timed alternately page by page."""
    timed = cpu_ms_each(pages, {"bare": run_bare, "ours": step}, rounds)
    return timed["bare"], timed["ours"]


def cpu_ms_each(pages: list[Page], contenders: Mapping[str, Contender], rounds: int) -> dict[str, float]:
    """CPU ms per page of each contender, all timed in turn on each page (load hits them alike)."""
    per_page = cpu_ms_per_page(pages, contenders, rounds)
    return {name: sum(times) / len(times) for name, times in per_page.items()}


def cpu_ms_per_page(
    pages: list[Page], contenders: Mapping[str, Contender], rounds: int
) -> dict[str, list[float]]:
    """CPU ms of each contender on each page (in the order of `pages`), averaged over the rounds."""
    warm_date_parser()
    for page in pages[:20]:  # caches each side fills once per process (stoplists, date locales)
        for contender in contenders.values():
            contender(page)
    spent = {name: [0.0] * len(pages) for name in contenders}
    names = list(contenders)
    for turn in range(rounds):
        for k, page in enumerate(pages):
            # each contender goes first on every other page: the first to meet a page's strings
            # pays for whatever the others would find warm
            for name in names if (k + turn) % 2 == 0 else reversed(names):
                _clear_page_caches()
                start = time.process_time()
                contenders[name](page)
                spent[name][k] += time.process_time() - start
    return {name: [1000 * cpu / rounds for cpu in times] for name, times in spent.items()}


def warm_date_parser() -> float:
    """Set up dateparser now, returning the CPU seconds it took (0 when it was set up already).

    htmldate hands dateparser a few strings a page that look like dates in words; dateparser
    compiles a regex of each locale's words (about 200 locales) the first time a string matches
    none, about 2 s of CPU once per process. No page among the first twenty reaches it, so without
    this that second or two landed inside the timed pages, on whichever contender met such a string
    first (never on bare trafilatura, which reads no date)."""
    start = time.process_time()
    htmldate.extractors.get_external_parser().get_date_data("Posted 12 Xyzzy 2021")
    return time.process_time() - start


def _clear_page_caches() -> None:
    """Empty the caches trafilatura and htmldate key by a page's own strings (its lines, its date
    expressions), so no contender reuses what the one before it computed on the same page; the
    per-process set-up (stoplists, date locales) stays warm, as in a long run."""
    for cached in (
        trafilatura.utils.line_processing,
        trafilatura.utils.trim,
        htmldate.extractors.try_date_expr,
        htmldate.validators._parse_and_validate,
        htmldate.validators.filter_ymd_candidate,
    ):
        cached.cache_clear()


def _mean_of(times: list[float], pages: list[Page], keep: Callable[[Page], bool]) -> float:
    chosen = [t for t, page in zip(times, pages, strict=True) if keep(page)]
    return sum(chosen) / max(1, len(chosen))


def run_bare_with_metadata(page: Page) -> Output:
    """trafilatura's extract with its metadata: the work comparable to ours, which reads metadata."""
    text = trafilatura.extract(page.body, url=page.url, include_comments=False, with_metadata=True) or ""
    return Output(text)


def import_cpu(module: str) -> float:
    """CPU seconds a fresh interpreter spends importing `module` (what each worker start pays)."""
    code = f"import time; t = time.process_time(); import {module}; print(time.process_time() - t)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    return float(done.stdout.strip())


def publish(lines: list[str], output: Path | None) -> None:
    """Print the report and, given a file, write it there too."""
    report = "\n".join(lines)
    print(report)
    if output:
        output.write_text(report + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--aeb", type=Path, default=SHARED / "aeb-dev")
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the pages for the speed figure")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)

    pages = load_aeb(args.aeb) + load_wcxb(args.wcxb)
    bare = outputs(pages, run_bare)
    runs = {name: outputs(pages, steps_for(options)) for name, options in CANDIDATES.items()}
    best, pooled, chosen = cross_validated(pages, runs)
    fast = outputs(pages, steps_for(profile_options("fast")))
    lines = [
        "# Extraction quality and speed: whole per-record path vs bare trafilatura",
        "",
        "Reproduce with `.venv/bin/python bench/extraction.py --output bench/results/extraction.md`.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: `{' '.join(filter(None, platform.uname()))}`, nproc {os.cpu_count()}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- Python {platform.python_version()}, trafilatura {trafilatura.__version__}",
        f"- pages: {sum(p.set_name == 'aeb' for p in pages)} aeb-dev, {sum(p.set_name == 'wcxb' for p in pages)} "
        "wcxb-dev; ours = `pipelines.steps.process_one` on the page bytes (Content-Type `text/html`, no charset), "
        "bare = `trafilatura.extract(bytes, include_comments=False)`",
        "",
        "## Quality per set and page type",
        "",
    ]
    table_runs = {
        "bare trafilatura": bare,
        **{f"ours: {n}": r for n, r in runs.items()},
        "ours: profile fast (the default)": fast,
    }
    meta = {
        "bare trafilatura (extract_metadata)": outputs(
            [p for p in pages if p.set_name == "wcxb"], bare_metadata
        )
        | {p.key: Output("") for p in pages if p.set_name == "aeb"},
        "ours: profile fast (the default)": fast,
        "ours: profile accurate": runs["accurate (the vote)"],
    }
    lines += quality_tables(pages, table_runs, meta)
    lines += ["", "## Article or not (ours, the default profile `fast`)", "", *article_or_not(pages, fast)]
    lines += ["", "The same with `accurate`:", "", *article_or_not(pages, runs["accurate (the vote)"])]
    wc_in, wc_cv, wc_fast = (wcxb_tally(pages, out) for out in (runs[best], pooled, fast))
    lines += [
        "",
        "## Cross-validated figure",
        "",
        f"Candidates: {', '.join(f'`{n}`' for n in CANDIDATES)}. Chosen on all pages: `{best}`; "
        f"chosen on half 0: `{chosen[0]}`, on half 1: `{chosen[1]}`.",
        "",
        "| figure | aeb-dev F1 | wcxb articles F1 |",
        "|---|---|---|",
        f"| in-sample (chosen and scored on all pages) | {aeb_f1(pages, runs[best]):.4f} | "
        f"{wc_in.f1 / wc_in.pages:.4f} |",
        f"| cross-validated (chosen on one half of the sites, scored on the other) | {aeb_f1(pages, pooled):.4f} "
        f"| {wc_cv.f1 / wc_cv.pages:.4f} |",
        f"| the default profile `fast`, in-sample (its text is the candidate `recall mode only, pruned as "
        f"precision mode`) | {aeb_f1(pages, fast):.4f} | {wc_fast.f1 / wc_fast.pages:.4f} |",
    ]
    if not args.skip_speed:
        each = cpu_ms_per_page(
            pages,
            {
                "bare": run_bare,
                "meta": run_bare_with_metadata,
                # the default profile: one pruned recall run, the date searched without dateparser
                "ours": steps_for(profile_options("fast")),
                "accurate": steps_for(profile_options("accurate")),
            },
            args.rounds,
        )
        bare_ms, meta_ms, our_ms, accurate_ms = (
            sum(each[name]) / len(pages) for name in ("bare", "meta", "ours", "accurate")
        )
        groups = {
            "article pages (both sets)": lambda page: page.page_type == "article",
            "wcxb listing and collection pages": lambda page: page.page_type != "article",
        }
        lines += [
            "",
            "## Speed (CPU time per page, interleaved in one run)",
            "",
            "| contender | CPU ms per page | ratio to bare | ratio to bare with metadata |",
            "|---|---|---|---|",
            f"| bare trafilatura.extract | {bare_ms:.2f} | 1.00 | {bare_ms / meta_ms:.2f} |",
            f"| trafilatura.extract(with_metadata=True) | {meta_ms:.2f} | {meta_ms / bare_ms:.2f} | 1.00 |",
            f"| ours: process_one (decode + extract + filters), the default profile `fast` | {our_ms:.2f} "
            f"| {our_ms / bare_ms:.2f} | {our_ms / meta_ms:.2f} |",
            f"| ours, `--extraction accurate` (two trafilatura runs vote, the full date search) "
            f"| {accurate_ms:.2f} | {accurate_ms / bare_ms:.2f} | {accurate_ms / meta_ms:.2f} |",
            "",
            "The same timings by page type (a page rejected for what it declares or for its URL skips "
            "trafilatura's runs):",
            "",
            "| page type | pages | bare CPU ms | with metadata | ours | ours / bare | ours / with metadata "
            "| accurate | accurate / bare |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for label, keep in groups.items():
            bare_g, meta_g, ours_g, accurate_g = (
                _mean_of(each[name], pages, keep) for name in ("bare", "meta", "ours", "accurate")
            )
            count = sum(1 for page in pages if keep(page))
            lines.append(
                f"| {label} | {count} | {bare_g:.2f} | {meta_g:.2f} | {ours_g:.2f} | {ours_g / bare_g:.2f} "
                f"| {ours_g / meta_g:.2f} | {accurate_g:.2f} | {accurate_g / bare_g:.2f} |"
            )
        lines += [
            "",
            f"Start-up, CPU seconds of a fresh interpreter's import: `pipelines.steps` (what a worker loads) "
            f"{import_cpu('seedcrawl.pipelines.steps'):.2f} s, `trafilatura` alone {import_cpu('trafilatura'):.2f} s, "
            f"`datasketch` (no longer loaded by workers) {import_cpu('datasketch'):.2f} s.",
        ]
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
