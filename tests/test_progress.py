"""Progress bars on a terminal: `crawl` against its --max-pages budget, `process` against its records.

The commands run under a pseudo-terminal, as a person at a terminal runs them; piped (as every
other test runs them) they print no bar.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import FAST, REPO, seedcrawl_command
from tests.support.testweb import DemoWeb

pytestmark = pytest.mark.slow
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(*args: str) -> str:
    """Run `seedcrawl ARGS` with stderr on a pseudo-terminal; returns what it showed there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        seedcrawl_command(*args), cwd=REPO, stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "160", "TERM": "xterm"},
    )  # fmt: skip
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.wait(timeout=180) == 0, shown.decode(errors="replace")[-2000:]
    return ANSI.sub("", shown.decode("utf-8", "replace"))


def test_crawl_and_process_show_progress_with_totals(demo_web: DemoWeb, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shown = on_terminal("crawl", "--out", str(out), *FAST, "--max-pages", "12", "-s",
                        "SEEDCRAWL_PROGRESS_INTERVAL=0.2", *demo_web.seed_urls)  # fmt: skip
    fetched = json.loads(next((out / "logs").glob("crawl-*.json")).read_text())["pages"]
    crawled = re.findall(r"\b(\d+)/12 pages [\d.]+ pages/s [\d:]+ ETA", shown)  # of the budget
    assert len(crawled) > 1 and int(crawled[-1]) == fetched > 0, shown[-1500:]
    shown = on_terminal("process", str(out), "--workers", "1")
    done = re.findall(r"\b(\d+)/(\d+) records [\d.]+ records/s [\d:]+ ETA", shown)
    assert len(done) > 1 and done[-1][0] == done[-1][1] and int(done[-1][1]) >= 12, shown[-1500:]


def test_no_bar_when_not_on_a_terminal(demo_web: DemoWeb, tmp_path: Path) -> None:
    out = tmp_path / "out"
    piped = subprocess.run(
        [*seedcrawl_command("crawl", "--out", str(out), *FAST, "--max-pages", "5", *demo_web.seed_urls[:1])],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert piped.returncode == 0 and "pages/s" not in piped.stderr
    piped = subprocess.run(
        seedcrawl_command("process", str(out)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert piped.returncode == 0 and "records/s" not in piped.stderr
