"""Middleware through ``lambda_handler``: an HTTP API request and an SQS batch."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from portafunc import App, Context, HTTPRequest, HTTPResponse, Message
from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext, http_v2_event, sqs_event

Next = Callable[[Any], Any]


class Order(BaseModel):
    id: str


def shop(shipped: list[str]) -> App:
    app = App("shop")

    @app.middleware
    def authenticate(envelope: Any, ctx: Context, call_next: Next) -> Any:
        if isinstance(envelope, HTTPRequest):
            if envelope.headers.get("authorization") != "Bearer ok":
                return HTTPResponse.json({"detail": "who are you?"}, status=401)
            response = call_next(envelope)
            response.headers.append(("x-provider", ctx.provider))
            return response
        if envelope.attributes.get("kind") == "test":
            return None  # acknowledged unseen
        return call_next(envelope)

    @app.get("/orders/{id}")
    def get_order(id: str) -> Order:
        return Order(id=id)

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None:
        shipped.append(msg.data.id)

    return app


def test_http_short_circuit_and_decoration() -> None:
    handler = lambda_handler(shop([]))
    refused = handler(http_v2_event("GET", "/orders/a1"), LambdaContext())
    assert refused["statusCode"] == 401
    event = http_v2_event("GET", "/orders/a1", headers={"authorization": "Bearer ok"})
    served = handler(event, LambdaContext())
    assert (served["statusCode"], served["headers"]["x-provider"]) == (200, "aws")


def test_sqs_messages_go_through_the_middleware() -> None:
    shipped: list[str] = []
    handler = lambda_handler(shop(shipped))
    tests = sqs_event([{"id": "t1"}], attributes={"kind": "test"})
    assert handler(tests, LambdaContext()) == {"batchItemFailures": []}
    real = sqs_event([{"id": "a1"}, {"id": "a2"}])
    assert handler(real, LambdaContext()) == {"batchItemFailures": []}
    assert shipped == ["a1", "a2"]
