"""Run the `seedcrawl` command in a child process, as users and flows do.

A crawl runs a Twisted reactor, which cannot be restarted inside one process, so tests that
crawl more than once run the command line in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from seedcrawl.crawl import LOOPBACK_SETTINGS

REPO = Path(__file__).resolve().parents[2]
FAST = LOOPBACK_SETTINGS


def seedcrawl_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "seedcrawl", *args]


def run_seedcrawl(
    args: Sequence[str], timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        seedcrawl_command(*args),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def crawl(
    out: Path, seeds: Sequence[str], *extra: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`seedcrawl crawl --out OUT SEEDS...` with politeness off; fails the test on a non-zero exit."""
    result = run_seedcrawl(["crawl", "--out", str(out), *FAST, *extra, *seeds], timeout=timeout)
    assert result.returncode == 0, f"crawl exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result


def installed(
    args: Sequence[str], timeout: float = 180, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """The installed `seedcrawl` command (the venv's console script), as a user runs it."""
    command = Path(sys.executable).with_name("seedcrawl")
    return subprocess.run(
        [str(command), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else dict(os.environ),
        check=False,
    )
