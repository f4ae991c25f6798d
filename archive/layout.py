"""The output folder: where each kind of file lives, and nothing outside it.

Every path seedcrawl writes is built here from fixed names, never from URLs or headers, and is
checked to stay inside the output folder, so a hostile page cannot steer a write elsewhere.

Symbolic links are refused: `create()` fails with `OutputError` when the folder, or one of the
folders seedcrawl writes in, holds a link, before anything is opened. SQLite, Scrapy's log and
the JSON Lines files would otherwise all write through a link planted at one of their names (the
file it points at, anywhere, would be overwritten or appended to). Our own openers use O_NOFOLLOW
as well, so a link planted after the check is refused when the file is opened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archive.errors import OutputError

# Folders whose files seedcrawl and the libraries it drives (SQLite, Scrapy's log) create or append to.
WRITTEN_FOLDERS = ("warc", "indexes", "indexes/parts", "state", "logs", "corpus", "dedup", "package")


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> Layout:
        """Create (or reuse) an output folder and check that it is writable."""
        path = Path(root).expanduser().absolute()
        if path.exists() and not path.is_dir():
            raise OutputError(f"output path {path} exists and is not a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"output folder {path} is not writable: {exc.strerror or exc}") from None
        layout = cls(path)
        layout.refuse_links()
        return layout

    def refuse_links(self) -> None:
        """Raise `OutputError` for the first symbolic link among the files seedcrawl may write."""
        for folder in (self.root, *(self.root.joinpath(*name.split("/")) for name in WRITTEN_FOLDERS)):
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            except NotADirectoryError:
                entries = []
            for entry in entries:
                if entry.is_symlink():
                    raise OutputError(
                        f"refusing to use the output folder: {entry.path} is a symbolic link "
                        f"(to {os.readlink(entry.path)}); seedcrawl never writes through links, remove it"
                    )

    @property
    def warc_dir(self) -> Path:
        return self._dir("warc")

    @property
    def index_dir(self) -> Path:
        return self._dir("indexes")

    @property
    def state_dir(self) -> Path:
        return self._dir("state")

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
