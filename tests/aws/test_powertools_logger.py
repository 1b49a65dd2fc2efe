"""``portafunc_aws.powertools.inject``: a real Powertools ``Logger`` writing JSON to a
StringIO carries the portafunc invocation's fields inside an invocation, and only there."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from portafunc import App, Message, pipeline
from portafunc.context import Context
from portafunc.http import HTTPRequest
from portafunc_aws.powertools import InvocationFilter, inject

TRACE = "1-5759e988-bd862e3fe1be46a994272793"


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def logger(stream: io.StringIO) -> Iterator[Logger]:
    # A fresh service name: Powertools keeps one configured logging.Logger per name.
    service = f"portafunc-test-{uuid.uuid4().hex[:8]}"
    powertools_logger = Logger(service=service, stream=stream)
    yield powertools_logger
    underlying = logging.getLogger(service)
    for handler in list(underlying.handlers):
        underlying.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def context(invocation_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678") -> Context:
    return Context(provider="aws", invocation_id=invocation_id, trace_id=TRACE)


def test_http_invocation_lines_carry_the_invocation_id(logger: Logger, stream: io.StringIO) -> None:
    inject(logger)
    app = App("shop")

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> str:
        logger.info("looking up", order_id=order_id)
        return order_id

    response = pipeline.handle_http(app, HTTPRequest("GET", "/orders/a1"), context("req-1"))

    assert response.status == 200
    [line] = lines(stream)
    assert line["message"] == "looking up"
    assert line["order_id"] == "a1"
    assert line["correlation_id"] == "req-1"
    assert line["function"] == "get_order"
    assert line["provider"] == "aws"
    assert line["trace_id"] == TRACE
    assert line["service"] == logger.service


def test_message_invocation_lines_carry_the_invocation_id(
    logger: Logger, stream: io.StringIO
) -> None:
    inject(logger)
    app = App("shop")

    @app.queue("orders")
    def ship(msg: Message[str]) -> None:
        logger.info("shipping")

    envelope: Message[str] = Message(id="m1", body=b'"a1"', source="orders", provider="aws")
    pipeline.deliver(app, app.function("ship"), envelope, context("req-2"))

    [line] = lines(stream)
    assert (line["correlation_id"], line["function"]) == ("req-2", "ship")


def test_nothing_is_added_outside_an_invocation(logger: Logger, stream: io.StringIO) -> None:
    inject(logger)
    logger.info("at import time")
    [line] = lines(stream)
    assert "correlation_id" not in line
    assert not {"function", "provider", "trace_id"} & line.keys()


def test_no_trace_id_key_without_a_trace(logger: Logger, stream: io.StringIO) -> None:
    inject(logger)
    app = App("shop")

    @app.get("/")
    def home() -> None:
        logger.info("home")

    pipeline.handle_http(app, HTTPRequest("GET", "/"), Context(provider="aws", invocation_id="r"))
    [line] = lines(stream)
    assert line["correlation_id"] == "r"
    assert "trace_id" not in line


def test_an_explicit_extra_wins_for_its_record(logger: Logger, stream: io.StringIO) -> None:
    inject(logger)
    app = App("shop")

    @app.get("/")
    def home() -> None:
        logger.info("mine", extra={"correlation_id": "from-the-caller"})

    pipeline.handle_http(app, HTTPRequest("GET", "/"), context("req-3"))
    assert lines(stream)[0]["correlation_id"] == "from-the-caller"


def test_inject_is_idempotent_and_returns_the_logger(logger: Logger, stream: io.StringIO) -> None:
    assert inject(logger) is logger
    inject(logger)
    for handler in logger.handlers:
        assert sum(isinstance(f, InvocationFilter) for f in handler.filters) == 1
    app = App("shop")

    @app.get("/")
    def home() -> None:
        logger.info("once")

    pipeline.handle_http(app, HTTPRequest("GET", "/"), context())
    assert len(lines(stream)) == 1


def test_child_loggers_write_through_the_injected_parent(
    logger: Logger, stream: io.StringIO
) -> None:
    inject(logger)
    child = Logger(service=logger.service, child=True)
    app = App("shop")

    @app.get("/")
    def home() -> None:
        child.info("from a child")

    pipeline.handle_http(app, HTTPRequest("GET", "/"), context("req-4"))
    [line] = lines(stream)
    assert (line["message"], line["correlation_id"]) == ("from a child", "req-4")


def test_a_child_logger_can_be_injected_itself(logger: Logger, stream: io.StringIO) -> None:
    child = inject(Logger(service=logger.service, child=True))
    app = App("shop")

    @app.get("/")
    def home() -> None:
        child.info("child only")

    pipeline.handle_http(app, HTTPRequest("GET", "/"), context("req-5"))
    assert lines(stream)[0]["correlation_id"] == "req-5"
    logging.getLogger(child.name).filters.clear()


def test_through_lambda_handler_the_correlation_id_is_the_request_id(
    logger: Logger, stream: io.StringIO
) -> None:
    from portafunc_aws.handler import lambda_handler
    from portafunc_aws.testing import LambdaContext, sqs_event

    inject(logger)
    app = App("shop")

    @app.queue("orders")
    def ship(msg: Message[str]) -> None:
        logger.info("shipping", order=msg.data)

    lambda_context = LambdaContext(function_name="shop-ship")
    response = lambda_handler(app)(sqs_event(["a1"], queue="orders"), lambda_context)

    assert response == {"batchItemFailures": []}
    [line] = lines(stream)
    assert line["correlation_id"] == lambda_context.aws_request_id
    assert (line["function"], line["order"]) == ("ship", "a1")
