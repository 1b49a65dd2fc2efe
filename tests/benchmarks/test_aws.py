"""AWS groups: an API Gateway / ALB event or an SQS batch through ``lambda_handler``,
against a hand-written Lambda handler and against Powertools.

Informs DESIGN §7: HTTP API v2 ≤ 2x hand-written and ≥ 5x faster than Powertools'
``APIGatewayHttpResolver(enable_validation=True)``; SQS x10 with partial-batch
response ≤ 1.5x hand-written and faster than Powertools' ``BatchProcessor``.

No ``from __future__ import annotations`` here: Powertools reads the handlers'
annotations at run time, and the model classes come from a fixture.
"""

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Message
from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext, alb_event, rest_event

Event = dict[str, Any]
CONTEXT = LambdaContext()


def handwritten_lambda(models: SimpleNamespace, tenant: str, body: str) -> Event:
    """A hand-written Lambda handler's work behind API Gateway's own route."""
    receipt = models.fulfil(tenant, models.Order.model_validate_json(body))
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": receipt.model_dump_json(),
        "isBase64Encoded": False,
    }


def _body(response: Event) -> Any:
    return json.loads(response["body"])


# -- HTTP API payload 2.0 ---------------------------------------------------------------


@pytest.mark.benchmark(group="aws-http-v2")
def test_http_v2_handwritten(
    benchmark: BenchmarkFixture, api_event: Event, models: SimpleNamespace, total_cents: int
) -> None:
    def handler(event: Event, context: Any) -> Event:
        return handwritten_lambda(models, event["pathParameters"]["tenant"], event["body"])

    response = benchmark(handler, api_event, CONTEXT)
    assert (response["statusCode"], _body(response)["total_cents"]) == (201, total_cents)


@pytest.mark.benchmark(group="aws-http-v2")
def test_http_v2_portafunc(benchmark: BenchmarkFixture, shop: App, api_event: Event) -> None:
    handler = lambda_handler(shop)
    response = benchmark(handler, api_event, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(api_event))


@pytest.mark.benchmark(group="aws-http-v2")
def test_http_v2_powertools_validated(
    benchmark: BenchmarkFixture, api_event: Event, models: SimpleNamespace
) -> None:
    resolver = APIGatewayHttpResolver(enable_validation=True)
    Order, Receipt = models.Order, models.Receipt  # classes, for annotations

    @resolver.post("/tenants/<tenant>/orders")
    def create(tenant: str, order: Order) -> tuple[Receipt, int]:  # type: ignore[valid-type]
        return models.fulfil(tenant, order), 201

    response = benchmark(resolver.resolve, api_event, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(api_event))


@pytest.mark.benchmark(group="aws-http-v2")
def test_http_v2_powertools_unvalidated(
    benchmark: BenchmarkFixture, api_event: Event, models: SimpleNamespace
) -> None:
    resolver = APIGatewayHttpResolver()

    @resolver.post("/tenants/<tenant>/orders")
    def create(tenant: str) -> Response[str]:
        order = models.Order.model_validate_json(resolver.current_event.body or "")
        body = models.fulfil(tenant, order).model_dump_json()
        return Response(status_code=201, content_type="application/json", body=body)

    response = benchmark(resolver.resolve, api_event, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(api_event))


def _receipt_json(event: Event) -> Any:
    """The receipt every handler answers ``event`` with, as JSON data."""
    order = json.loads(event["body"])
    total = sum(item["qty"] * item["unit_price_cents"] for item in order["items"])
    return {"tenant": "acme", "order": order, "total_cents": total}


# -- REST API payload 1.0 and ALB ------------------------------------------------------


@pytest.fixture
def rest(order_json: str) -> Event:
    return rest_event(
        "POST",
        "/tenants/acme/orders",
        body=order_json,
        headers={"content-type": "application/json"},
        path_parameters={"tenant": "acme"},
    )


@pytest.fixture
def alb(order_json: str) -> Event:
    return alb_event(
        "POST",
        "/tenants/acme/orders",
        body=order_json,
        headers={"content-type": "application/json"},
    )


