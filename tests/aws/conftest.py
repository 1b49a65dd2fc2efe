"""Fixtures of the AWS adapter tests: corpus payloads and a Lambda context (the shared
``as_json`` and ``golden`` fixtures are in tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"


@dataclass
class LambdaContext:
    """What Lambda passes as ``context`` (the fields portafunc reads)."""

    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = "shop-function"
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load(relative: str) -> dict[str, Any]:
    """A corpus payload, e.g. ``load("queue/sqs-batch-two-records.json")``."""
    data: dict[str, Any] = json.loads((PAYLOADS / relative).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def payload() -> Callable[[str], dict[str, Any]]:
    return load
