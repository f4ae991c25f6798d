"""The checks every command makes on the folder it is given, before it reads or writes anything.

Each failure is a `CommandError` with the status the README's exit-code table gives its cause, so
`process`, `check`, `index` and `package` say the same thing for the same folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from seedcrawl.exits import folder_unusable, nothing_to_do, usage
from seedcrawl.outdir.layout import Layout


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