@pytest.mark.benchmark(group="aws-rest-v1")
def test_rest_v1_handwritten(
    benchmark: BenchmarkFixture, rest: Event, models: SimpleNamespace
) -> None:
    def handler(event: Event, context: Any) -> Event:
        return handwritten_lambda(models, event["pathParameters"]["tenant"], event["body"])

    response = benchmark(handler, rest, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(rest))


@pytest.mark.benchmark(group="aws-rest-v1")
def test_rest_v1_portafunc(benchmark: BenchmarkFixture, shop: App, rest: Event) -> None:
    response = benchmark(lambda_handler(shop), rest, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(rest))


@pytest.mark.benchmark(group="aws-alb")
def test_alb_handwritten(benchmark: BenchmarkFixture, alb: Event, models: SimpleNamespace) -> None:
    def handler(event: Event, context: Any) -> Event:
        tenant = event["path"].split("/")[2]
        response = handwritten_lambda(models, tenant, event["body"])
        return {**response, "statusDescription": "201 Created"}

    response = benchmark(handler, alb, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(alb))


@pytest.mark.benchmark(group="aws-alb")
def test_alb_portafunc(benchmark: BenchmarkFixture, shop: App, alb: Event) -> None:
    response = benchmark(lambda_handler(shop), alb, CONTEXT)
    assert (response["statusCode"], _body(response)) == (201, _receipt_json(alb))


# -- SQS batch of 10 with a partial-batch response --------------------------------------


@pytest.fixture
def sqs_batch(sqs_record: Event) -> Event:
    records = [
        {**sqs_record, "messageId": f"{n:08d}-87a3-44ab-83d2-661975830a7d"} for n in range(10)
    ]
    return {"Records": records}


@pytest.mark.benchmark(group="aws-sqs-10")
def test_sqs_handwritten(
    benchmark: BenchmarkFixture, sqs_batch: Event, models: SimpleNamespace
) -> None:
    logger = logging.getLogger("handwritten")

    def handler(event: Event, context: Any) -> Event:
        failures = []
        for record in event["Records"]:
            try:
                models.fulfil("acme", models.Order.model_validate_json(record["body"]))
            except Exception:
                logger.exception("record %s failed", record["messageId"])
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    assert benchmark(handler, sqs_batch, CONTEXT) == {"batchItemFailures": []}


@pytest.mark.benchmark(group="aws-sqs-10")
def test_sqs_portafunc(benchmark: BenchmarkFixture, shop: App, sqs_batch: Event) -> None:
    assert benchmark(lambda_handler(shop), sqs_batch, CONTEXT) == {"batchItemFailures": []}


@pytest.mark.benchmark(group="aws-sqs-10")
def test_sqs_portafunc_batch_function(
    benchmark: BenchmarkFixture, sqs_batch: Event, models: SimpleNamespace
) -> None:
    app = App("shop")
    sizes: set[int] = set()

    @app.queue("orders")
    def ship(batch: list[Message[models.Order]]) -> None:  # type: ignore[name-defined]
        receipts = [models.fulfil("acme", msg.data) for msg in batch]
        sizes.add(len(receipts))

    assert benchmark(lambda_handler(app), sqs_batch, CONTEXT) == {"batchItemFailures": []}
    assert sizes == {10}  # one call per batch, every message in it


@pytest.mark.benchmark(group="aws-sqs-10")
def test_sqs_powertools_batch_processor(
    benchmark: BenchmarkFixture, sqs_batch: Event, models: SimpleNamespace
) -> None:
    processor = BatchProcessor(event_type=EventType.SQS)
    receipts: list[Any] = []

    def record_handler(record: SQSRecord) -> None:  # keeps the last receipt only, as others
        receipts[:] = [models.fulfil("acme", models.Order.model_validate_json(record.body))]

    def handler(event: Event, context: Any) -> Any:
        return process_partial_response(event, record_handler, processor, context)

    assert benchmark(handler, sqs_batch, CONTEXT) == {"batchItemFailures": []}
    assert receipts
