"""What every builder shares: the account, ids, timestamps and body encodings."""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from pydantic_core import to_json

__all__ = [
    "ACCOUNT",
    "NO_JSON",
    "REGION",
    "Event",
    "Pairs",
    "arn",
    "as_bytes",
    "as_text",
    "epoch_ms",
    "grouped",
    "iso",
    "next_sequence",
    "now",
    "pairs",
    "token",
]

REGION = "us-east-1"
ACCOUNT = "123456789012"

Event = dict[str, Any]
#: Headers or query parameters: a mapping (a list value repeats the name) or pairs.
Pairs = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


class _NoJSON:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_JSON"


#: ``json=`` was not given (None is a JSON value).
NO_JSON: Any = _NoJSON()

# Sequence numbers grow across every event a test process builds, as a shard's do.
_sequence = itertools.count(int(time.time() * 1000) * 10**6)


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime, *, ms: bool = True) -> str:
    """``2024-05-01T12:00:00.123Z`` (with ``ms=False``: ``2024-05-01T12:00:00Z``)."""
    millis = f".{moment.microsecond // 1000:03d}" if ms else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{millis}Z"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def token(size: int) -> str:
    """``size`` random bytes in base64, like receipt handles and signatures."""
    return base64.b64encode(secrets.token_bytes(size)).decode()


def next_sequence() -> int:
    return next(_sequence)


def as_text(value: Any) -> str:
    """A message as the text SQS and SNS carry: str as is, bytes as UTF-8, else JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    return to_json(value).decode()


def as_bytes(value: Any) -> bytes:
    """A record's data: bytes as is, str as UTF-8, anything else as JSON."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return to_json(value)


def pairs(items: Pairs) -> list[tuple[str, str]]:
    """Name/value pairs from a mapping (a list value repeats the name) or pairs."""
    if items is None:
        return []
    if not isinstance(items, Mapping):
        return [(str(name), str(value)) for name, value in items]
    return [
        (name, str(value))
        for name, values in items.items()
        for value in ([values] if isinstance(values, str) else values)
    ]


def grouped(items: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Pairs as ``{name: [values]}``, in first-seen order."""
    result: dict[str, list[str]] = {}
    for name, value in items:
        result.setdefault(name, []).append(value)
    return result
