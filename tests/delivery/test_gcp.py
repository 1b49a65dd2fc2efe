"""GCP surfaces every failure for redelivery (DESIGN §3): a Pub/Sub message whose
handler raises, or whose data fails validation, is answered with a non-2xx status by
functions-framework, so Pub/Sub redelivers it (to the dead-letter topic after the
subscription's maximum delivery attempts); with an ordering key, redelivery is of
that key's messages. A delivered message is answered 2xx once.
"""

from collections.abc import Callable
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from portafunc import App, Message
from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Item(BaseModel):
    n: int
    qty: int = Field(gt=0)  # the fixture's kit.item(n, "invalid") gives qty 0


def shop(kit: SimpleNamespace, record: Callable[[int], None]) -> App:
    app = App("shop")

    @app.queue("orders")
    def queue(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.topic("events")
    def topic(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.stream("readings")
    def stream(msg: Message[Item]) -> None:
        record(msg.data.n)

    return app


@PROPERTY
@given(
    data=st.data(),
    kind=st.sampled_from(["queue", "topic", "stream"]),
    ordering_key=st.one_of(st.none(), st.text(min_size=1, max_size=8)),
    mode=st.sampled_from(["binary", "structured"]),
)
def test_every_failure_is_answered_for_redelivery(
    kit: SimpleNamespace,
    data: st.DataObject,
    kind: str,
    ordering_key: str | None,
    mode: str,
) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", max_size=6))
    recorder = kit.Recorder(batch)
    client = create_app(shop(kit, recorder), kind).test_client()
    topic = {"queue": "orders", "topic": "events", "stream": "readings"}[kind]
    statuses = []
    for n, fate in enumerate(batch):  # Pub/Sub pushes one message per request
        event = pubsub_event(kit.item(n, fate), topic=topic, ordering_key=ordering_key)
        statuses.append(post_cloud_event(client, event, mode=mode).status_code)  # type: ignore[arg-type]
    assert [200 <= status < 300 for status in statuses] == [fate == "ok" for fate in batch]
    assert recorder.seen == kit.unordered(batch)[1]
