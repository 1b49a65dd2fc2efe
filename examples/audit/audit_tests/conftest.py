"""Load examples/audit/app.py as ``portafunc serve examples/audit/app.py:app``
does: by file path, afresh for each test (each test is a cold start), under a module
name of its own so that it cannot clash with another example's ``app.py``."""

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
def audit() -> Iterator[ModuleType]:
    """The example's module, freshly imported."""
    name = f"audit_example_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE_DIR / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {EXAMPLE_DIR / 'app.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]


@pytest.fixture
def client(audit: ModuleType) -> TestClient:
    return TestClient(audit.app)


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[None]:
    """Import built projects and the app by path (``portafunc check``/``build``) in
    isolation: an ``app`` module another test left in ``sys.modules`` is set aside
    (a built entry's ``from app import app`` would get it), and afterwards what the
    test imported from ``tmp_path`` or the example's ``app.py`` is removed and
    ``sys.path`` restored."""
    path = list(sys.path)
    left = sys.modules.pop("app", None)
    yield
    sys.path[:] = path
    roots = (str(tmp_path), str(EXAMPLE_DIR / "app.py"))
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(roots):
            del sys.modules[name]
    if left is not None:
        sys.modules.setdefault("app", left)
