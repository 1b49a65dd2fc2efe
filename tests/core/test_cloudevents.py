"""``to_cloudevent()`` on every envelope: the CloudEvents 1.0 structured JSON it returns,
its portable fallbacks, its totality on odd ``raw`` values, and round trips through the
``cloudevents`` SDK's binary and structured HTTP modes."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_dict, from_http
from pydantic import BaseModel

from portafunc import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc.cloudevents import raw_text

STRUCTURED = {"content-type": "application/cloudevents+json"}
#: raw values no adapter sends: to_cloudevent() must still answer with the fallbacks.
ODD_RAWS: list[Any] = [None, 3, "text", [1, 2], {"Sns": 5, "eventSource": 1}, object()]


class Item(BaseModel):
    sku: str


class Exploding:
    """A raw whose every lookup raises."""

    def get(self, name: str) -> Any:
        raise RuntimeError(name)

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


def round_trip(cloud_event: dict[str, Any]) -> None:
    """The SDK reads ``cloud_event`` and gives back the same attributes and data through
    binary and structured HTTP mode."""
    attributes = {k: v for k, v in cloud_event.items() if k not in ("data", "data_base64")}
    data = cloud_event.get("data")
    if "data_base64" in cloud_event:
        data = base64.b64decode(cloud_event["data_base64"])
        built = CloudEvent(attributes, data)
    else:
        built = from_dict(cloud_event)
    parsed = from_http(STRUCTURED, json.dumps(cloud_event).encode())
    for event in (built, parsed):
        for mode in (to_binary, to_structured):
            headers, body = mode(event)
            back = from_http(headers, body)
            assert back.get_attributes() == event.get_attributes()
            assert back.data == data
        got = dict(event.get_attributes())
        if "time" not in attributes:
            got.pop("time")  # the SDK adds one
        assert got == attributes


def test_a_local_message_with_json_body() -> None:
    msg: Message[Any] = Message(
        id="m1",
        body=b'{"id": "a1"}',
        source="orders",
        time="2024-05-01T10:00:00.5Z",
        partition_key="customer-7",
    )
    assert msg.to_cloudevent() == {
        "specversion": "1.0",
        "id": "m1",
        "source": "portafunc://local/message/orders",
        "type": "portafunc.message",
        "time": "2024-05-01T10:00:00.500000Z",
        "portafuncprovider": "local",
        "partitionkey": "customer-7",
        "datacontenttype": "application/json",
        "data": {"id": "a1"},
    }
    round_trip(msg.to_cloudevent())


@pytest.mark.parametrize("body", [b"Test message.", b"\xff\x00binary", b"{not json"])
def test_a_body_that_is_not_json_is_data_base64(body: bytes) -> None:
    cloud_event = Message(id="m1", body=body, source="q").to_cloudevent()
    assert cloud_event["datacontenttype"] == "application/octet-stream"
    assert base64.b64decode(cloud_event["data_base64"]) == body
    assert "data" not in cloud_event
    assert "time" not in cloud_event
    round_trip(cloud_event)


def test_nan_and_infinity_are_not_json() -> None:
    for body in (b"NaN", b"[Infinity]"):
        cloud_event = Message(id="m1", body=body, source="q").to_cloudevent()
        assert base64.b64decode(cloud_event["data_base64"]) == body
    # not round-tripped: the SDK's binary mode JSON-decodes any body Python's json takes


def test_an_empty_body_has_no_data() -> None:
    cloud_event = Message(id="m1", body=b"", source="q").to_cloudevent()
    assert not {"data", "data_base64", "datacontenttype"} & cloud_event.keys()
    round_trip(cloud_event)


def test_a_decoded_value_is_json_data() -> None:
    msg: Message[Any] = Message(id="m1", data={"n": [1, 2]}, source="q", provider="gcp")
    assert msg.to_cloudevent()["data"] == {"n": [1, 2]}


def test_an_event_keeps_its_own_attributes() -> None:
    event: Event[Any] = Event(
        id="e1",
        source="/orders",
        type="com.example.order.created",
        subject="a1",
        data={"qty": 2},
        time="2024-05-01T10:00:00Z",
        provider="azure",
    )
    cloud_event = event.to_cloudevent()
    assert (cloud_event["id"], cloud_event["source"], cloud_event["type"]) == (
        "e1",
        "/orders",
        "com.example.order.created",
    )
    assert cloud_event["subject"] == "a1"
    assert cloud_event["data"] == {"qty": 2}
    round_trip(cloud_event)


def test_a_storage_event() -> None:
    event = StorageEvent(
        bucket="uploads", key="a/b.txt", action="deleted", size=3, time="2024-05-01T10:00:00Z"
    )
    cloud_event = event.to_cloudevent()
    assert cloud_event["source"] == "portafunc://local/storage/uploads"
    assert cloud_event["type"] == "portafunc.storage.deleted"
    assert cloud_event["subject"] == "a/b.txt"
    assert cloud_event["data"] == {
        "bucket": "uploads",
        "key": "a/b.txt",
        "action": "deleted",
        "size": 3,
        "etag": None,
        "contentType": None,
    }
    assert event.to_cloudevent()["id"] == cloud_event["id"]  # stable without a provider id
    other = StorageEvent(bucket="uploads", key="a/c.txt", time="2024-05-01T10:00:00Z")
    assert other.to_cloudevent()["id"] != cloud_event["id"]
    round_trip(cloud_event)


def test_a_schedule_event() -> None:
    tick = ScheduleEvent(schedule="nightly", time="2024-05-01T00:00:00Z", past_due=True)
    cloud_event = tick.to_cloudevent()
    assert cloud_event["source"] == "portafunc://local/schedule/nightly"
    assert cloud_event["type"] == "portafunc.schedule.tick"
    assert cloud_event["data"] == {"schedule": "nightly", "pastDue": True}
    round_trip(cloud_event)


def test_a_change_event_with_values_json_cannot_hold() -> None:
    change: ChangeEvent[Any] = ChangeEvent(
        table="items",
        kind="update",
        key={"pk": "a", "sk": 2},
        old={"price": Decimal("1.5"), "blob": b"\xff"},
        new=Item(sku="x"),
    )
    cloud_event = change.to_cloudevent()
    assert cloud_event["source"] == "portafunc://local/changes/items"
    assert cloud_event["type"] == "portafunc.change.update"
    assert cloud_event["subject"] == "a/2"
    assert cloud_event["data"]["old"] == {"price": "1.5", "blob": "_w=="}
    assert cloud_event["data"]["new"] == {"sku": "x"}
    round_trip(cloud_event)


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp", "local"])
@pytest.mark.parametrize("raw", [*ODD_RAWS, Exploding()], ids=repr)
def test_odd_raw_values_give_the_fallbacks(provider: str, raw: Any) -> None:
    envelopes: list[Any] = [
        Message(id="m", body=b"x", source="q", provider=provider, raw=raw),
        StorageEvent(bucket="b", key="k", provider=provider, raw=raw),
        ScheduleEvent(schedule="s", provider=provider, raw=raw),
        ChangeEvent(table="t", kind="insert", key={"id": 1}, provider=provider, raw=raw),
    ]
    for envelope in envelopes:
        cloud_event = envelope.to_cloudevent()
        assert cloud_event["source"], envelope
        assert cloud_event["id"], envelope
        assert cloud_event["portafuncprovider"] == provider
        round_trip(cloud_event)


def test_raw_text_is_total() -> None:
    assert raw_text({"a": "x"}, "b", "a") == "x"
    assert raw_text({"a": ""}, "a") is None
    assert raw_text({"a": 1}, "a") is None
    assert raw_text(Exploding(), "a") is None
    assert raw_text(None, "a") is None


def test_extension_names_are_lower_case_alphanumeric() -> None:
    msg: Message[Any] = Message(id="m", body=b"1", source="q", partition_key="p")
    for name in msg.to_cloudevent():
        assert name in ("data", "data_base64") or (name.isalnum() and name.islower()), name
