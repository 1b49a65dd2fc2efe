"""The report example's module, as its tests name it (loading and building:
examples/conftest.py)."""

from types import ModuleType

import pytest


@pytest.fixture
def report(example: ModuleType) -> ModuleType:
    return example
