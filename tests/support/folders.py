"""Output folders for CLI tests: a small crawl-like one, its exact state, and read-only runs.

`snapshot` records every entry (path, kind, mode, size, mtime, content hash), so a test can assert
that a command that refused to run left the folder exactly as it was: nothing created, nothing
appended, nothing touched.

Read-only folders: root ignores permission bits, so `chmod -R a-w` proves nothing when the suite
runs as root (in CI and containers it does). `run_unprivileged` then runs the command without the
capabilities that let root override them (setpriv), so the bits hold; a normal user runs it as is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from seedcrawl.archive.index import build_index
from tests.support.cli import REPO, seedcrawl_command
from tests.support.warcs import Golden, build_golden

# what lets root read, write and chmod whatever the permission bits say
DAC_OVERRIDES = ("dac_override", "dac_read_search", "fowner")
Entry = tuple[str, int, int, int, str]


def folder_with_earlier_work(root: Path) -> Path:
    """A folder holding a file of earlier work, which a refused command must leave as it was."""
    root.mkdir(parents=True)
    (root / "keep.txt").write_text("earlier work")
    return root


def crawl_folder(root: Path) -> Golden:
    """`root` as a crawl leaves it: one closed WARC file (three pages and a revisit) and its index."""
    (root / "warc").mkdir(parents=True)
    golden = build_golden(root / "warc" / "seedcrawl-20261122100000-00000.warc.gz")
    build_index(root)
    return golden


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry under `root` (root included): kind and mode, size, mtime in ns, content hash."""
    entries: dict[str, Entry] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else ""
        entries[str(path.relative_to(root))] = (
            str(stat.S_IFMT(info.st_mode)),
            info.st_mode,
            info.st_size,
            info.st_mtime_ns,
            digest,
        )
    return entries


def make_read_only(root: Path) -> None:
    """`chmod -R a-w root`."""
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(root: Path) -> None:
    """Undo `make_read_only` (pytest removes its temporary folders as a normal user may)."""
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def unprivileged_prefix() -> list[str]:
    """The command prefix under which permission bits hold: none for a normal user; for root,
    setpriv without the capabilities that override them (it stays root, owner of its files)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made to refuse root")
    return [setpriv, f"--bounding-set=-{',-'.join(DAC_OVERRIDES)}"]


def run_unprivileged(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """`seedcrawl ARGS` as a user whom permission bits bind."""
    return subprocess.run(
        [*unprivileged_prefix(), *seedcrawl_command(*args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
