"""What every trigger shares: the portafunc Context of an Azure invocation."""

from __future__ import annotations

from functools import partial
from typing import Any

from portafunc.context import Context

__all__ = ["context_for", "trace_id"]


def trace_id(azure_context: Any) -> str | None:
    """The W3C trace id in ``context.trace_context.trace_parent`` (``00-<trace>-<span>-01``)."""
    parent = getattr(getattr(azure_context, "trace_context", None), "trace_parent", None)
    if not isinstance(parent, str):
        return None
    parts = parent.split("-")
    return parts[1] if len(parts) >= 4 and len(parts[1]) == 32 else None


def context_for(azure_context: Any) -> Context:
    """A portafunc Context for one Azure invocation (``native`` is Azure's context)."""
    invocation_id = getattr(azure_context, "invocation_id", None)
    if type(invocation_id) is not str:
        invocation_id = str(invocation_id or "")
    return Context(
        provider="azure",
        invocation_id=invocation_id,
        trace_id=partial(trace_id, azure_context),
        native=azure_context,
    )
