"""What every trigger shares: the portafunc Context of an Azure invocation."""

from __future__ import annotations

from functools import partial
from typing import Any

from portafunc.context import Context, TraceContext

__all__ = ["context_for", "trace_context", "trace_id"]

_HEX = frozenset("0123456789abcdef")


def trace_context(azure_context: Any) -> TraceContext | None:
    """The W3C trace in ``context.trace_context.trace_parent`` (``00-<trace>-<span>-<flags>``):
    trace id, the caller's span id and its sampled flag; None if there is none."""
    parent = getattr(getattr(azure_context, "trace_context", None), "trace_parent", None)
    if not isinstance(parent, str):
        return None
    parts = parent.strip().lower().split("-")
    if len(parts) < 4 or len(parts[1]) != 32 or not _HEX.issuperset(parts[1]):
        return None
    trace, span, flags = parts[1], parts[2], parts[3]
    if trace == "0" * 32:
        return None
    valid_span = len(span) == 16 and _HEX.issuperset(span) and span != "0" * 16
    sampled = bool(int(flags, 16) & 1) if len(flags) == 2 and _HEX.issuperset(flags) else None
    return TraceContext(trace, span if valid_span else None, sampled)


def trace_id(azure_context: Any) -> str | None:
    """The W3C trace id in ``context.trace_context.trace_parent`` (``00-<trace>-<span>-01``)."""
    found = trace_context(azure_context)
    return None if found is None else found.trace_id


def context_for(azure_context: Any) -> Context:
    """A portafunc Context for one Azure invocation (``native`` is Azure's context)."""
    invocation_id = getattr(azure_context, "invocation_id", None)
    if type(invocation_id) is not str:
        invocation_id = str(invocation_id or "")
    return Context(
        provider="azure",
        invocation_id=invocation_id,
        trace_id=partial(trace_context, azure_context),
        native=azure_context,
    )
