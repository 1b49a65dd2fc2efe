"""Load examples/fastapi/app.py as ``portafunc serve examples/fastapi/app.py:app`` does:
by file path, afresh for each test, so that each test is a cold start (the lifespan
runs again, the notes start empty).

Each load is registered under its own module name, never ``app``, so that it cannot
clash with another ``app.py`` loaded elsewhere in the test session.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def notes() -> Iterator[ModuleType]:
    """The example's module, freshly imported."""
    name = f"fastapi_example_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE_DIR / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {EXAMPLE_DIR / 'app.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]


@pytest.fixture
def client(notes: ModuleType) -> TestClient:
    return TestClient(notes.app)


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[None]:
    """Undo what importing a project built under ``tmp_path`` does: its directory on
    ``sys.path``, its ``app`` and entry modules in ``sys.modules``."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
