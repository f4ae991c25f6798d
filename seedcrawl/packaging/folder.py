"""An output folder as one WACZ: DIR/package/<folder name>.wacz, or a file named elsewhere.

The WARC files, a page list (the corpus articles, else every 200 HTML response; see
`seedcrawl.packaging.pages`) and the crawl logs from DIR/logs (which end with each crawl's
summary, as provenance) go in.

A package written elsewhere (`output`) reads the folder only, so it works on a read-only archive
(a copy on a read-only mount, a colleague's folder): the index pages are read from is then built
beside the package, in a temporary folder, instead of DIR/indexes.
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
import tempfile
from pathlib import Path

from seedcrawl.archive.index import INDEX_NAME, build_index, index_lines
from seedcrawl.contract.records import ARTICLES
from seedcrawl.outdir.errors import OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.packaging.pages import (
    Page,
    article_pages,
    captures_by_location,
    pages_from_index,
    rendered_reasons,
)
from seedcrawl.packaging.wacz import WaczError, WaczResult, create_wacz

PACKAGE_DIR = "package"
# not .json: frictionless (inside `wacz validate`) reads any .json file as package metadata and fails
LOG_SUFFIXES = (".log",)


def package_name(out_dir: Path) -> str:
    """A file name stem from the folder's name: "News 2026" -> "news-2026"."""
    slug = re.sub(r"[^a-z0-9]+", "-", out_dir.absolute().name.lower()).strip("-")
    return slug or "seedcrawl"


def folder_pages(root: Path, index: Path) -> tuple[list[Page], str]:
    """The pages to list and where they came from ("articles" or "index")."""
    articles = root / "corpus" / ARTICLES
    rendered = rendered_reasons(index, root / "warc")
    if articles.is_file():
        pages = article_pages(articles, captures_by_location(index, rendered))
        if pages:
            return pages, "articles"
    return pages_from_index(index, rendered), "index"


def package_folder(out_dir: Path, output: Path | None = None) -> WaczResult:
    """Write DIR/package/<folder name>.wacz (or `output`) from the folder's closed WARC files.

    Raises `WaczError` for a folder with nothing to package or a package py-wacz rejects, and
    `OutputError` for a folder (or `output`'s folder) that cannot be used.
    """
    root = Path(out_dir).absolute()
    if not root.is_dir():
        raise WaczError(f"{out_dir} is not a folder")
    Layout(root).refuse_links()  # no links or pipes where it reads and writes; creates nothing
    warcs = sorted((root / "warc").glob("*.warc.gz"))
    if not warcs:
        raise WaczError(f"no closed WARC files in {root / 'warc'}")
    target = (output or root / PACKAGE_DIR / f"{package_name(root)}.wacz").absolute()
    _refuse_unwritable(target, root)
    logs_dir = root / "logs"
    logs = (
        sorted(p for p in logs_dir.iterdir() if p.is_file() and p.suffix in LOG_SUFFIXES)
        if logs_dir.is_dir()
        else []
    )
    description = f"Web archive of the seedcrawl output folder {root.name}"
    if _can_write(root):
        build_index(root)  # cheap when up to date; pages need every WARC in the index
        pages, _ = folder_pages(root, root / "indexes" / INDEX_NAME)
        return create_wacz(
            warcs, pages, target, title=f"seedcrawl: {root.name}", description=description, logs=logs
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.index."))
    try:
        pages, _ = folder_pages(root, _index_beside(warcs, work))
        return create_wacz(
            warcs, pages, target, title=f"seedcrawl: {root.name}", description=description, logs=logs
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _can_write(folder: Path) -> bool:
    # os.access answers for the real user and honours read-only mounts; root passes it, and can write.
    return os.access(folder, os.W_OK | os.X_OK)


def _refuse_unwritable(target: Path, root: Path) -> None:
    """Fail before any work when the package cannot be written where it should go."""
    existing = target.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not _can_write(existing):
        hint = " (the folder is read-only: give --output FILE.wacz elsewhere)" if existing == root else ""
        raise OutputError(f"cannot write the package {target}: {existing} is not writable{hint}")


def _index_beside(warcs: list[Path], work: Path) -> Path:
    """The folder's CDXJ index, built in `work` (the archive's own folder cannot take it)."""
    index = work / INDEX_NAME
    with index.open("w", encoding="utf-8") as out:
        out.writelines(heapq.merge(*(index_lines(warc, spill_dir=work) for warc in warcs)))
    return index
