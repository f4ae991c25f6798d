"""Output folders for CLI tests: a small crawl-like one, its exact state, and read-only runs.

`snapshot` records every entry (path, kind, mode, size, mtime, content hash), so a test can assert
that a command that refused to run left the folder exactly as it was: nothing created, nothing
appended, nothing touched.

Read-only folders: root ignores permission bits, so `chmod -R a-w` proves nothing when the suite
runs as root (in CI and containers it does). `run_unprivileged` then runs the command as the user
`nobody` (setpriv), for whom the bits hold; a normal user runs it as it is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from seedcrawl.archive.index import build_index
from tests.support.cli import REPO, seedcrawl_command
from tests.support.warcs import Golden, build_golden

NOBODY = 65534
Entry = tuple[str, int, int, int, str]


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
    """`chmod -R a-w root`, readable and searchable by anyone (the unprivileged user reads it)."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        extra = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if path.is_dir():
            extra |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        path.chmod((mode | extra) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A temporary folder the unprivileged user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="seedcrawl-cli-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        make_writable(path)
        shutil.rmtree(path, ignore_errors=True)


def unprivileged_prefix() -> list[str]:
    """The command prefix under which permission bits hold: none for a normal user, setpriv for root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made to refuse root")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def give_to_unprivileged(path: Path) -> None:
    """Let the user `run_unprivileged` runs as write into `path` (a folder made for the test)."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)


def run_unprivileged(args: Sequence[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`seedcrawl ARGS` as a user without root's override of permission bits."""
    return subprocess.run(
        [*unprivileged_prefix(), *seedcrawl_command(*args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(home)},
        check=False,
    )
