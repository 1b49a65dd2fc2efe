"""What ``POST /_portafunc/functions/{name}`` of ``portafunc serve`` delivers.

The request body becomes the envelope of the function's trigger: for queue, topic,
stream and event functions the message or event data (query parameters become a
message's attributes); for storage a JSON object of StorageEvent fields; for changes
a JSON object with ``kind``, ``key``, ``old``, ``new``; a schedule tick ignores it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, ValidationError

from ._time import to_datetime
from .app import Function
from .binding import _invalid
from .events import Action, ChangeEvent, ChangeKind, Event, Message, ScheduleEvent, StorageEvent

__all__ = ["envelope_for"]

M = TypeVar("M", bound=BaseModel)


class _StorageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    bucket: str | None = None
    action: Action = "created"
    size: int | None = None
    etag: str | None = None
    content_type: str | None = None
    time: datetime | None = None


class _ChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ChangeKind
    key: dict[str, Any]
    old: Any = None
    new: Any = None
    time: datetime | None = None


def _message(function: Function, body: bytes, query: str) -> Message[Any]:
    return Message(
        id=uuid.uuid4().hex, body=body, attributes=dict(parse_qsl(query)),
        source=function.trigger.resource, time=_now(), attempt=1,
    )  # fmt: skip


def _event(function: Function, body: bytes, query: str) -> Event[Any]:
    return Event(
        id=uuid.uuid4().hex, source="portafunc.serve", type=function.trigger.resource,
        body=body, time=_now(),
    )  # fmt: skip


def _storage(function: Function, body: bytes, query: str) -> StorageEvent:
    fields = _parse(_StorageBody, body)
    return StorageEvent(
        bucket=fields.bucket or function.trigger.resource, key=fields.key, action=fields.action,
        size=fields.size, etag=fields.etag, content_type=fields.content_type,
        time=to_datetime(fields.time) or _now(), raw=json.loads(body),
    )  # fmt: skip


def _schedule(function: Function, body: bytes, query: str) -> ScheduleEvent:
    return ScheduleEvent(schedule=function.name, time=_now())


def _change(function: Function, body: bytes, query: str) -> ChangeEvent[Any]:
    fields = _parse(_ChangeBody, body)
    return ChangeEvent(
        table=function.trigger.resource, kind=fields.kind, key=fields.key, old=fields.old,
        new=fields.new, time=to_datetime(fields.time) or _now(), raw=json.loads(body),
    )  # fmt: skip


_BUILDERS: dict[str, Callable[[Function, bytes, str], Any]] = {
    "queue": _message,
    "topic": _message,
    "stream": _message,
    "event": _event,
    "storage": _storage,
    "schedule": _schedule,
    "changes": _change,
}


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _invalid(exc, ("body",)) from None


def envelope_for(function: Function, body: bytes, query: str) -> Any:
    """The envelope ``portafunc serve`` delivers to ``function`` for a request body."""
    return _BUILDERS[function.trigger.kind](function, body, query)


def _now() -> datetime:
    return datetime.now(timezone.utc)
