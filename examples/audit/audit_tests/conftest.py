"""The audit example's module, as its tests name it (loading and building:
examples/conftest.py)."""

from types import ModuleType

import pytest


@pytest.fixture
def audit(example: ModuleType) -> ModuleType:
    return example
