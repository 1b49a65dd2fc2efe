"""What the examples' tests share: their example's ``app.py`` loaded by path, as
``portafunc serve examples/<name>/app.py:app`` does, and ``portafunc build`` of it.

A test's example is the folder above its test folder (``examples/<name>/<x>_tests/``).
The shop and fastapi examples keep conftests of their own, whose fixtures win there.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from portafunc.cli import main
from portafunc.testing import TestClient


def example_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.path).resolve().parents[1]


@pytest.fixture
def example(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The example's module, freshly imported (each test is a cold start), under a
    module name of its own so that it cannot clash with another example's ``app.py``."""
    directory = example_dir(request)
    name = f"{directory.name}_example_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, directory / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {directory / 'app.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


@pytest.fixture
def isolated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Import built projects and the app by path (``portafunc check``/``build``) in
    isolation: an ``app`` module another test left in ``sys.modules`` is set aside
    (a built entry's ``from app import app`` would get it), and afterwards what the
    test imported from ``tmp_path`` or the example's ``app.py`` is removed and
    ``sys.path`` restored."""
    path = list(sys.path)
    left = sys.modules.pop("app", None)
    yield
    sys.path[:] = path
    roots = (str(tmp_path), str(example_dir(request) / "app.py"))
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(roots):
            del sys.modules[name]
    if left is not None:
        sys.modules.setdefault("app", left)


class Projects:
    """``portafunc build`` of one example, and its built projects imported as each
    cloud's runtime would."""

    def __init__(self, directory: Path) -> None:
        self.app = f"{directory / 'app.py'}:app"

    def build(self, provider: str, out: Path) -> Path:
        assert main(["build", self.app, "--provider", provider, "--out", str(out)]) == 0
        return out

    @staticmethod
    def load(path: Path) -> ModuleType:
        """A built entry module, imported as its runtime would: its directory on sys.path."""
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(f"built_{uuid.uuid4().hex}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    @staticmethod
    def built_app(project: Path) -> ModuleType:
        """The ``app`` module a built entry imported: the project's copy, not the example."""
        module = sys.modules["app"]
        assert Path(module.__file__ or "").parent == project
        return module


@pytest.fixture
def projects(request: pytest.FixtureRequest) -> Projects:
    return Projects(example_dir(request))
