"""`seedcrawl package DIR [--output FILE.wacz]`: the command line of `seedcrawl.packaging`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seedcrawl.exits import CommandError, Exit, closed_warcs_or_nothing, existing_folder, usage


def add_package_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "package", help="write DIR/package/<name>.wacz (WARC files, index, page list) for replay tools"
    )
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder of a crawl")
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the package here (a .wacz file; DIR is then only read, so it may be read-only; "
        "default: DIR/package/<DIR name>.wacz)",
    )


def cmd_package(args: argparse.Namespace) -> int:
    from seedcrawl.packaging import WaczError, package_folder

    output: Path | None = args.output
    if output is not None and output.suffix != ".wacz":
        raise usage("--output must end in .wacz")
    if output is not None and output.is_dir():
        raise usage(f"--output {output} is a folder; name the .wacz file to write")
    root = existing_folder(args.out)
    closed_warcs_or_nothing(root, "package")
    try:
        result = package_folder(root, output)
    except WaczError as exc:  # py-wacz failed or rejected the package: the folder's data, not usage
        raise CommandError(str(exc), Exit.NOTHING) from None
    print(
        f"package: {result.path}  ({result.warcs} WARC files, {result.pages} pages, {result.bytes:,} bytes; "
        "validated with `wacz validate`)",
        file=sys.stderr,
    )
    return Exit.OK
