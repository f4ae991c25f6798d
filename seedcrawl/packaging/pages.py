"""The page list of a package: which captures a replay tool opens on, read from the CDXJ index.

The page list names the articles of the corpus (with their titles), so ReplayWeb.page opens on
the news, not on every section and error page. A folder not processed yet lists its 200 HTML
responses instead. A page rendered in the browser carries why ("rendered"), from its DOM record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.archive.errors import WarcFormatError
from seedcrawl.archive.reader import read_record
from seedcrawl.archive.records import DOM_PREFIX
from seedcrawl.contract.records import iter_lines

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


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
