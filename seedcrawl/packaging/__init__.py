"""Packaging: an output folder's WARC files as one WACZ that replay tools open directly.

    folder.py  which files and pages go into DIR/package/<name>.wacz (`package_folder`)
    pages.py   the page list, read from the CDXJ index and the corpus
    wacz.py    py-wacz in a child process: create, validate, rename into place

Used by `seedcrawl package` (seedcrawl/package_cmd.py) and the crawl flow's package step.
"""

from seedcrawl.packaging.folder import PACKAGE_DIR, package_folder, package_name
from seedcrawl.packaging.pages import Page, pages_from_index
from seedcrawl.packaging.wacz import WaczError, WaczResult, create_wacz, validate_wacz

__all__ = [
    "PACKAGE_DIR",
    "Page",
    "WaczError",
    "WaczResult",
    "create_wacz",
    "package_folder",
    "package_name",
    "pages_from_index",
    "validate_wacz",
]
