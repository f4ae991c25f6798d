"""Replace a file so that readers, and the disk after a crash, see its old content or all of the new.

The new content goes to a temporary file beside the target, which is synced, renamed over the
target, and then the folder is synced too: the rename itself reaches the disk only with the
folder's entry. The temporary file is created with O_EXCL | O_NOFOLLOW (a link planted at its name
is refused, never written through) and named after the process, so two processes replacing the
same file never write into one temporary file; the rename replaces a link planted at the target
itself, never the file it points at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

__all__ = ["fsync_dir", "replace_atomically", "write_bytes_atomically"]

T = TypeVar("T")


def fsync_dir(folder: Path) -> None:
    """Sync a folder's entries (the names created, renamed or removed in it) to the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(path: Path, write: Callable[[BinaryIO], T]) -> T:
    """Write the new content of `path` with `write(stream)`, then put it in place; returns what
    `write` returned. If `write` raises, `path` is untouched and the temporary file removed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a killed process that had this pid
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as stream:
            result = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return result


def write_bytes_atomically(path: Path, data: bytes) -> None:
    replace_atomically(path, lambda stream: stream.write(data))
