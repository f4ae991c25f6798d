"""`-v/-q`: how much a command logs to the console, on one scale for every command that has them.

The scale runs DEBUG, INFO, WARNING, ERROR, NOTHING (no log record), SILENT (not even the
summary: a failure's one line only). A command starts somewhere on it: `process` at WARNING;
`crawl` at NOTHING, since every record of a crawl is in DIR/logs/crawl-<run id>.log already and a
crawl of a large site logs thousands. Each -v moves one step towards DEBUG (from NOTHING the first
step is WARNING: warnings and errors together), each -q one step towards SILENT.

`configure_console` sets the console of a command that logs nowhere else; a crawl, which also logs
every record to its file, gets `configure_crawl_console`, which leaves the root logger's level alone.
"""

from __future__ import annotations

import logging
import sys

NOTHING = logging.CRITICAL + 10  # above every level: no log record on the console
SILENT = NOTHING + 10  # no log record and no summary either

_LOUDER = (logging.WARNING, logging.INFO, logging.DEBUG)
_QUIETER = (logging.ERROR, NOTHING, SILENT)
_FORMAT = "seedcrawl: %(levelname)s: %(name)s: %(message)s"


def console_level(default: int, verbose: int, quiet: int) -> int:
    """The level a command's console shows from, `default` moved by `verbose` and `quiet` steps."""
    if verbose and quiet:
        raise ValueError("-v/--verbose not allowed with -q/--quiet")
    if verbose:
        louder = [level for level in _LOUDER if level < default]
        return louder[min(verbose, len(louder)) - 1] if louder else default
    if quiet:
        quieter = [level for level in _QUIETER if level > default]
        return quieter[min(quiet, len(quieter)) - 1] if quieter else default
    return default


class _Console(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs, told apart from any other on the root logger."""


class _NoConsole(logging.NullHandler):
    """Installed at NOTHING so that logging's last-resort handler prints nothing either."""


def configure_console(level: int) -> None:
    """Send log records at or above `level` to stderr, one line each (none at NOTHING or above)."""
    if level >= NOTHING:
        _install(_NoConsole())
        return
    handler = _Console(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    _install(handler)
    logging.getLogger().setLevel(level)


def _install(handler: logging.Handler) -> None:
    """`handler` in place of the console this module installed before, if any."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Console | _NoConsole)]:
        root.removeHandler(old)  # configured twice in one process (tests): one line per record
    root.addHandler(handler)


class _OneLine(logging.Formatter):
    """A record's message without its traceback (that stays in the crawl's log file)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} {record.name}: {record.getMessage()}"


def configure_crawl_console(level: int) -> None:
    """A crawl's console: records at `level` and above on stderr too, the root logger's level left
    as Scrapy set it (every record also goes to DIR/logs/, tracebacks included)."""
    handler = _Console(sys.stderr)
    handler.setLevel(level)
    if level > logging.DEBUG:
        handler.setFormatter(_OneLine())
        # "Disabled <component>: <why>" is how a component says it is not needed for this crawl
        handler.addFilter(lambda record: record.name != "scrapy.middleware" or level <= logging.INFO)
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    _install(handler)
