"""One run at a time per output folder.

An advisory `flock` on `DIR/.seedcrawl.lock` is released by the kernel when the holder dies, even
by SIGKILL, so a crash never leaves a stale lock behind. Prefect's concurrency limits cannot do
this: they know nothing of folders.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from seedcrawl.outdir.errors import FolderBusy

LOCK_NAME = ".seedcrawl.lock"  # held while a crawl or processing writes into the folder
RUN_LOCK_NAME = ".seedcrawl-run.lock"  # held by a whole flow run (crawl -> process -> index -> package)


class FolderLock:
    def __init__(self, folder: Path, *, wait: float = 0.0, name: str = LOCK_NAME, held: bool = False) -> None:
        """`held`: a caller in this process holds the lock already (and releases it): acquiring
        then only checks that the lock file names this process, and releasing does nothing."""
        self.path = folder / name
        self.wait = wait
        self.held = held
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.held:
            if self.holder() != str(os.getpid()):
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
        if self._fd is not None:
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
