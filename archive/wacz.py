"""WACZ packages: WARC files, their index and a page list in one zip that replay tools open as is.

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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.archive.errors import WarcFormatError
from seedcrawl.archive.reader import read_record
from seedcrawl.archive.records import DOM_PREFIX
from seedcrawl.outdir.atomic import fsync_dir

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
PAGE_LIST = "pages/pages.jsonl"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
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
class Page:
    url: str
    timestamp: str  # 14 digits, as in CDXJ and the WARC-Date of the capture
    title: str | None = None
    # Why the page was rendered in a browser, if it was (None: fetched over HTTP only). Written as
    # "rendered" in pages.jsonl; json-pages-1.0 readers ignore fields they do not know.
    rendered: str | None = None

    def to_json(self) -> dict[str, str]:
        t = self.timestamp
        iso = f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"
        found = {"url": self.url, "ts": iso, "title": self.title or self.url}
        if self.rendered is not None:
            found["rendered"] = self.rendered
        return found


@dataclass(frozen=True, slots=True)
class WaczResult:
    path: Path
    warcs: int  # WARC files in the package
    pages: int  # entries of pages/pages.jsonl
    bytes: int  # size of the package


def _index_entries(index: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with index.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) == 3 and parts[2].startswith("{"):
                yield parts[1], json.loads(parts[2])


def _is_html_page(fields: dict[str, str]) -> bool:
    mime = fields.get("mime", "").split(";")[0].strip().lower()
    return (
        fields.get("warc-type", "response") == "response"
        and fields.get("status") == "200"
        and mime in HTML_TYPES
    )


def pages_from_index(index: Path, rendered: dict[str, str] | None = None) -> list[Page]:
    """One page per 200 HTML response in a CDXJ index, in index order.

    Page requisites (stylesheets, scripts, images, fonts) are not HTML, so they are not listed.
    `rendered` (from `rendered_reasons`) marks the pages rendered in the browser, and why.
    """
    rendered = rendered or {}
    return [
        Page(fields["url"], timestamp, rendered=rendered.get(fields["url"]))
        for timestamp, fields in _index_entries(index)
        if _is_html_page(fields) and "url" in fields
    ]


def _dom_page_url(fields: dict[str, str]) -> str | None:
    url = fields.get("url", "")
    if fields.get("warc-type") == "resource" and url.startswith(DOM_PREFIX) and "offset" in fields:
        return url[len(DOM_PREFIX) :]
    return None


def captures_by_location(index: Path, rendered: dict[str, str] | None = None) -> dict[tuple[str, int], Page]:
    """Responses of a CDXJ index by (WARC file name, offset), to turn a record reference into a page.

    A rendered DOM (`urn:dom:<url>`, what `process` extracted a rendered page from) stands for
    its page as last captured over HTTP before it: that capture is what replay tools open.
    """
    rendered = rendered or {}
    found: dict[tuple[str, int], Page] = {}
    latest: dict[str, str] = {}  # page URL -> timestamp of its latest response so far
    for timestamp, fields in sorted(_index_entries(index), key=lambda entry: entry[0]):
        name = Path(fields.get("filename", "")).name
        page_url = _dom_page_url(fields)
        if page_url is not None and page_url in latest:
            found[(name, int(fields["offset"]))] = Page(
                page_url, latest[page_url], rendered=rendered.get(page_url)
            )
        elif fields.get("warc-type", "response") == "response" and "url" in fields and "offset" in fields:
            url = fields["url"]
            if _is_html_page(fields):
                latest[url] = timestamp
            found[(name, int(fields["offset"]))] = Page(url, timestamp, rendered=rendered.get(url))
    return found


def rendered_reasons(index: Path, warc_dir: Path) -> dict[str, str]:
    """Page URL -> why it was rendered in the browser (its DOM record's WARC-Rendered-Reason)."""
    reasons: dict[str, str] = {}
    for _, fields in _index_entries(index):
        page_url = _dom_page_url(fields)
        if page_url is None:
            continue
        try:
            record = read_record(
                warc_dir / Path(fields.get("filename", "")).name, int(fields["offset"]), max_payload=1
            )
        except (OSError, ValueError, WarcFormatError):
            continue  # a file gone since indexing: the page is listed without the mark
        reasons[page_url] = record.warc_header("WARC-Rendered-Reason") or "rendered"
    return reasons


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
