"""The per-invocation :class:`Context`, kept in a context variable.

Each invocation runs with its own ``Context`` set in :data:`current`, so concurrent
invocations on threads or asyncio tasks never see each other's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

__all__ = ["Context", "TraceContext", "current"]

_LOGGER = logging.getLogger("portafunc")


class TraceContext(NamedTuple):
    """Where an invocation sits in a distributed trace, in W3C form.

    ``trace_id`` is 32 lower-case hex digits; ``span_id`` (16 hex digits) is the span the
    invocation's logs belong to: the caller's, from the trace header, or portafunc's own
    span when tracing is on; ``sampled`` is the caller's sampling decision, if known.
    """

    trace_id: str
    span_id: str | None = None
    sampled: bool | None = None


Trace = str | TraceContext | None


class Context:
    """What a handler may know about the invocation running it."""

    __slots__ = (
        "_deadline",
        "_trace_id",
        "cold_start",
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
        trace_id: Trace | Callable[[], Trace] = None,
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
        #: True for the first invocation of the app in this process (set by the pipeline).
        self.cold_start = False

    @property
    def trace_id(self) -> str | None:
        """The invocation's trace id as 32 hex digits (W3C), or None.

        Adapters read it from the cloud's trace header (X-Ray, ``traceparent``,
        ``X-Cloud-Trace-Context``) and may pass a function returning a ``str`` or a
        :class:`TraceContext`: it is called once, when the id is first read.
        """
        trace = self._resolved()
        return trace if trace is None or isinstance(trace, str) else trace.trace_id

    @trace_id.setter
    def trace_id(self, value: str | None) -> None:
        self._trace_id = value

    @property
    def trace(self) -> TraceContext | None:
        """The whole trace context (trace id, span id, sampled), or None without a trace."""
        trace = self._resolved()
        return TraceContext(trace) if isinstance(trace, str) else trace

    @trace.setter
    def trace(self, value: TraceContext | None) -> None:
        self._trace_id = value

    @property
    def span_id(self) -> str | None:
        """The span this invocation's logs belong to (16 hex digits), or None if unknown."""
        trace = self._resolved()
        return None if trace is None or isinstance(trace, str) else trace.span_id

    def _resolved(self) -> Trace:
        trace = self._trace_id
        if callable(trace):
            self._trace_id = trace = trace()
        return trace

    def remaining_time(self) -> float | None:
        """Seconds left before the platform stops this invocation, or None if unknown."""
        return None if self._deadline is None else self._deadline()

    def __repr__(self) -> str:
        return (
            f"Context(provider={self.provider!r}, function={self.function!r}, "
            f"invocation_id={self.invocation_id!r})"
        )


current: ContextVar[Context | None] = ContextVar("portafunc_context", default=None)
