"""WACZ files: WARC files, their index and a page list in one zip that replay tools open as is.

py-wacz builds the zip (CDX index, `datapackage.json` with a hash per file) and checks it. It runs
in a child process, for three reasons: importing it appends "warcinfo" to cdxj-indexer's
process-wide `DEFAULT_RECORDS`, it prints progress on stdout, and `python -m wacz` throws away
the exit status (its `__main__` ignores what `main()` returns), so we run `main()` through `-c`;
a package is validated in the same child right after it is created.

Its own page detection finds nothing in a crawl like ours, so the caller passes the pages in. A
page is listed only when its URL and timestamp match a captured response exactly; py-wacz drops
the others, so `WaczResult.pages` counts what the package really lists.

The package is built and validated under a temporary name beside the target and renamed over
it, so a reader sees the previous package or the new one, never a partial or invalid one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.outdir.atomic import fsync_dir
from seedcrawl.packaging.pages import Page

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
PAGE_LIST = "pages/pages.jsonl"
_RUN_WACZ = "import sys; from wacz.main import main; sys.exit(main(sys.argv[1:]))"
# create, then validate in the same child: one interpreter start and one py-wacz import fewer
_CREATE_AND_VALIDATE = """
import sys
from wacz.main import main
args = sys.argv[1:]
status = main(args)
sys.exit(status or main(["validate", "-f", args[args.index("-o") + 1]]))
"""
WACZ_TIMEOUT_S = 3600.0  # a hung child must not hold a flow run (and its folder lock) forever


class WaczError(Exception):
    """A package could not be built, or py-wacz rejected it."""


@dataclass(frozen=True, slots=True)
class WaczResult:
    path: Path
    warcs: int  # WARC files in the package
    pages: int  # entries of pages/pages.jsonl
    bytes: int  # size of the package


def write_pages(pages: Iterable[Page], path: Path) -> int:
    """Write a json-pages-1.0 list; repeated (url, timestamp) pairs are written once."""
    seen: set[tuple[str, str]] = set()
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(PAGES_HEADER) + "\n")
        for page in pages:
            if (page.url, page.timestamp) not in seen:
                seen.add((page.url, page.timestamp))
                fh.write(json.dumps(page.to_json(), ensure_ascii=False) + "\n")
    return len(seen)


def _run_wacz(args: Sequence[str], cwd: Path, script: str = _RUN_WACZ) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=WACZ_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WaczError(f"wacz {args[0]} did not finish within {exc.timeout:.0f} s") from None


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    text = (done.stdout + done.stderr).strip().splitlines()
    return " / ".join(text[-3:]) or f"exit status {done.returncode}"


def validate_wacz(path: Path) -> None:
    """Raise WaczError unless `wacz validate` accepts the package."""
    done = _run_wacz(["validate", "-f", str(path)], path.parent)
    if done.returncode != 0 or "Validation succeeded" not in done.stdout:
        raise WaczError(f"wacz validate rejected {path.name}: {_tail(done)}")


def _listed_pages(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        if PAGE_LIST not in zf.namelist():
            return 0
        return max(0, sum(1 for line in zf.read(PAGE_LIST).splitlines() if line.strip()) - 1)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_regular_file(source: Path, target: Path) -> None:
    """Copy a regular file, never what a link planted at its name (or a named pipe) leads to."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise WaczError(f"cannot read {source}: {exc.strerror or exc} (a symbolic link?)") from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WaczError(f"{source} is not a regular file")
        with target.open("xb") as copy:
            shutil.copyfileobj(stream, copy)


def create_wacz(
    warcs: Sequence[Path],
    pages: Iterable[Page],
    output: Path,
    *,
    title: str | None = None,
    description: str | None = None,
    logs: Sequence[Path] = (),
) -> WaczResult:
    """Package `warcs` (and `logs`, kept under logs/) as `output`, validated, replacing any old one."""
    if not warcs:
        raise WaczError("no WARC files to package")
    output = output.absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}."))
    try:
        pages_file = work / "pages.jsonl"
        write_pages(pages, pages_file)
        building = work / output.name
        args = ["create", "-o", str(building), "-p", str(pages_file)]
        if title:
            args += ["--title", title]
        if description:
            args += ["--desc", description]
        if logs:
            # py-wacz adds every entry of one folder; give it a folder holding exactly these files
            log_dir = work / "logs"
            log_dir.mkdir()
            for log in logs:
                _copy_regular_file(log, log_dir / log.name)
            args += ["-l", str(log_dir)]
        done = _run_wacz([*args, *(str(Path(w).absolute()) for w in warcs)], work, _CREATE_AND_VALIDATE)
        if done.returncode != 0 or not building.exists():
            raise WaczError(f"wacz create or validate failed: {_tail(done)}")
        listed = _listed_pages(building)
        _fsync(building)
        os.replace(building, output)
        fsync_dir(output.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return WaczResult(output, len(warcs), listed, output.stat().st_size)
