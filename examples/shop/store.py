"""The shop's state: a few in-memory tables, enough to demo the app, gone on restart.

A deployed shop would keep these in DynamoDB, Cosmos DB or Firestore. The handlers in
``app.py`` only call the small methods below, so swapping the store is a local change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

__all__ = ["Log", "Table", "reset"]

T = TypeVar("T")

_lock = threading.Lock()
_all: list[Table[Any] | Log[Any]] = []


class Table(Generic[T]):
    """A named key-value table."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._rows: dict[str, T] = {}
        _all.append(self)

    def get(self, key: str) -> T | None:
        return self._rows.get(key)

    def put(self, key: str, value: T) -> None:
        with _lock:
            self._rows[key] = value

    def insert(self, key: str, value: T) -> bool:
        """Add ``key`` unless it exists; whether it was added."""
        with _lock:
            if key in self._rows:
                return False
            self._rows[key] = value
            return True

    def delete(self, key: str) -> T | None:
        """Remove ``key``; the value it had, or None."""
        with _lock:
            return self._rows.pop(key, None)

    def items(self) -> list[tuple[str, T]]:
        return list(self._rows.items())

    def clear(self) -> None:
        with _lock:
            self._rows.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"Table({self.name!r}, rows={len(self)})"


class Log(Generic[T]):
    """A named append-only list."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: list[T] = []
        _all.append(self)

    def append(self, entry: T) -> None:
        with _lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with _lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries))

    def __getitem__(self, index: int) -> T:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Log({self.name!r}, entries={len(self)})"


def reset() -> None:
    """Empty every table and log (tests call it between cases)."""
    for container in _all:
        container.clear()
