"""The per-invocation :class:`Context`, kept in a context variable.

Each invocation runs with its own ``Context`` set in :data:`current`, so concurrent
invocations on threads or asyncio tasks never see each other's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

__all__ = ["Context", "current"]

_LOGGER = logging.getLogger("portafunc")


class Context:
    """What a handler may know about the invocation running it."""

    __slots__ = (
        "_deadline",
        "_trace_id",
        "function",
        "invocation_id",
        "logger",
        "native",
        "provider",
    )

    def __init__(
        self,
        *,
        provider: str,
        function: str = "",
        invocation_id: str = "",
        trace_id: str | Callable[[], str | None] | None = None,
        native: Any = None,
        remaining_time: Callable[[], float | None] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.provider = provider
        self.function = function
        self.invocation_id = invocation_id
        self._trace_id = trace_id
        self.native = native
        self.logger = logger or _LOGGER
        self._deadline = remaining_time

    @property
    def trace_id(self) -> str | None:
        """The invocation's trace id (X-Ray, W3C or Cloud Trace), or None.

        Adapters may pass a function: it is called once, when the id is first read.
        """
        trace_id = self._trace_id
        if callable(trace_id):
            self._trace_id = trace_id = trace_id()
        return trace_id

    @trace_id.setter
    def trace_id(self, value: str | None) -> None:
        self._trace_id = value

    def remaining_time(self) -> float | None:
        """Seconds left before the platform stops this invocation, or None if unknown."""
        return None if self._deadline is None else self._deadline()

    def __repr__(self) -> str:
        return (
            f"Context(provider={self.provider!r}, function={self.function!r}, "
            f"invocation_id={self.invocation_id!r})"
        )


current: ContextVar[Context | None] = ContextVar("portafunc_context", default=None)
