"""`seedcrawl package DIR`: the folder's WARC files as one WACZ that replay tools open directly.

The page list names the articles of the corpus (with their titles), so ReplayWeb.page opens on
the news, not on every section and error page. A folder not processed yet lists its 200 HTML
responses instead. The crawl logs from DIR/logs (which end with each crawl's summary) go in too, as provenance.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from seedcrawl.archive.index import INDEX_NAME, build_index
from seedcrawl.archive.wacz import (
    Page,
    WaczError,
    WaczResult,
    captures_by_location,
    create_wacz,
    pages_from_index,
    rendered_reasons,
)
from seedcrawl.contract.records import ARTICLES, iter_lines
from seedcrawl.outdir.layout import Layout

PACKAGE_DIR = "package"
# not .json: frictionless (inside `wacz validate`) reads any .json file as package metadata and fails
LOG_SUFFIXES = (".log",)


def package_name(out_dir: Path) -> str:
    """A file name stem from the folder's name: "News 2026" -> "news-2026"."""
    slug = re.sub(r"[^a-z0-9]+", "-", out_dir.absolute().name.lower()).strip("-")
    return slug or "seedcrawl"


def article_pages(articles: Path, captures: dict[tuple[str, int], Page]) -> list[Page]:
    """Pages for corpus articles whose WARC record is in the index, titled as extracted."""
    pages = []
    for record in iter_lines(articles):
        try:
            ref = record["warc"]
            key = (Path(str(ref["file"])).name, int(ref["offset"]))
        except (ValueError, KeyError, TypeError):
            continue  # a record without a WARC reference
        capture = captures.get(key)
        if capture is not None:
            pages.append(Page(capture.url, capture.timestamp, record.get("title") or None, capture.rendered))
    return pages


def folder_pages(layout: Layout) -> tuple[list[Page], str]:
    """The pages to list and where they came from ("articles" or "index")."""
    index = layout.index_dir / INDEX_NAME
    articles = layout.corpus_dir / ARTICLES
    rendered = rendered_reasons(index, layout.warc_dir)
    if articles.exists():
        pages = article_pages(articles, captures_by_location(index, rendered))
        if pages:
            return pages, "articles"
    return pages_from_index(index, rendered), "index"


def package_folder(out_dir: Path, output: Path | None = None) -> WaczResult:
    """Write DIR/package/<folder name>.wacz (or `output`) from the folder's closed WARC files."""
    if not Path(out_dir).is_dir():
        raise WaczError(f"{out_dir} is not a folder")
    layout = Layout.create(out_dir)  # refuses links and pipes in the folders read and written
    warcs = layout.closed_warcs()
    if not warcs:
        raise WaczError(f"no closed WARC files in {layout.warc_dir}")
    build_index(layout.root)  # cheap when up to date; pages need every WARC in the index
    pages, _ = folder_pages(layout)
    logs = sorted(p for p in layout.logs_dir.iterdir() if p.is_file() and p.suffix in LOG_SUFFIXES)
    target = output or layout.root / PACKAGE_DIR / f"{package_name(layout.root)}.wacz"
    return create_wacz(
        warcs,
        pages,
        target,
        title=f"seedcrawl: {layout.root.name}",
        description=f"Web archive of the seedcrawl output folder {layout.root.name}",
        logs=logs,
    )


def add_package_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "package", help="write DIR/package/<name>.wacz (WARC files, index, page list) for replay tools"
    )
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the package here instead (a .wacz file)"
    )


def cmd_package(args: argparse.Namespace) -> int:
    from seedcrawl.folders import closed_warcs_or_nothing, existing_folder

    output: Path | None = args.output
    if output is not None and output.suffix != ".wacz":
        print("seedcrawl: --output must end in .wacz", file=sys.stderr)
        return 2
    closed_warcs_or_nothing(existing_folder(args.out), "package")
    try:
        result = package_folder(args.out, output)
    except WaczError as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return 1
    print(
        f"package: {result.path}  ({result.warcs} WARC files, {result.pages} pages, {result.bytes:,} bytes; "
        "validated with `wacz validate`)",
        file=sys.stderr,
    )
    return 0
