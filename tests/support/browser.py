"""Chromium for the tests that need a real browser: they fail, saying how to install it, without it."""

from __future__ import annotations

import pytest

from seedcrawl.crawler import settings as defaults
from seedcrawl.crawler.chromium.browser import chromium_path

INSTALL = "apt-get install chromium (.ci/run installs it)"


def require_chromium() -> str:
    found = chromium_path(defaults.SEEDCRAWL_BROWSER_EXECUTABLE)
    if found is None:
        pytest.fail(f"this test needs Chromium at {defaults.SEEDCRAWL_BROWSER_EXECUTABLE}: {INSTALL}")
    return found
