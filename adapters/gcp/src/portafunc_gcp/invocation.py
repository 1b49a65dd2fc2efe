"""What every entry shares: the portafunc Context of a GCP invocation, and trace ids.

An HTTP function's invocation id is the ``Function-Execution-Id`` header (Cloud Run
sets it; functions-framework's middleware makes one up when it is missing); a
CloudEvent function's is the event's ``id``. The trace id is read when first asked
for: from the W3C ``traceparent`` header, else ``X-Cloud-Trace-Context``
(``TRACE/SPAN;o=1``); for a CloudEvent from its ``traceparent`` extension, else the
headers of the HTTP request that carried it. The caller's span id comes with it (the
decimal ``SPAN`` of ``X-Cloud-Trace-Context`` written as 16 hex digits), for the
``logging.googleapis.com/spanId`` of each log line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flask
from cloudevents.abstract import CloudEvent

from portafunc.context import Context, TraceContext

__all__ = [
    "CLOUD_TRACE",
    "EXECUTION_ID",
    "TRACEPARENT",
    "cloud_trace",
    "cloud_trace_id",
    "context_for",
    "environ_trace",
    "environ_trace_id",
    "traceparent",
    "traceparent_id",
]

# The headers the ids come from, as WSGI environ keys: a werkzeug header lookup costs up
# to a microsecond (a missing header most), a dict lookup a few tens of nanoseconds.
#: ``Function-Execution-Id``
EXECUTION_ID = "HTTP_FUNCTION_EXECUTION_ID"
#: ``traceparent`` (W3C)
TRACEPARENT = "HTTP_TRACEPARENT"
#: ``X-Cloud-Trace-Context``
CLOUD_TRACE = "HTTP_X_CLOUD_TRACE_CONTEXT"
#: The CloudEvents extension carrying a W3C trace context.
_EXTENSION = "traceparent"
_HEX = frozenset("0123456789abcdefABCDEF")
_NO_TRACE = "0" * 32


def traceparent(value: object) -> TraceContext | None:
    """The trace of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split("-")
    if len(parts) < 4 or len(parts[0]) != 2 or parts[0].lower() == "ff":
        return None
    trace = _trace(parts[1])
    if trace is None:
        return None
    span = parts[2].lower()
    valid = len(span) == 16 and _HEX.issuperset(span) and span != "0" * 16
    flags = parts[3][:2]
    sampled = bool(int(flags, 16) & 1) if len(flags) == 2 and _HEX.issuperset(flags) else None
    return TraceContext(trace, span if valid else None, sampled)


def traceparent_id(value: object) -> str | None:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None."""
    found = traceparent(value)
    return None if found is None else found.trace_id


def cloud_trace(value: object) -> TraceContext | None:
    """The trace of an ``X-Cloud-Trace-Context`` header (``TRACE/SPAN;o=1``), or None;
    the decimal ``SPAN`` becomes a 16-hex-digit span id."""
    if not isinstance(value, str):
        return None
    ids, _, options = value.strip().partition(";")
    trace_part, _, span_part = ids.partition("/")
    trace = _trace(trace_part)
    if trace is None:
        return None
    span = None
    if span_part.isdigit() and 0 < int(span_part) < 2**64:
        span = f"{int(span_part):016x}"
    sampled = {"o=1": True, "o=0": False}.get(options.strip())
    return TraceContext(trace, span, sampled)


def cloud_trace_id(value: object) -> str | None:
    """The trace id of an ``X-Cloud-Trace-Context`` header (``TRACE/SPAN;o=1``), or None."""
    found = cloud_trace(value)
    return None if found is None else found.trace_id


def _trace(candidate: str) -> str | None:
    if len(candidate) != 32 or not _HEX.issuperset(candidate) or candidate == _NO_TRACE:
        return None
    return candidate.lower()


def environ_trace(environ: Mapping[str, Any]) -> TraceContext | None:
    """The trace in a WSGI ``environ``: ``traceparent`` first, then ``X-Cloud-Trace-Context``."""
    return traceparent(environ.get(TRACEPARENT)) or cloud_trace(environ.get(CLOUD_TRACE))


def environ_trace_id(environ: Mapping[str, Any]) -> str | None:
    """The trace id in a WSGI ``environ``: ``traceparent`` first, then ``X-Cloud-Trace-Context``."""
    found = environ_trace(environ)
    return None if found is None else found.trace_id


def context_for(native: flask.Request | CloudEvent) -> Context:
    """A portafunc Context for one invocation; ``native`` is the Flask request or CloudEvent."""
    if isinstance(native, CloudEvent):
        return Context(
            provider="gcp",
            invocation_id=str(native.get("id") or ""),
            trace_id=_event_trace(native),
            native=native,
        )
    environ = native.environ
    return Context(
        provider="gcp",
        invocation_id=environ.get(EXECUTION_ID, ""),
        trace_id=lambda: environ_trace(environ),
        native=native,
    )


def _event_trace(event: CloudEvent) -> Callable[[], TraceContext | None]:
    # The carrying request's environ is taken now: the id may be read after the request.
    environ = flask.request.environ if flask.has_request_context() else None

    def trace_id() -> TraceContext | None:
        found = traceparent(event.get(_EXTENSION))
        if found is None and environ is not None:
            found = environ_trace(environ)
        return found

    return trace_id
