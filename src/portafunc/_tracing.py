"""An OpenTelemetry span per invocation, for ``App(tracing=True)``.

OpenTelemetry is imported when the first traced invocation starts, never before, and
never for an app without ``tracing``. Without ``opentelemetry-api`` installed, a warning
is logged once and invocations run without spans.

The span is named after the function, started as a child of the current OpenTelemetry
span if there is one (an instrumentation layer's), else of the caller's span from the
cloud's trace header (``ctx.trace``), else as a new trace. It is the current span while
the handler runs, and while it runs its ids are ``ctx.trace`` when it is in the
invocation's trace (or there was none), so log lines carry the span's id; afterwards
``ctx.trace`` is the caller's again (adapters deliver some batches record by record on
one Context: each record's span is then a sibling, not a child, of the previous one).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from .context import Context, TraceContext

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

__all__ = ["record_exception", "traced", "traced_async"]

T = TypeVar("T")
_logger = logging.getLogger("portafunc")

#: OpenTelemetry's ``faas.trigger`` for each portafunc trigger kind.
FAAS_TRIGGERS = {
    "http": "http",
    "queue": "pubsub",
    "topic": "pubsub",
    "stream": "pubsub",
    "event": "pubsub",
    "schedule": "timer",
    "storage": "datasource",
    "changes": "datasource",
}

# The tracer: None until first looked up, False when OpenTelemetry is not installed.
_tracer: Tracer | bool | None = None

Outcome = Callable[["Span", T], None]


def traced(
    ctx: Context,
    name: str,
    attributes: dict[str, Any],
    call: Callable[[], T],
    outcome: Outcome[T] | None = None,
) -> T:
    """``call()`` inside a span (see the module docstring); ``outcome(span, result)``
    adds what the result tells (status code, failures)."""
    tracer = _get_tracer()
    if tracer is None:
        return call()
    with _span(tracer, ctx, name, attributes) as span:
        result = call()
        _finish(span, ctx, result, outcome)
        return result


async def traced_async(
    ctx: Context,
    name: str,
    attributes: dict[str, Any],
    call: Callable[[], Awaitable[T]],
    outcome: Outcome[T] | None = None,
) -> T:
    """:func:`traced` for a coroutine function."""
    tracer = _get_tracer()
    if tracer is None:
        return await call()
    with _span(tracer, ctx, name, attributes) as span:
        result = await call()
        _finish(span, ctx, result, outcome)
        return result


def record_exception(exc: BaseException) -> None:
    """Record ``exc`` on the current span and mark it failed (an error the pipeline
    answered 500 for, which never reaches :func:`traced`)."""
    if _get_tracer() is None:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    span.record_exception(exc)
    span.set_status(trace.StatusCode.ERROR, f"{type(exc).__name__}: {exc}")


def http_outcome(span: Span, status: int) -> None:
    """Mark an HTTP span with its response status (5xx: an error)."""
    from opentelemetry.trace import StatusCode

    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(StatusCode.ERROR)


def batch_outcome(span: Span, failed: list[int]) -> None:
    """Mark a batch's span failed when some of its items failed."""
    from opentelemetry.trace import StatusCode

    if failed:
        span.set_attribute("portafunc.batch.failed", len(failed))
        span.set_status(StatusCode.ERROR, f"{len(failed)} item(s) failed")


@contextmanager
def _span(tracer: Tracer, ctx: Context, name: str, attributes: dict[str, Any]) -> Iterator[Span]:
    from opentelemetry import trace

    attributes = {**attributes, "cloud.provider": ctx.provider}
    if ctx.invocation_id:
        attributes["faas.invocation_id"] = ctx.invocation_id
    kind = trace.SpanKind.SERVER
    span = tracer.start_span(name, context=_parent(ctx), kind=kind, attributes=attributes)
    caller = ctx.trace
    _adopt(span, ctx)
    try:
        with trace.use_span(span, end_on_exit=True, record_exception=True):
            yield span
    finally:  # the caller's again: the next invocation on this Context is not a child
        ctx.trace = caller


def _finish(span: Span, ctx: Context, result: T, outcome: Outcome[T] | None) -> None:
    span.set_attribute("faas.coldstart", ctx.cold_start)
    if ctx.function:
        span.update_name(ctx.function)
    if outcome is not None:
        outcome(span, result)


def _parent(ctx: Context) -> Any:
    """The OpenTelemetry context to start the span in: None (the current one) when a span
    is active or the caller's span is unknown, else one holding the caller's span."""
    from opentelemetry import trace

    if trace.get_current_span().get_span_context().is_valid:
        return None
    remote = ctx.trace
    if remote is None or remote.span_id is None:
        return None
    sampled = remote.sampled is not False  # unknown counts as sampled
    flags = trace.TraceFlags(trace.TraceFlags.SAMPLED if sampled else trace.TraceFlags.DEFAULT)
    caller = trace.SpanContext(
        int(remote.trace_id, 16), int(remote.span_id, 16), is_remote=True, trace_flags=flags
    )
    return trace.set_span_in_context(trace.NonRecordingSpan(caller))


def _adopt(span: Span, ctx: Context) -> None:
    """Make the span's ids ``ctx.trace`` when it belongs to the invocation's trace (or
    the invocation had none), so log lines carry them."""
    own = span.get_span_context()
    if not own.is_valid:
        return
    trace_id = f"{own.trace_id:032x}"
    known = ctx.trace_id
    if known is None or known == trace_id:
        ctx.trace = TraceContext(trace_id, f"{own.span_id:016x}", own.trace_flags.sampled)


def _get_tracer() -> Tracer | None:
    global _tracer
    if _tracer is None:
        try:
            from opentelemetry import trace
        except ImportError:
            _logger.warning(
                "App(tracing=True) but opentelemetry-api is not installed: "
                "invocations run without spans"
            )
            _tracer = False
        else:
            from . import __version__

            _tracer = trace.get_tracer("portafunc", __version__)
    return None if isinstance(_tracer, bool) else _tracer
