"""Exit statuses of every `seedcrawl` command, one per cause, the error that carries one, and the
checks every command makes on the folder it is given before it reads or writes anything.

A script that runs seedcrawl branches on these, so the same cause gives the same status in every
command (a missing folder is 2 whether `process`, `index` or `package` was asked). The README's
"Exit codes" table is this one.
"""

from __future__ import annotations

import errno
import os
import stat
import textwrap
from enum import IntEnum
from pathlib import Path

from seedcrawl.outdir.layout import Layout


class Exit(IntEnum):
    OK = 0
    NOTHING = 1  # nothing to do (no WARC files), or the data failed (nothing fetched, check problems)
    USAGE = 2  # bad option or value, a folder or file named that does not exist
    FOLDER = 3  # the folder cannot be used: not a folder, not writable, a link in it, in use
    ARCHIVE = 4  # a WARC record could not be written (disk full): every file is still whole
    INTERRUPTED = 130  # first SIGTERM/Ctrl-C: work in flight finished, files closed; run again
    FORCED = 131  # second SIGTERM/Ctrl-C: stopped at once, only whole records; run again


# (status, cause) in the order the README lists them; `seedcrawl --help` prints it too.
CAUSES: tuple[tuple[Exit, str], ...] = (
    (Exit.OK, "done"),
    (
        Exit.NOTHING,
        "nothing to do (no WARC files to process, check, index or package), or the data failed: "
        "nothing could be fetched, `check` found problems, `wacz validate` rejected the package",
    ),
    (Exit.USAGE, "bad usage: an unknown option, a bad value, a folder or file that does not exist"),
    (
        Exit.FOLDER,
        "the folder cannot be used: a file where a folder should be, not writable, "
        "a symbolic link or pipe in it, or in use by another run",
    ),
    (Exit.ARCHIVE, "the archive could not be written (disk full, writer died); every WARC file is whole"),
    (Exit.INTERRUPTED, "interrupted by SIGTERM/Ctrl-C: work in flight finished, files closed"),
    (Exit.FORCED, "a second SIGTERM/Ctrl-C stopped it at once: only whole records kept"),
)


class CommandError(Exception):
    """A failure the user can act on: printed as one line `seedcrawl: <message>`, exits `status`."""

    def __init__(self, message: str, status: Exit) -> None:
        super().__init__(message)
        self.status = status


def usage(message: str) -> CommandError:
    return CommandError(message, Exit.USAGE)


def nothing_to_do(message: str) -> CommandError:
    return CommandError(message, Exit.NOTHING)


def folder_unusable(message: str) -> CommandError:
    return CommandError(message, Exit.FOLDER)


def for_os_error(exc: OSError) -> Exit:
    """The status for an OSError no command foresaw: a full disk is 4, anything else the folder's."""
    return Exit.ARCHIVE if exc.errno in (errno.ENOSPC, errno.EDQUOT) else Exit.FOLDER


def exit_table() -> str:
    """The table for `--help` epilogs, wrapped as argparse wraps the rest of the help."""
    rows = (
        textwrap.fill(cause, 94, initial_indent=f"  {int(code):<4} ", subsequent_indent=" " * 7)
        for code, cause in CAUSES
    )
    return "exit codes:\n" + "\n".join(rows)


def existing_folder(path: Path) -> Path:
    """`path` when it is a folder; a missing one is a usage error, anything else an unusable folder."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise folder_unusable(f"{path} is a symbolic link to nothing, not a folder") from None
        raise usage(f"{path}: no such folder") from None
    except OSError as exc:
        raise folder_unusable(f"cannot use {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        return path
    kind = "a file" if stat.S_ISREG(mode) else "neither a file nor a folder"
    raise folder_unusable(f"{path} is {kind}, not a folder")


def closed_warcs_or_nothing(root: Path, verb: str) -> list[Path]:
    """The folder's closed WARC files; none is `nothing to <verb>` (exit 1), before anything is made."""
    # As every command does: no links or pipes where it reads or writes (exit 3), checked first,
    # without creating anything.
    Layout(root.absolute()).refuse_links()
    warcs = sorted((root / "warc").glob("*.warc.gz")) if (root / "warc").is_dir() else []
    if not warcs:
        raise nothing_to_do(
            f"nothing to {verb}: {root} holds no closed WARC files (warc/*.warc.gz); "
            "crawl into it first (seedcrawl crawl --out DIR URL)"
        )
    return warcs
