"""portafunc.events and portafunc._time: the envelopes and how they read times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from portafunc import ChangeEvent, Event, InvalidPayload, Message, ScheduleEvent, StorageEvent
from portafunc._time import TimeSource, to_datetime

UTC = timezone.utc
NOON = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


def _envelopes(time: TimeSource = None) -> list[Any]:
    """One of each envelope, built with ``time``."""
    return [
        Message(id="m1", body=b"{}", time=time),
        Event(id="e1", source="s", type="t", data={}, time=time),
        StorageEvent(bucket="b", key="k", time=time),
        ScheduleEvent(schedule="tick", time=time),
        ChangeEvent(table="t", kind="insert", key={"id": 1}, time=time),
    ]


# -- times -----------------------------------------------------------------------------

TIMES: list[tuple[TimeSource, datetime | None]] = [
    (None, None),
    ("2024-05-06T12:00:00Z", NOON),
    ("2024-05-06t12:00:00z", NOON),
    ("2024-05-06T12:00:00+00:00", NOON),
    ("2024-05-06T12:00:00-00:00", NOON),
    ("2024-05-06 12:00:00Z", NOON),
    ("  2024-05-06T12:00:00Z ", NOON),
    ("2024-05-06T12:00:00", NOON),  # no offset: UTC
    ("2024-05-06T14:30:00+02:30", NOON),
    ("2024-05-06T07:00:00-05:00", NOON),
    ("2024-05-06T12:00:00.5Z", NOON.replace(microsecond=500000)),
    ("2024-05-06T12:00:00.123Z", NOON.replace(microsecond=123000)),
    ("2024-05-06T12:00:00.123456Z", NOON.replace(microsecond=123456)),
    ("2024-05-06T12:00:00.123456789Z", NOON.replace(microsecond=123456)),
    ("2024-05-06T14:00:00.999999999+02:00", NOON.replace(microsecond=999999)),
    ("2024-05-06", NOON.replace(hour=0)),
    (1714996800, NOON),
    (1714996800.25, NOON.replace(microsecond=250000)),
    (0, datetime(1970, 1, 1, tzinfo=UTC)),
    (NOON, NOON),
    (datetime(2024, 5, 6, 12), NOON),  # naive: UTC
    (datetime(2024, 5, 6, 21, tzinfo=timezone(timedelta(hours=9))), NOON),
]


@pytest.mark.parametrize(("source", "expected"), TIMES)
def test_to_datetime(source: TimeSource, expected: datetime | None) -> None:
    parsed = to_datetime(source)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(("source", "expected"), TIMES)
def test_envelope_time(source: TimeSource, expected: datetime | None) -> None:
    for envelope in _envelopes(source):
        time = envelope.time
        assert time == expected, envelope
        assert time is None or time.tzinfo is UTC
        assert envelope.time is time  # converted once


@pytest.mark.parametrize("text", ["garbage", "", "2024-13-01T00:00:00Z", "12:00"])
def test_a_bad_time_string_is_an_invalid_payload_when_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"isoformat|month"):
        to_datetime(text)
    for envelope in _envelopes(text):  # building the envelope does not parse
        with pytest.raises(InvalidPayload, match="is not a timestamp") as raised:
            _ = envelope.time
        assert raised.value.malformed
        assert repr(envelope)


@pytest.mark.parametrize("value", [10**30, float("inf"), -(10**20)])
def test_an_epoch_out_of_range_is_an_invalid_payload_when_read(value: float) -> None:
    for envelope in _envelopes(value):
        with pytest.raises(InvalidPayload, match="is not a timestamp"):
            _ = envelope.time


# -- Message ---------------------------------------------------------------------------


def test_message_defaults() -> None:
    msg = Message[Any](id="m1")
    assert msg.id == "m1"
    assert msg.attributes == {}
    assert (msg.source, msg.time, msg.attempt, msg.partition_key) == ("", None, None, None)
    assert (msg.provider, msg.raw) == ("local", None)
    assert msg.body == b""


def test_message_fields() -> None:
    raw: dict[str, list[Any]] = {"Records": []}
    msg = Message[Any](
        id="m1",
        body=b"{}",
        attributes={"a": "1"},
        source="orders",
        time=NOON,
        attempt=3,
        partition_key="g1",
        provider="aws",
        raw=raw,
    )
    assert (msg.source, msg.time, msg.attempt, msg.partition_key) == ("orders", NOON, 3, "g1")
    assert msg.attributes == {"a": "1"}
    assert (msg.provider, msg.raw) == ("aws", raw)


@pytest.mark.parametrize(
    ("body", "data"),
    [
        (b'{"a": [1, 2]}', {"a": [1, 2]}),
        (b'"text"', "text"),
        (b"null", None),
        (b"3", 3),
    ],
)
def test_message_data_from_a_body(body: bytes, data: Any) -> None:
    msg = Message[Any](id="m1", body=body)
    assert msg.body is body
    assert msg.data == data


@pytest.mark.parametrize(
    ("data", "body"),
    [
        ({"a": [1, 2]}, b'{"a":[1,2]}'),
        ("text", b'"text"'),
        (None, b"null"),
        (3, b"3"),
    ],
)
def test_message_body_from_a_decoded_value(data: Any, body: bytes) -> None:
    msg = Message[Any](id="m1", data=data)
    assert msg.data is data
    assert msg.body == body
    assert msg.data is data


def test_message_body_is_not_json_is_an_error_only_when_data_is_read() -> None:
    msg = Message[Any](id="m1", body=b"not json")
    assert msg.body == b"not json"
    with pytest.raises(ValueError, match="Expecting value"):
        _ = msg.data


def test_attributes_from_a_callable_are_evaluated_once_and_lazily() -> None:
    calls: list[int] = []

    def attributes() -> Mapping[str, Any]:
        calls.append(1)
        return {"trace": "abc"}

    msg = Message[Any](id="m1", attributes=attributes)
    assert calls == []
    assert msg.attributes == {"trace": "abc"}
    assert msg.attributes["trace"] == "abc"
    assert calls == [1]


# -- Event, StorageEvent, ScheduleEvent, ChangeEvent -----------------------------------


def test_event_fields() -> None:
    event = Event[Any](id="e1", source="shop", type="order.created", data={"id": "a"})
    assert (event.id, event.source, event.type, event.subject) == (
        "e1",
        "shop",
        "order.created",
        None,
    )
    assert event.data == {"id": "a"}
    assert event.body == b'{"id":"a"}'
    with_body = Event[Any](id="e2", source="s", type="t", body=b"[1]", subject="orders/a")
    assert (with_body.data, with_body.subject) == ([1], "orders/a")


def test_storage_event() -> None:
    event = StorageEvent(bucket="b", key="a b.txt")
    assert (event.bucket, event.key, event.action) == ("b", "a b.txt", "created")
    assert (event.size, event.etag, event.content_type, event.time) == (None, None, None, None)
    full = StorageEvent(
        bucket="b", key="k", action="deleted", size=3, etag="e", content_type="text/plain"
    )
    assert (full.action, full.size, full.etag, full.content_type) == (
        "deleted",
        3,
        "e",
        "text/plain",
    )


def test_schedule_event() -> None:
    event = ScheduleEvent(schedule="tick")
    assert (event.schedule, event.time, event.past_due) == ("tick", None, False)
    assert ScheduleEvent(schedule="tick", past_due=True, time=NOON).past_due is True


def test_change_event_old_and_new() -> None:
    key = {"pk": "a", "sk": 1}
    event = ChangeEvent[Any](table="t", kind="update", key=key, old={"v": 1}, new={"v": 2})
    assert (event.table, event.kind, event.key) == ("t", "update", key)
    assert (event.old, event.new) == ({"v": 1}, {"v": 2})
    deleted = ChangeEvent[Any](table="t", kind="delete", key=key, old={"v": 2})
    assert (deleted.old, deleted.new) == ({"v": 2}, None)
    upsert = ChangeEvent[Any](table="t", kind="upsert", key=key, new={"v": 3})
    assert (upsert.old, upsert.new) == (None, {"v": 3})


# -- immutability and repr -------------------------------------------------------------

COMMON = ["time", "provider", "raw", "anything_else"]
PUBLIC: list[tuple[Callable[[], Any], list[str]]] = [
    (
        lambda: Message(id="m1", body=b"{}"),
        ["id", "data", "body", "attributes", "source", "attempt", "partition_key"],
    ),
    (lambda: Event(id="e", source="s", type="t"), ["id", "source", "type", "subject", "data"]),
    (
        lambda: StorageEvent(bucket="b", key="k"),
        ["bucket", "key", "action", "size", "etag", "content_type"],
    ),
    (lambda: ScheduleEvent(schedule="s"), ["schedule", "past_due"]),
    (lambda: ChangeEvent(table="t", kind="insert", key={}), ["table", "kind", "key", "old", "new"]),
]


@pytest.mark.parametrize(("make", "names"), PUBLIC)
def test_envelopes_are_immutable(make: Callable[[], Any], names: list[str]) -> None:
    envelope = make()
    before = repr(envelope)
    for name in [*names, *COMMON]:
        with pytest.raises(AttributeError):
            setattr(envelope, name, "changed")
    assert not hasattr(envelope, "__dict__")
    assert repr(envelope) == before


@pytest.mark.parametrize(
    ("envelope", "text"),
    [
        (Message(id="m1", source="q"), "Message(id='m1', source='q', provider='local')"),
        (Event(id="e", source="s", type="t"), "Event(id='e', type='t', provider='local')"),
        (StorageEvent(bucket="b", key="k"), "StorageEvent(bucket='b', key='k', action='created')"),
        (ScheduleEvent(schedule="s", time=NOON), "ScheduleEvent(schedule='s', time=datetime."),
        (ScheduleEvent(schedule="s", time="bad"), "ScheduleEvent(schedule='s', time='bad')"),
        (
            ChangeEvent(table="t", kind="delete", key={"id": 1}),
            "ChangeEvent(table='t', kind='delete', key={'id': 1})",
        ),
    ],
)
def test_repr(envelope: Any, text: str) -> None:
    assert repr(envelope).startswith(text)
