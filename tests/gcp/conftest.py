"""Fixtures of the GCP adapter tests: the corpus payloads (the shared ``as_json`` and
``golden`` fixtures are in tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "gcp"


def load(relative: str) -> dict[str, Any]:
    """A corpus payload, e.g. ``load("topic/pubsub-cloudevent-text.json")``."""
    data: dict[str, Any] = json.loads((PAYLOADS / relative).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def payload() -> Callable[[str], dict[str, Any]]:
    return load
