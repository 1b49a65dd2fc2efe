"""The conformance harness, as fixtures: the four paths of HTTP requests and of every
other trigger, each comparing with the local path through the intended differences.

Test modules reach the harness only through these fixtures (tests run with
``--import-mode=importlib`` and this folder has no ``__init__.py``); each defines its
own app and its cases as data. See README.md.
"""

from __future__ import annotations

import pytest
from tests.conformance.differences import DIFFERENCES, Difference
from tests.conformance.event_paths import EventPaths
from tests.conformance.http_paths import HTTPPaths

#: Every path, the reference first.
PATHS = ("local", "aws", "azure", "gcp")


@pytest.fixture(scope="session")
def http_paths() -> HTTPPaths:
    return HTTPPaths()


@pytest.fixture(scope="session")
def event_paths() -> EventPaths:
    return EventPaths()


@pytest.fixture(scope="session")
def differences() -> tuple[Difference, ...]:
    return DIFFERENCES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``path`` once per path, and every test that takes
    ``difference`` once per row of the intended differences."""
    if "path" in metafunc.fixturenames:
        metafunc.parametrize("path", PATHS)
    if "difference" in metafunc.fixturenames:
        metafunc.parametrize("difference", DIFFERENCES, ids=[row.name for row in DIFFERENCES])
