"""One run at a time per output folder.

An advisory `flock` on `DIR/.seedcrawl.lock` is released by the kernel when the holder dies, even
by SIGKILL, so a crash never leaves a stale lock behind. Prefect's concurrency limits cannot do
this: they know nothing of folders.

A run made of steps (the flow: crawl in a child process, then processing, index and package) holds
the folder's lock once for all of them with `share=True` (or `name=RUN_LOCK_NAME`): it names the lock in the environment
(SEEDCRAWL_SHARED_LOCK), and a `FolderLock` of the same file in that process or in a child it
starts borrows it instead of waiting for itself. Anyone else still finds the folder busy.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from seedcrawl.outdir.errors import FolderBusy

SHARED_LOCK_ENV = "SEEDCRAWL_SHARED_LOCK"

LOCK_NAME = ".seedcrawl.lock"  # the folder's one run lock
# What a flow run (crawl -> process -> index -> package) asks for: not a second file, but the
# folder's lock shared with the run's own steps, so nothing else can slip in between two of them.
RUN_LOCK_NAME = ".seedcrawl-run.lock"


class FolderLock:
    def __init__(
        self,
        folder: Path,
        *,
        wait: float = 0.0,
        name: str = LOCK_NAME,
        held: bool = False,
        share: bool = False,
    ) -> None:
        """`held`: a caller in this process holds the lock already (and releases it): acquiring
        then only checks that the lock file names this process, and releasing does nothing.
        `share`: while held, this process and the processes it starts may borrow the lock."""
        run = name == RUN_LOCK_NAME
        self.path = folder / (LOCK_NAME if run else name)
        self.wait = wait
        self.held = held
        self.share = share or run
        self.borrowed = False
        self._fd: int | None = None

    def acquire(self) -> None:
        if not self.held and not self.share and self._shared_with_us():
            self.borrowed = True  # the run this process belongs to holds it and releases it
            return
        if self.held:
            # a caller here took it, or borrowed it from the run this process belongs to
            if self.holder() != str(os.getpid()) and not self._shared_with_us():
                raise FolderBusy(f"output folder {self.path.parent} is not locked by this process")
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                    os.close(fd)
                    raise FolderBusy(
                        f"output folder {self.path.parent} is in use by another seedcrawl run (pid {holder})"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        if self.share:
            os.environ[SHARED_LOCK_ENV] = self._key()

    def _key(self) -> str:
        # the holder's pid too: a stale variable must not lend a lock someone else took since
        return f"{os.getpid() if self._fd is not None else self.holder()}:{self.path.parent.resolve() / self.path.name}"

    def _shared_with_us(self) -> bool:
        """Whether a run this process belongs to shares this lock and still holds it."""
        if os.environ.get(SHARED_LOCK_ENV) != self._key():
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True  # held, and by our run: the variable came from its holder
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False  # a stale variable: the run that set it has ended
        finally:
            os.close(fd)

    def holder(self) -> str:
        """The pid the lock file names (the last process that held it), or "unknown"."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return "unknown"
        try:
            return os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
        finally:
            os.close(fd)

    def release(self) -> None:
        self.borrowed = False
        if self._fd is not None:
            if self.share and os.environ.get(SHARED_LOCK_ENV) == self._key():
                del os.environ[SHARED_LOCK_ENV]
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
