"""What every builder shares: the subscription, times as the host writes them, and
the ``meta.Datum`` values the worker hands azure.functions' converters."""

from __future__ import annotations

import contextlib
import json
import secrets
import weakref
from datetime import datetime, timezone
from typing import Any, TypeVar

from azure.functions import meta
from pydantic_core import to_json

__all__ = [
    "NO_JSON",
    "RESOURCE_GROUP",
    "SUBSCRIPTION",
    "as_bytes",
    "as_text",
    "body_datum",
    "convert",
    "json_datum",
    "net_time",
    "now",
    "plain",
    "record",
    "resource_id",
    "sent",
    "string_datum",
    "ticks",
]

T = TypeVar("T")
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "my-resource-group"


class _NoJSON:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_JSON"


#: ``json=`` was not given (None is a JSON value).
NO_JSON: Any = _NoJSON()


def now() -> datetime:
    return datetime.now(timezone.utc)


def ticks(moment: datetime) -> str:
    """.NET's round-trip UTC form with 7 fractional digits: ``2017-06-26T18:41:00.9584103Z``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}{secrets.randbelow(10)}Z"


def net_time(moment: datetime) -> str:
    """A DateTimeOffset as the host serialises it: ``2019-10-09T17:58:31+00:00``
    (fractional seconds only when there are some)."""
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}+00:00"


def resource_id(provider: str) -> str:
    """``/subscriptions/…/resourceGroups/…/providers/<provider>``."""
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/{provider}"


def as_bytes(value: Any) -> bytes:
    """A message body: bytes as is, str as UTF-8, anything else as JSON (models too)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return to_json(value)


def as_text(value: Any) -> str:
    """A message body as text: str as is, bytes as UTF-8, anything else as JSON."""
    if isinstance(value, str):
        return value
    return as_bytes(value).decode("utf-8")


def plain(value: Any) -> Any:
    """``value`` as plain JSON data (pydantic models, dataclasses, datetimes converted)."""
    return json.loads(to_json(value))


def string_datum(value: str) -> meta.Datum:
    return meta.Datum(value, "string")


def json_datum(value: Any) -> meta.Datum:
    """A JSON-typed datum, as the host sends objects, arrays and DateTimes."""
    return meta.Datum(json.dumps(value), "json")


def body_datum(body: Any) -> meta.Datum:
    """A trigger's payload: ``bytes`` as bytes, anything else as a string."""
    if isinstance(body, (bytes, bytearray)):
        return meta.Datum(bytes(body), "bytes")
    return meta.Datum(as_text(body), "string")


# What each built object was decoded from: a function whose parameter is annotated
# ``str`` or ``bytes`` gets that data instead (the worker's generic binding).
_SENT: weakref.WeakKeyDictionary[Any, meta.Datum] = weakref.WeakKeyDictionary()


def record(obj: T, datum: meta.Datum) -> T:
    """``obj``, remembering that the converter made it from ``datum``."""
    with contextlib.suppress(TypeError):  # lists: an Event Hubs batch, a DocumentList
        _SENT[obj] = datum
    return obj


def sent(obj: Any) -> meta.Datum | None:
    """The datum ``obj`` was decoded from, if a builder made it."""
    try:
        return _SENT.get(obj)
    except TypeError:
        return None


def convert(converter: Any, datum: meta.Datum, metadata: dict[str, meta.Datum] | None) -> Any:
    """What ``converter`` decodes from ``datum`` and the trigger ``metadata``, as the
    worker calls it, remembered with its datum (see :func:`sent`)."""
    return record(converter.decode(datum, trigger_metadata=metadata), datum)
