"""``Value``: the base of portafunc's small immutable records.

What ``@dataclass(frozen=True)`` gives — comparison, hashing and a repr by value, and
no assignment after construction — without generating code when a class is created:
a frozen dataclass costs about half a millisecond of import (cold start) each.
Subclasses declare their fields as ``__slots__`` and set them in ``__init__`` with
:meth:`Value._init` (by name: ``__slots__`` order is not significant).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar

__all__ = ["Value"]


class Value:
    __slots__ = ()
    #: Every field, in declaration order (the ``__slots__`` of the class and its bases).
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots = (klass.__dict__.get("__slots__", ()) for klass in reversed(cls.__mro__))
        cls._fields = tuple(name for names in slots for name in names)

    def _init(self, **values: Any) -> None:
        """Set every field by name (the only writes a Value allows)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"
