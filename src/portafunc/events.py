"""The provider-neutral envelopes every non-HTTP trigger delivers.

Adapters build them straight from the provider payload. Each keeps the
untouched payload in ``raw`` and parses times and attributes only when read.
Only the user's payload type ``T`` is validated, by the invocation pipeline,
before the handler runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Generic, Literal, TypeVar

from ._time import TimeSource, to_datetime
from .errors import InvalidPayload

__all__ = [
    "Action",
    "ChangeEvent",
    "ChangeKind",
    "Event",
    "Message",
    "ScheduleEvent",
    "StorageEvent",
]

T = TypeVar("T")
Action = Literal["created", "deleted", "archived", "restored", "metadata_updated"]
ChangeKind = Literal["insert", "update", "delete", "upsert"]
Attributes = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _Envelope:
    __slots__ = ("_provider", "_raw", "_time")

    def __init__(self, time: TimeSource, provider: str, raw: Any) -> None:
        self._time: TimeSource = time
        self._provider = provider
        self._raw = raw

    @property
    def time(self) -> datetime | None:
        """When the event happened (aware, UTC), or None if the provider does not say;
        InvalidPayload if what the provider sent is not a timestamp."""
        time = self._time
        if time is None or (isinstance(time, datetime) and time.tzinfo is timezone.utc):
            return time
        try:
            parsed = to_datetime(time)  # naive means UTC; other zones converted
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            reason = f"the provider's time {time!r:.80} is not a timestamp ({type(exc).__name__})"
            raise InvalidPayload(reason, malformed=True) from None
        self._time = parsed
        return parsed

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def raw(self) -> Any:
        """The untouched provider payload this envelope was built from."""
        return self._raw


class _Payload(_Envelope, Generic[T]):
    """An envelope carrying a user payload: raw ``body`` bytes or an already-decoded value.

    One is built per message, so :class:`Message` and :class:`Event` set every field,
    inherited ones included, in their own ``__init__`` rather than up a chain of three.
    """

    __slots__ = ("_body", "_data", "_value")
    _body: bytes | None
    _value: Any  # the provider's decoded payload, or MISSING
    _data: Any  # the payload validated into T, or MISSING until binding sets it

    @property
    def data(self) -> T:
        """The payload, validated into ``T`` (JSON-decoded when there is no ``T``)."""
        if self._data is not MISSING:
            return self._data  # type: ignore[no-any-return]
        if self._value is not MISSING:
            return self._value  # type: ignore[no-any-return]
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def body(self) -> bytes:
        """The payload's raw bytes (JSON-encoded if the provider delivered a decoded value)."""
        if self._body is not None:
            return self._body
        # Not stored in _body: binding decodes the provider's value, not this re-encoding.
        from pydantic_core import to_json

        return b"" if self._value is MISSING else to_json(self._value)


