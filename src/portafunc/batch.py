"""What a batch function (``list[Message[T]]``) may return: :class:`BatchResult`.

A batch function reports the messages that failed, by id, by returning
``BatchResult(failed=[...])`` or raising :class:`~portafunc.errors.BatchFailure`;
returning None means every message it was given succeeded.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._value import Value

__all__ = ["BatchResult"]


class BatchResult(Value):
    """The ids of the messages of a batch that failed; the others succeeded."""

    __slots__ = ("failed",)
    failed: tuple[str, ...]

    def __init__(self, failed: Iterable[str] = ()) -> None:
        self._init(failed=tuple(failed))
