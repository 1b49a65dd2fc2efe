"""Group ``message``: one queue message with a nested body model, portafunc vs hand-written.

Informs DESIGN §7 "SQS batch of 10 with a body model and partial-batch response
≤ 1.5x hand-written": here the core's share per message (the message built from
the record dict, binding, validation, the handler).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, Message
from portafunc.pipeline import deliver

pytestmark = pytest.mark.benchmark(group="message")

Record = dict[str, Any]


def test_handwritten(
    benchmark: BenchmarkFixture,
    sqs_record: Record,
    baseline_message: Callable[[Record], BaseModel],
    total_cents: int,
) -> None:
    receipt = benchmark(baseline_message, sqs_record)
    assert receipt.total_cents == total_cents


def test_portafunc_deliver(
    benchmark: BenchmarkFixture,
    shop: App,
    sqs_record: Record,
    to_message: Callable[[Record], Message[Any]],
    to_context: Callable[[str], Context],
    baseline_message: Callable[[Record], BaseModel],
) -> None:
    function = shop.function("ship")

    def invoke() -> Any:
        message = to_message(sqs_record)
        return deliver(shop, function, message, to_context(message.id))

    receipt = benchmark(invoke)
    assert receipt == baseline_message(sqs_record)
