"""What every builder shares: the project, ids, timestamps and body encodings."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic_core import to_json, to_jsonable_python

__all__ = ["PROJECT", "as_bytes", "message_id", "new_id", "now", "plain", "rfc3339"]

PROJECT = "my-project"


def now() -> datetime:
    return datetime.now(timezone.utc)


def rfc3339(moment: datetime | None = None) -> str:
    """``2024-05-01T12:00:00.123Z``, as Google's services write times (now by default)."""
    moment = (moment or now()).astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def message_id() -> str:
    """A Pub/Sub message id: 16 decimal digits."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def new_id() -> str:
    return str(uuid.uuid4())


def as_bytes(data: Any) -> bytes:
    """``bytes`` as they are, ``str`` as UTF-8, anything else as JSON (pydantic models too)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    return to_json(data)


def plain(data: Any) -> Any:
    """``data`` as JSON-able values (pydantic models, dataclasses, datetimes…)."""
    return to_jsonable_python(data)
