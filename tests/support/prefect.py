"""One temporary Prefect server for the whole test session.

Starting it takes about 18 s, so every flow test shares this session fixture; two harnesses must
never be nested. Load it with `pytest_plugins = ["tests.support.prefect"]` (a plugin module is
registered once however many modules name it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

STARTUP_TIMEOUT_S = 90  # generous: a loaded 2-core CI machine is slow to import the server


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Runs the session's flows against a temporary server; yields its API URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    # analytics off: otherwise the server's analytics task competes for the SQLite file
    with (
        temporary_settings(updates={PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=STARTUP_TIMEOUT_S),
    ):
        yield str(PREFECT_API_URL.value())
