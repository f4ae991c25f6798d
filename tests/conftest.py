"""Fixtures shared across test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.testweb import DemoWeb

pytest_plugins = ["tests.support.pywb", "tests.support.prefect"]


@pytest.fixture(scope="module")
def demo_web() -> Iterator[DemoWeb]:
    """The bundled demo web on loopback, one per test module (its request log is shared)."""
    with DemoWeb(port=0) as web:
        yield web
