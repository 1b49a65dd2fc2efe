"""Load the shop as ``portafunc serve examples/shop/app.py:app`` does: by file path,
with the file's directory on ``sys.path`` so that its ``import store`` works.

The module is registered as ``shop_app`` (not ``app``) so that it cannot clash
with another ``app.py`` loaded elsewhere in the test session.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portafunc.testing import TestClient

SHOP_DIR = Path(__file__).resolve().parents[1]


def _load_shop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_app", SHOP_DIR / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SHOP_DIR / 'app.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SHOP_DIR))
    try:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SHOP_DIR))
    return module


@pytest.fixture(scope="session")
def shop_module() -> ModuleType:
    return sys.modules.get("shop_app") or _load_shop()


@pytest.fixture
def shop(shop_module: ModuleType) -> Iterator[ModuleType]:
    """The shop module, its store empty and its app cold (on_startup runs again)."""
    shop_module.store.reset()
    shop_module.app.started = False
    yield shop_module
    shop_module.store.reset()


@pytest.fixture
def client(shop: ModuleType) -> TestClient:
    return TestClient(shop.app)


@pytest.fixture
def shop_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="portafunc.shop")
    return caplog


@pytest.fixture
def make_order() -> Callable[..., dict[str, Any]]:
    """Build an order's JSON; keywords override the one line item's fields."""

    def make(order_id: int = 42, **item: Any) -> dict[str, Any]:
        line = {"sku": "MUG-01", "qty": 2, "price_cents": 1200, **item}
        return {"id": order_id, "customer": "ada@example.com", "items": [line]}

    return make
