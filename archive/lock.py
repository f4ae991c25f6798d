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

from archive.errors import FolderBusy

LOCK_NAME = ".seedcrawl.lock"  # held while a crawl or processing writes into the folder
RUN_LOCK_NAME = ".seedcrawl-run.lock"  # held by a whole flow run (crawl -> process -> index -> package)


class FolderLock:
    def __init__(self, folder: Path, *, wait: float = 0.0, name: str = LOCK_NAME) -> None:
        self.path = folder / name
        self.wait = wait
        self._fd: int | None = None

    def acquire(self) -> None:
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
