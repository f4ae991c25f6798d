"""Settings for running the flow on Prefect's temporary (embedded) server, from `seedcrawl run`.

Prefect reads its settings from the environment when it is first imported, so `seedcrawl run`
calls `prepare_environment` before anything imports `prefect` (it imports `flows.crawl_flow`
lazily for this reason). Nothing here imports Prefect.

Without PREFECT_API_URL, a flow starts a temporary API server backed by SQLite in PREFECT_HOME.
Putting PREFECT_HOME in the output folder keeps each collection's run history (flow runs, logs,
artifacts) beside its data; `PREFECT_HOME=DIR/.prefect prefect server start` browses it later.
A user who set PREFECT_HOME or PREFECT_API_URL has chosen a server, and we leave that alone.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

PREFECT_DIR = ".prefect"

# Defaults only: a variable the user set always wins.
EMBEDDED_DEFAULTS = {
    # The server's analytics task otherwise competes for the SQLite file ("database is locked").
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Starting the server takes 10-20 s on a quiet 2-core machine; Prefect's default of 20 s fails
    # on a loaded one.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # `seedcrawl run` prints its own summary; Prefect's INFO lines still reach the API (and the UI).
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


# Set by the CLI itself before anything imports Prefect, whatever the command: no telemetry notice
# on the first run in a new PREFECT_HOME (DO_NOT_TRACK: Prefect's SDK notice and events), no
# server analytics. A variable the user set wins.
NO_TELEMETRY = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def quiet_prefect(environ: MutableMapping[str, str] | None = None) -> None:
    """Telemetry off in `environ` (default: os.environ), unless the user chose otherwise."""
    target = os.environ if environ is None else environ
    for name, value in NO_TELEMETRY.items():
        target.setdefault(name, value)


def history_command(prefect_home: Path) -> str:
    """A command, to paste as it is, listing the flow runs kept in `prefect_home`."""
    import shlex

    prefect = Path(sys.executable).with_name("prefect")
    program = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
    # analytics off as for the run: its task would compete for the SQLite file ("database is locked")
    variables = f"PREFECT_HOME={shlex.quote(str(prefect_home))} PREFECT_SERVER_ANALYTICS_ENABLED=false"
    return f"{variables} {shlex.join([*program, 'flow-run', 'ls'])}"


def embedded_server_env(
    out_dir: Path, environ: Mapping[str, str], *, verbose: bool = False
) -> dict[str, str]:
    """The variables to add to `environ` before a run writing into `out_dir`."""
    updates: dict[str, str] = {}
    if "PREFECT_HOME" not in environ and "PREFECT_API_URL" not in environ:
        updates["PREFECT_HOME"] = str(Path(out_dir).absolute() / PREFECT_DIR)
    for name, value in EMBEDDED_DEFAULTS.items():
        if verbose and "LOGGING" in name:
            continue
        if name not in environ:
            updates[name] = value
    return updates


def prefect_imported() -> bool:
    """True once anything in this process has imported Prefect (its settings are then fixed)."""
    return "prefect" in sys.modules


def prepare_environment(
    out_dir: Path, environ: MutableMapping[str, str] | None = None, *, verbose: bool = False
) -> dict[str, str]:
    """Set up `environ` (default: os.environ) for the embedded server; returns what was set.

    Raises RuntimeError when Prefect is already imported, since the settings would not apply.
    """
    target = os.environ if environ is None else environ
    if environ is None and prefect_imported():
        raise RuntimeError("Prefect was imported before its settings were prepared")
    updates = embedded_server_env(out_dir, target, verbose=verbose)
    if "PREFECT_HOME" in updates:
        # Prefect creates its home without parents, and its server then fails to open the
        # database and retries until the startup timeout
        Path(updates["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    target.update(updates)
    return updates


class _RunRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))


def quiet_console() -> None:
    """Keep flow and task run records (a failed crawl's traceback among them) off the console.

    They still go to the API, so the run history shows them; `seedcrawl run` prints its own
    one-line reason. Call after importing Prefect, which sets up its console handler then.
    """
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            handler.addFilter(_RunRecords())
