"""One lock per output folder, shared by the steps of one run and refused to everyone else.

The flow holds the folder's lock for the whole run and starts the crawl as a child process, then
processes in its own process; both take the same lock and must borrow it instead of waiting for
themselves. Another run, or a process that is not part of the run, still finds the folder busy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from seedcrawl.outdir.errors import FolderBusy
from seedcrawl.outdir.lock import LOCK_NAME, RUN_LOCK_NAME, SHARED_LOCK_ENV, FolderLock

CHILD = (
    "import sys; from pathlib import Path; from seedcrawl.outdir.lock import FolderLock;"
    "from seedcrawl.outdir.errors import FolderBusy\n"
    "lock = FolderLock(Path(sys.argv[1]))\n"
    "try:\n    lock.acquire()\nexcept FolderBusy as exc:\n    print('busy:', exc)\n"
    "else:\n    print('borrowed' if lock.borrowed else 'locked'); lock.release()\n"
)


HOLD = (
    "import sys; from pathlib import Path; from seedcrawl.outdir.lock import FolderLock;"
    "FolderLock(Path(sys.argv[1])).acquire(); print('held', flush=True); sys.stdin.read()"
)


def child_takes(folder: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(("share", "name"), [(True, LOCK_NAME), (False, RUN_LOCK_NAME)])
def test_a_shared_run_lock_is_borrowed_by_the_run_and_refused_to_others(
    tmp_path: Path, share: bool, name: str
) -> None:
    with FolderLock(tmp_path, share=share, name=name) as run:
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
        step = FolderLock(tmp_path)  # processing, in the run's own process
        step.acquire()
        assert step.borrowed
        step.release()
        # the crawl's capture extension re-checks a lock its crawl holds: a borrowed one counts
        FolderLock(tmp_path, held=True).acquire()
        assert child_takes(tmp_path, dict(os.environ)) == "borrowed"  # the crawl, a child of the run
        outsider = {k: v for k, v in os.environ.items() if k != SHARED_LOCK_ENV}
        assert child_takes(tmp_path, outsider).startswith("busy: output folder")
        assert run.borrowed is False
    assert SHARED_LOCK_ENV not in os.environ
    assert child_takes(tmp_path, dict(os.environ)) == "locked"


def test_an_unshared_lock_is_not_lent(tmp_path: Path) -> None:
    with FolderLock(tmp_path), pytest.raises(FolderBusy, match="in use by another seedcrawl run"):
        FolderLock(tmp_path).acquire()
    assert SHARED_LOCK_ENV not in os.environ
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy, match="not locked by this process"):
            FolderLock(tmp_path, held=True).acquire()
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_shared_lock_variable_lends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the run that set the variable has ended; a child of it lives on and must really lock the folder
    with FolderLock(tmp_path, share=True):
        stale = os.environ[SHARED_LOCK_ENV]
    monkeypatch.setenv(SHARED_LOCK_ENV, stale)
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert not lock.borrowed
    lock.release()
    # nor once another process holds the folder: the variable names the old holder
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != SHARED_LOCK_ENV},
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy):
            FolderLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()


def test_a_flow_run_and_a_crawl_exclude_each_other_through_the_one_lock(tmp_path: Path) -> None:
    # a plain crawl (not one of the run's steps) is refused for the whole run, and the other way round
    with FolderLock(tmp_path, name=RUN_LOCK_NAME):
        outsider = {k: v for k, v in os.environ.items() if k != SHARED_LOCK_ENV}
        assert child_takes(tmp_path, outsider).startswith("busy:")
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME]
    with FolderLock(tmp_path), pytest.raises(FolderBusy):
        FolderLock(tmp_path, name=RUN_LOCK_NAME).acquire()
