"""Middleware through functions-framework: the app entry and a Pub/Sub function."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from portafunc import App, Context, HTTPError, HTTPRequest, Message
from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

Next = Callable[[Any], Any]


class Order(BaseModel):
    id: str


def shop(trail: list[str]) -> App:
    app = App("shop")

    @app.middleware
    def only_acme(envelope: Any, ctx: Context, call_next: Next) -> Any:
        trail.append(ctx.function)
        if isinstance(envelope, HTTPRequest) and envelope.query.get("tenant") != "acme":
            raise HTTPError(403, "acme only")
        return call_next(envelope)

    @app.get("/orders/{id}")
    def get_order(id: str) -> Order:
        return Order(id=id)

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None:
        trail.append(msg.data.id)

    return app


def test_http_middleware_refuses_and_passes() -> None:
    trail: list[str] = []
    client = create_app(shop(trail), "shop").test_client()
    refused = client.get("/orders/a1")
    assert (refused.status_code, refused.json["detail"]) == (403, "acme only")  # type: ignore[index]
    assert client.get("/orders/a1?tenant=acme").json == {"id": "a1"}
    assert trail == ["get_order", "get_order"]


def test_pubsub_message_goes_through_the_middleware() -> None:
    trail: list[str] = []
    client = create_app(shop(trail), "ship").test_client()
    assert post_cloud_event(client, pubsub_event({"id": "a1"})).status_code == 200
    assert trail == ["ship", "a1"]