class Message(_Payload[T]):
    """A queue, topic or stream message."""

    __slots__ = ("_attempt", "_attributes", "_id", "_partition_key", "_source")

    def __init__(
        self,
        *,
        id: str,
        body: bytes | None = None,
        data: Any = MISSING,
        attributes: Attributes = None,
        source: str = "",
        time: TimeSource = None,
        attempt: int | None = None,
        partition_key: str | None = None,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        self._time, self._provider, self._raw = time, provider, raw
        self._body, self._value, self._data = body, data, MISSING
        self._id = id
        self._attributes = attributes
        self._source = source
        self._attempt = attempt
        self._partition_key = partition_key

    @property
    def id(self) -> str:
        return self._id

    @property
    def attributes(self) -> Mapping[str, Any]:
        attributes = self._attributes
        if attributes is None:
            return {}
        if callable(attributes):
            self._attributes = attributes = attributes()
        return attributes

    @property
    def source(self) -> str:
        """The queue, topic or stream name (on GCP the subscription when the topic is unknown)."""
        return self._source

    @property
    def attempt(self) -> int | None:
        """Which delivery this is, from 1; None when the provider does not count."""
        return self._attempt

    @property
    def partition_key(self) -> str | None:
        """The stream partition key, FIFO message group or ordering key."""
        return self._partition_key

    def __repr__(self) -> str:
        return f"Message(id={self._id!r}, source={self._source!r}, provider={self._provider!r})"

    def to_cloudevent(self) -> dict[str, Any]:
        """This message as a CloudEvents 1.0 structured-JSON dict (see docs/cloudevents.md)."""
        from .cloudevents import message  # imported on first use, not at cold start

        return message(self)


class Event(_Payload[T]):
    """An event with CloudEvents attributes (EventBridge, Event Grid, Eventarc)."""

    __slots__ = ("_id", "_source", "_subject", "_type")

    def __init__(
        self,
        *,
        id: str,
        source: str,
        type: str,
        data: Any = MISSING,
        body: bytes | None = None,
        subject: str | None = None,
        time: TimeSource = None,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        self._time, self._provider, self._raw = time, provider, raw
        self._body, self._value, self._data = body, data, MISSING
        self._id = id
        self._source = source
        self._type = type
        self._subject = subject

    @property
    def id(self) -> str:
        return self._id

    @property
    def source(self) -> str:
        return self._source

    @property
    def type(self) -> str:
        return self._type

    @property
    def subject(self) -> str | None:
        return self._subject

    def __repr__(self) -> str:
        return f"Event(id={self._id!r}, type={self._type!r}, provider={self._provider!r})"

    def to_cloudevent(self) -> dict[str, Any]:
        """This event as a CloudEvents 1.0 structured-JSON dict (see docs/cloudevents.md)."""
        from .cloudevents import event  # imported on first use, not at cold start

        return event(self)


class StorageEvent(_Envelope):
    """An object was created, deleted, archived, restored or had its metadata updated."""

    __slots__ = ("_action", "_bucket", "_content_type", "_etag", "_key", "_size")

    def __init__(
        self,
        *,
        bucket: str,
        key: str,
        action: Action = "created",
        size: int | None = None,
        etag: str | None = None,
        content_type: str | None = None,
        time: TimeSource = None,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        super().__init__(time, provider, raw)
        self._bucket = bucket
        self._key = key
        self._action: Action = action
        self._size = size
        self._etag = etag
        self._content_type = content_type

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def key(self) -> str:
        """The object key, URL-decoded."""
        return self._key

    @property
    def action(self) -> Action:
        return self._action

    @property
    def size(self) -> int | None:
        return self._size

    @property
    def etag(self) -> str | None:
        return self._etag

    @property
    def content_type(self) -> str | None:
        return self._content_type

    def __repr__(self) -> str:
        return f"StorageEvent(bucket={self._bucket!r}, key={self._key!r}, action={self._action!r})"

    def to_cloudevent(self) -> dict[str, Any]:
        """This object event as a CloudEvents 1.0 structured-JSON dict (docs/cloudevents.md)."""
        from .cloudevents import storage_event  # imported on first use, not at cold start

        return storage_event(self)


class ScheduleEvent(_Envelope):
    """A scheduled tick."""

    __slots__ = ("_past_due", "_schedule")

    def __init__(
        self,
        *,
        schedule: str,
        time: TimeSource = None,
        past_due: bool = False,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        super().__init__(time, provider, raw)
        self._schedule = schedule
        self._past_due = past_due

    @property
    def schedule(self) -> str:
        """The name of the portafunc function this schedule belongs to."""
        return self._schedule

    @property
    def past_due(self) -> bool:
        """True when the tick fires late (Azure tells; False where unknown)."""
        return self._past_due

    def __repr__(self) -> str:
        return f"ScheduleEvent(schedule={self._schedule!r}, time={self._time!r})"

    def to_cloudevent(self) -> dict[str, Any]:
        """This tick as a CloudEvents 1.0 structured-JSON dict (see docs/cloudevents.md)."""
        from .cloudevents import schedule_event  # imported on first use, not at cold start

        return schedule_event(self)


class ChangeEvent(_Envelope, Generic[T]):
    """A database change: a row or document inserted, updated, deleted or upserted."""

    __slots__ = ("_data", "_key", "_kind", "_new", "_old", "_table")

    def __init__(
        self,
        *,
        table: str,
        kind: ChangeKind,
        key: Mapping[str, Any],
        old: Any = None,
        new: Any = None,
        time: TimeSource = None,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        super().__init__(time, provider, raw)
        self._table = table
        self._kind: ChangeKind = kind
        self._key = key
        self._old = old
        self._new = new
        self._data: tuple[Any, Any] | None = None

    @property
    def table(self) -> str:
        return self._table

    @property
    def kind(self) -> ChangeKind:
        return self._kind

    @property
    def key(self) -> Mapping[str, Any]:
        return self._key

    @property
    def old(self) -> T | None:
        """The item before the change, validated into ``T`` (None when unknown)."""
        return self._old if self._data is None else self._data[0]  # type: ignore[no-any-return]

    @property
    def new(self) -> T | None:
        """The item after the change, validated into ``T`` (None after a delete)."""
        return self._new if self._data is None else self._data[1]  # type: ignore[no-any-return]

    def _images(self) -> tuple[Any, Any]:
        return self._old, self._new

    def _with_data(self, old: Any, new: Any) -> None:
        self._data = (old, new)

    def __repr__(self) -> str:
        return f"ChangeEvent(table={self._table!r}, kind={self._kind!r}, key={self._key!r})"

    def to_cloudevent(self) -> dict[str, Any]:
        """This change as a CloudEvents 1.0 structured-JSON dict (see docs/cloudevents.md)."""
        from .cloudevents import change_event  # imported on first use, not at cold start

        return change_event(self)
