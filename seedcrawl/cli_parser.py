"""The pieces of the `seedcrawl` parser every command shares: help, usage errors, version.

Each command's parser is a `CommandParser` (the subparsers are made with it), so every command
shows its options' defaults in `--help` and reports a usage error in one line, exit 2.
"""

from __future__ import annotations

import argparse
from importlib import metadata
from typing import Any, NoReturn

from seedcrawl.exits import Exit, exit_table

DESCRIPTION = """\
A focused news crawler and archival pipeline. `crawl` fetches pages from seed URLs, feeds and
sitemaps (optionally only those on a topic) into WARC files in an output folder DIR; `process`
extracts each article's main text, drops near duplicates and writes DIR/corpus/articles.jsonl;
`run` does both as a Prefect flow; `package` makes a WACZ for replay tools. Every command works
on one output folder; see the README for what each of its files holds.

typical use:
  seedcrawl crawl --out news https://example.com/
  seedcrawl process news
  seedcrawl package news
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Epilogs kept as written, and each option's default after its help when it has a real one.

    argparse's ArgumentDefaultsHelpFormatter would also print "(default: None)" for options whose
    default is worked out later (from the folder, the CPU count): those say it in their help.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default is None
            or default is argparse.SUPPRESS
            or isinstance(default, bool)
            or default == []
            or action.option_strings == []
            or isinstance(action, argparse._CountAction)
        ):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """A usage error is one line, as every other failure is, naming where the help is (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(Exit.USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


class CommandParser(Parser):
    """Each command's parser: `HelpFormatter` unless the command asks for another."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _version() -> str:
    try:
        return metadata.version("seedcrawl")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def top_parser() -> Parser:
    """`seedcrawl` itself: the description, `--version`, and the exit-status table as epilog."""
    parser = Parser(
        prog="seedcrawl", description=DESCRIPTION, epilog=exit_table(), formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser
