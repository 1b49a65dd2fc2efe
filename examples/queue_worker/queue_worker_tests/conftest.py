"""The queue_worker example's module, as its tests name it (loading and building:
examples/conftest.py)."""

from types import ModuleType

import pytest


@pytest.fixture
def worker(example: ModuleType) -> ModuleType:
    return example
