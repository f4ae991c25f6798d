"""The output folder: where each kind of file lives, and nothing outside it.

Every path seedcrawl writes is built here from fixed names, never from URLs or headers, and is
checked to stay inside the output folder, so a hostile page cannot steer a write elsewhere.

Anything but regular files and folders is refused: `create()` (what every command builds its
layout with) fails with `OutputError` when the folder, or one of the folders seedcrawl reads or
writes in, holds a symbolic link, a named pipe, a socket or a device, or when one of those
folders is not a folder, before anything is opened. SQLite, Scrapy's log and the JSON Lines files
would otherwise all write through a link planted at one of their names (the file it points at,
anywhere, would be overwritten or appended to), `index` would delete files in the folder a link
leads to, and opening a named pipe blocks for ever (Scrapy opens its log file before any of our
code runs). Our own openers use O_NOFOLLOW as well, so a link planted after the check is refused
when the file is opened.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from seedcrawl.outdir.errors import OutputError

# Folders whose files seedcrawl and the libraries it drives (SQLite, Scrapy's log) create or append to.
WRITTEN_FOLDERS = ("warc", "indexes", "indexes/parts", "state", "logs", "corpus", "dedup", "package")


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path
    state_name: str = (
        "state"  # a crawl shard keeps its state in "state/shardIofN" (crawler/sharding/shards.py)
    )

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> Layout:
        """Create (or reuse) an output folder, check that it is writable and holds only regular
        files and folders where seedcrawl reads and writes."""
        path = Path(root).expanduser().absolute()
        if path.exists() and not path.is_dir():
            raise OutputError(f"output path {path} exists and is not a folder")
        # Before the write probe: the probe itself must not be created through a planted link.
        layout = cls(path)
        layout.refuse_links()
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".write-test-{os.getpid()}"
            probe.unlink(missing_ok=True)  # left by a killed process that had this pid
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            os.close(fd)
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"output folder {path} is not writable: {exc.strerror or exc}") from None
        return layout

    def refuse_links(self) -> None:
        """Raise `OutputError` for the first entry of the output folder, or of a folder seedcrawl
        reads or writes in it, that is not a regular file or a folder (a link, a named pipe, ...)."""
        refuse_odd_entries(self.root)
        for name in WRITTEN_FOLDERS:
            refuse_odd_entries(self.root.joinpath(*name.split("/")))

    @property
    def warc_dir(self) -> Path:
        return self._dir("warc")

    @property
    def index_dir(self) -> Path:
        return self._dir("indexes")

    @property
    def state_dir(self) -> Path:
        return self._dir(self.state_name)

    @property
    def logs_dir(self) -> Path:
        return self._dir("logs")

    @property
    def corpus_dir(self) -> Path:
        return self._dir("corpus")

    def inside(self, *parts: str) -> Path:
        """A path under the root; raises if the parts would lead outside it."""
        candidate = self.root.joinpath(*parts)
        resolved = candidate.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise OutputError(f"refusing a path outside the output folder: {candidate}")
        return candidate

    def _dir(self, name: str) -> Path:
        path = self.inside(name)
        path.mkdir(exist_ok=True)
        return path

    def closed_warcs(self) -> list[Path]:
        """Closed WARC files in write order (names start with a timestamp and serial)."""
        return sorted(self.warc_dir.glob("*.warc.gz"))


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "neither a file nor a folder"


def refuse_odd_entries(folder: Path) -> None:
    """Raise `OutputError` when `folder` is not a folder, or holds anything but regular files and
    folders. A folder that does not exist is fine (it is created empty when needed). `folder`
    itself may be a link (the user named it; a link inside it is caught as an entry of its parent)."""
    try:
        folder_mode = os.stat(folder).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot use the output folder: {folder}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(folder_mode):
        raise OutputError(
            f"refusing to use the output folder: {folder} is {_kind(folder_mode)}, not a folder"
        )
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError as exc:
        raise OutputError(f"cannot use the output folder: {folder}: {exc.strerror or exc}") from None
    for entry in entries:
        path = entry.path
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except FileNotFoundError:  # a temporary file renamed or removed meanwhile
            continue
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            continue
        if stat.S_ISLNK(mode):
            raise OutputError(
                f"refusing to use the output folder: {path} is a symbolic link "
                f"(to {os.readlink(path)}); seedcrawl never writes through links, remove it"
            )
        raise OutputError(
            f"refusing to use the output folder: {path} is {_kind(mode)}; seedcrawl "
            "expects only regular files and folders there (opening it could block for ever), remove it"
        )
