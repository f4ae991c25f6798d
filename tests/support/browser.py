"""Chromium for the tests that need a real browser: they fail, saying how to install it, without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedcrawl.crawler import settings as defaults
from seedcrawl.crawler.chromium.browser import chromium_path

INSTALL = "apt-get install chromium (.ci/run installs it)"


def require_chromium() -> str:
    found = chromium_path(defaults.SEEDCRAWL_BROWSER_EXECUTABLE)
    if found is None:
        pytest.fail(f"this test needs Chromium at {defaults.SEEDCRAWL_BROWSER_EXECUTABLE}: {INSTALL}")
    return found


def process_alive(pid: int) -> bool:
    """`pid` runs (a zombie, ended but not yet reaped, does not count)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
