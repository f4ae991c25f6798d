"""A temporary on-disk holding area for extracted documents, read back in a chosen order.

Deduplication must see a run's articles in keep order (earliest published first), which is not
the order they come out of the WARC files. Holding them all in memory would cost about the size
of their text; the spool keeps only a sort key and a file offset per document.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Items (documents, or documents with their dedup preparation) by sort key."""

    def __init__(self, folder: Path) -> None:
        fd, name = tempfile.mkstemp(prefix=".spool-", suffix=".pickle", dir=folder)
        self.path = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._entries: list[tuple[Any, int]] = []
        self._order: list[int] | None = None

    def add(self, key: Any, doc: T) -> None:
        offset = self._file.seek(0, os.SEEK_END)
        pickle.dump(doc, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._entries.append((key, offset))
        self._order = None

    def __len__(self) -> int:
        return len(self._entries)

    def order(self) -> list[int]:
        """Slots sorted by key (ties keep insertion order)."""
        if self._order is None:
            self._order = sorted(range(len(self._entries)), key=lambda slot: self._entries[slot][0])
        return self._order

    def get(self, slot: int) -> T:
        self._file.flush()
        self._file.seek(self._entries[slot][1])
        doc: T = pickle.load(self._file)
        return doc

    def in_order(self) -> Iterator[T]:
        for slot in self.order():
            yield self.get(slot)

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
