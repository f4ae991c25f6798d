"""report.html in a real browser: headless Chromium (the system's, driven by Playwright).

A focused crawl of the demo web with a page budget, then `seedcrawl process`, leaves report.html;
the page is opened from the disk, every request it makes is recorded, and what it shows is
compared with the run's summary. The screenshot in the README (docs/report.png) is taken here:
`SEEDCRAWL_UPDATE_SCREENSHOT=1` writes it into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from seedcrawl.report.charts import CHARTS
from tests.support.cli import REPO, crawl, run_seedcrawl
from tests.support.testweb import DemoWeb

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# a mark drawn by plotly: a bar, a histogram bin, a line or a marker, with a non-empty path
COUNT_MARKS = """chart => Array.from(chart.querySelectorAll('svg .trace path, svg .point path'))
    .filter(p => (p.getAttribute('d') || '').length > 2).length"""


@dataclass
class Shown:
    console_errors: list[str]
    requests: list[str]
    values: dict[str, str]  # data-key -> text of the at-a-glance table
    marks: dict[str, int]  # chart name -> marks drawn
    screenshot: Path
    report: Path
    summary: dict[str, Any]
    process: dict[str, Any]


@pytest.fixture(scope="module")
def shown(demo_web: DemoWeb, tmp_path_factory: pytest.TempPathFactory) -> Shown:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the report's browser test needs it (apt-get install chromium)")
    out = tmp_path_factory.mktemp("report") / "news"
    crawl(out, demo_web.seed_urls, "--depth", "6", "--max-pages", "60", "--run-id", "focused",
          "--topic", "kerry lavrov syria talks")  # fmt: skip
    done = run_seedcrawl(["process", str(out), "--workers", "1", "--keep-off-topic"])
    assert done.returncode == 0, done.stderr[-2000:]
    report = out / "report.html"
    assert f"report: {report}" in done.stderr
    screenshot = out.parent / "report.png"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1700})
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_selector(".chart .main-svg")
            values = page.eval_on_selector_all(
                "[data-key]", "cells => Object.fromEntries(cells.map(c => [c.dataset.key, c.textContent]))"
            )
            marks = {name: page.eval_on_selector(f'[data-chart="{name}"]', COUNT_MARKS) for name in CHARTS}
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    if os.environ.get("SEEDCRAWL_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(screenshot, REPO / "docs" / "report.png")
    summary = json.loads((out / "logs" / "crawl-focused.json").read_text())
    process = json.loads((out / "logs" / "process-latest.json").read_text())
    return Shown(errors, requests, values, marks, screenshot, report, summary, process)


def test_the_page_loads_without_errors_and_fetches_nothing(shown: Shown) -> None:
    assert shown.console_errors == []
    assert shown.requests == [shown.report.as_uri()]


def test_every_chart_is_drawn(shown: Shown) -> None:
    assert set(shown.marks) == set(CHARTS)
    assert all(n > 0 for n in shown.marks.values()), shown.marks


def test_numbers_on_the_page_are_the_runs(shown: Shown) -> None:
    summary, process, values = shown.summary, shown.process, shown.values
    for key in ("pages", "requests", "bytes", "revisits"):
        assert values[key] == f"{summary[key]:,}", key
    for key in ("articles", "duplicates", "rejects"):
        assert values[key] == f"{process[key]:,}", key
    assert values["run_id"] == "focused"
    assert values["exit_code"] == "0" == str(summary["exit_code"])
    assert values["errors"] == f"{sum(summary['errors'].values()):,}"
    assert summary["budget_exhausted"] and summary["pages"] <= 60


def test_the_screenshot_is_taken(shown: Shown) -> None:
    assert shown.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seedcrawl_report_rebuilds_it(shown: Shown, tmp_path: Path) -> None:
    shown.report.unlink()
    done = run_seedcrawl(["report", str(shown.report.parent), "--replay-base", "http://127.0.0.1:9/coll/"])
    assert done.returncode == 0, done.stderr
    page = shown.report.read_text(encoding="utf-8")
    assert 'href="http://127.0.0.1:9/coll/' in page  # capture links point at the replay given
    assert "<script src" not in page and "<link" not in page  # everything inlined
    assert all(f'data-chart="{name}"' in page for name in CHARTS)
    assert run_seedcrawl(["report", str(tmp_path / "missing")]).returncode == 2
