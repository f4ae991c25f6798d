"""Errors about the output folder itself, raised before or around any WARC or corpus work.

- `OutputError`: the output folder cannot be used (not a folder, not writable, a path escapes it).
- `FolderBusy`: another seedcrawl process holds the output folder's lock.

Both derive from `OutputFolderError`, so a command catches "the folder cannot be used" as one class.
"""

from __future__ import annotations


class OutputFolderError(Exception):
    """Base class for every error about the output folder."""


class OutputError(OutputFolderError):
    """The output folder cannot be used (not writable, not a folder, a path escapes it)."""


class FolderBusy(OutputFolderError):
    """Another seedcrawl process is using this output folder."""
