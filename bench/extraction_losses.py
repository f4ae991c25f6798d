"""Where the shipped extraction loses to bare trafilatura, page by page, and what a change moved.

    .venv/bin/python bench/extraction_losses.py [--top 20] [--save before.pickle] [--against before.pickle]

One pass of the shipped steps over both dev sets (no candidates, no speed: a fraction of
`bench/extraction.py`'s time), bare trafilatura's outputs cached in `--bare-cache`. Prints the set
figures the extraction goals are stated in, then the wcxb articles where ours scores lower than bare
by word F1, largest loss first, with the rejection reason when the page was rejected. With
`--against`, the pages whose score moved since a saved run, for judging a change page by page.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import aeb_f1, outputs, run_bare, steps_for, wcxb_tally
from bench.extraction_sets import SHARED, Output, Page, load_aeb, load_wcxb, word_f1, words
from seedcrawl.pipelines.extract import ExtractOptions


def bare_outputs(pages: list[Page], cache: Path) -> dict[str, Output]:
    if cache.exists():
        cached: dict[str, Output] = pickle.loads(cache.read_bytes())
        if set(cached) == {p.key for p in pages}:
            return cached
    bare = outputs(pages, run_bare)
    cache.write_bytes(pickle.dumps(bare))
    return bare


def figures(pages: list[Page], out: dict[str, Output]) -> list[str]:
    art = wcxb_tally(pages, out)
    others = [p for p in pages if p.page_type != "article"]
    short = [
        p.key
        for p in pages
        if p.page_type == "article" and 0 < len(words(p.truth)) < 40 and out[p.key].rejected
    ]
    return [
        f"aeb-dev F1 {aeb_f1(pages, out):.4f}, wcxb articles F1 {art.f1 / art.pages:.4f}",
        f"snippets with {art.with_found / art.with_total:.3f}, without {art.without_found / art.without_total:.3f}",
        f"non-article rejection {sum(out[p.key].rejected is not None for p in others)}/{len(others)}, "
        f"short articles rejected {len(short)} {short}",
    ]


def page_score(page: Page, out: Output) -> float:
    return word_f1(page.truth, out.text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--bare-cache", type=Path, default=Path("/tmp/seedcrawl-bare-outputs.pickle"))
    parser.add_argument("--save", type=Path, help="write this run's outputs here")
    parser.add_argument("--against", type=Path, help="a saved run: list the pages whose score moved")
    args = parser.parse_args(argv)

    pages = load_aeb(SHARED / "aeb-dev") + load_wcxb(SHARED / "wcxb-dev")
    bare = bare_outputs(pages, args.bare_cache)
    ours = outputs(pages, steps_for(ExtractOptions()))
    if args.save:
        args.save.write_bytes(pickle.dumps(ours))
    print("bare:", *figures(pages, bare), sep="\n  ")
    print("ours:", *figures(pages, ours), sep="\n  ")
    articles = [p for p in pages if p.set_name == "wcxb" and p.page_type == "article"]
    losses = sorted(articles, key=lambda p: page_score(p, ours[p.key]) - page_score(p, bare[p.key]))
    print(f"\nwcxb articles, ours - bare word F1, worst {args.top}:")
    for page in losses[: args.top]:
        o, b = page_score(page, ours[page.key]), page_score(page, bare[page.key])
        if o >= b:
            break
        reason = f"  rejected: {ours[page.key].rejected}" if ours[page.key].rejected else ""
        print(f"  {page.key:<12} ours {o:.3f} bare {b:.3f} loss {b - o:.3f}  {page.url}{reason}")
    if args.against:
        before: dict[str, Output] = pickle.loads(args.against.read_bytes())
        print("\nmoved since the saved run:")
        for page in pages:
            if page.set_name == "wcxb" and page.page_type != "article":
                if (before[page.key].rejected is None) != (ours[page.key].rejected is None):
                    print(
                        f"  {page.key} {page.page_type} rejected: {before[page.key].rejected} -> "
                        f"{ours[page.key].rejected}"
                    )
                continue
            if before[page.key].text != ours[page.key].text:
                was, now = page_score(page, before[page.key]), page_score(page, ours[page.key])
                print(f"  {page.key:<14} word F1 {was:.3f} -> {now:.3f} ({now - was:+.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
