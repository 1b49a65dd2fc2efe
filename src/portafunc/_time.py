"""Timestamps as providers write them, parsed into aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timezone

TimeSource = datetime | str | float | int | None

_FRACTION = re.compile(r"\.(\d+)")


def to_datetime(value: TimeSource) -> datetime | None:
    """An aware UTC datetime from a datetime, an RFC 3339 string or epoch seconds.

    Raises ValueError for a string that is not a timestamp.
    """
    if value is None or isinstance(value, datetime):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python before 3.11 takes at most 6 fractional digits; providers send up to 9.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
