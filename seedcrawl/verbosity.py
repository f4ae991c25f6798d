"""`-v/-q`: how much a command logs to the console, the same for every command that has them.

The summary a command prints at the end is not logging and always shows; these only move the
threshold of the log lines printed before it (warnings by default).
"""

from __future__ import annotations

import argparse
import logging
import sys

DEFAULT_LEVEL = logging.WARNING
_FORMAT = "seedcrawl: %(levelname)s: %(name)s: %(message)s"


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """Add `-v/--verbose` and `-q/--quiet` (repeatable, not together) to a command's parser."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more to the console: -v progress (INFO), -vv everything (DEBUG); warnings otherwise",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="log less: -q errors only (and no progress bar), -qq nothing but the final summary",
    )


def log_level(args: argparse.Namespace) -> int:
    """The console level the options ask for: WARNING, one step down per -v, up per -q."""
    verbose = int(getattr(args, "verbose", 0) or 0)
    quiet = int(getattr(args, "quiet", 0) or 0)
    return max(logging.DEBUG, min(logging.CRITICAL + 10, DEFAULT_LEVEL - 10 * verbose + 10 * quiet))


class _Console(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs, told apart from any other on the root logger."""


def configure_console(args: argparse.Namespace) -> int:
    """Send log records at or above the asked level to stderr, one line each; returns the level."""
    level = log_level(args)
    handler = _Console(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Console)]:
        root.removeHandler(old)  # configured twice in one process (tests): one line per record
    root.addHandler(handler)
    root.setLevel(level)
    return level
