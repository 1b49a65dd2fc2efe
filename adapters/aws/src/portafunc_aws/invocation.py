"""What every source shares: the invocation Context, and functions found by resource."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from portafunc.context import Context, TraceContext
from portafunc.errors import NoSuchFunction

from .options import options_of

if TYPE_CHECKING:
    from portafunc.app import App, Function

__all__ = [
    "Functions",
    "context_for",
    "name_from_arn",
    "trace_context",
    "trace_id",
    "xray_trace",
]

_HEX = frozenset("0123456789abcdef")


def xray_trace(header: object) -> TraceContext | None:
    """The trace in an X-Ray header (``Root=1-5759e988-bd86…;Parent=53995c3f42cd8ad8;
    Sampled=1``) in W3C form: the ``Root`` without its version and dashes
    (``5759e988bd86…``), ``Parent`` as the span id. None without a valid ``Root``."""
    if not isinstance(header, str):
        return None
    fields: dict[str, str] = {}
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    version, _, rest = fields.get("Root", "").partition("-")
    epoch, _, unique = rest.partition("-")
    trace = (epoch + unique).lower()
    if version != "1" or len(epoch) != 8 or len(trace) != 32 or not _HEX.issuperset(trace):
        return None
    parent = fields.get("Parent", "").lower()
    span = parent if len(parent) == 16 and _HEX.issuperset(parent) else None
    sampled = {"1": True, "0": False}.get(fields.get("Sampled", ""))
    return TraceContext(trace, span, sampled)


def trace_context(headers: Mapping[str, str] | None = None) -> TraceContext | None:
    """The invocation's trace: from ``_X_AMZN_TRACE_ID``, which Lambda sets for each
    invocation, else from the ``X-Amzn-Trace-Id`` header of an HTTP request (``headers``
    with lower-case names), else None."""
    found = xray_trace(os.environ.get("_X_AMZN_TRACE_ID"))
    if found is None and headers is not None:
        found = xray_trace(headers.get("x-amzn-trace-id"))
    return found


def trace_id() -> str | None:
    """The W3C trace id (32 hex digits) of the X-Ray trace in ``_X_AMZN_TRACE_ID``."""
    found = trace_context()
    return None if found is None else found.trace_id


def context_for(lambda_context: Any, headers: Mapping[str, str] | None = None) -> Context:
    """A portafunc Context for one Lambda invocation (``native`` is Lambda's context).

    ``headers`` (an HTTP request's, lower-case names) are where the trace is looked for
    when ``_X_AMZN_TRACE_ID`` has none.
    """
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    return Context(
        provider="aws",
        invocation_id=getattr(lambda_context, "aws_request_id", "") or "",
        # read from the environment only if asked for
        trace_id=trace_context if headers is None else partial(trace_context, headers),
        native=lambda_context,
        remaining_time=(lambda: remaining() / 1000) if remaining is not None else None,
    )


def name_from_arn(arn: str) -> str:
    """The resource name in an ARN: queue, topic, stream, table or bucket."""
    resource = arn.split(":", 5)[-1]
    if resource.startswith(("table/", "stream/")):
        return resource.split("/")[1]
    return resource.rpartition("/")[2] if "/" in resource else resource


class Functions:
    """An app's functions indexed by (trigger kind, resource name or ARN), built once."""

    __slots__ = ("_app", "_index", "_pinned")

    def __init__(self, app: App, pinned: Function | None = None) -> None:
        self._app = app
        self._pinned = pinned
        self._index: dict[tuple[str, str], list[Function]] = {}
        for function in app.functions.values():
            kind, resource = function.trigger.kind, function.trigger.resource
            self._index.setdefault((kind, resource), []).append(function)
            arn = options_of(function).get("arn")
            if arn:
                self._index.setdefault((kind, arn), []).append(function)

    @property
    def app(self) -> App:
        return self._app

    @property
    def pinned(self) -> Function | None:
        return self._pinned

    def find(self, kinds: tuple[str, ...], arn: str, name: str | None = None) -> Function | None:
        """The function of one of ``kinds`` for the resource ``arn`` (or its ``name``)."""
        if self._pinned is not None:
            return self._pinned if self._pinned.trigger.kind in kinds else None
        name = name if name is not None else name_from_arn(arn)
        # A FIFO queue's name ends with ".fifo"; it may be declared with or without it.
        keys = (arn, name, name[:-5]) if name.endswith(".fifo") else (arn, name)
        for kind in kinds:
            for key in keys:
                found = self._index.get((kind, key))
                if found:
                    return found[0]
        return None

    def all_of(self, kind: str, resource: str) -> list[Function]:
        """Every function of ``kind`` declared for ``resource`` (events fan out)."""
        if self._pinned is not None:
            return [self._pinned] if self._pinned.trigger.kind == kind else []
        return list(self._index.get((kind, resource), ()))

    def require(self, kinds: tuple[str, ...], arn: str, what: str) -> Function:
        found = self.find(kinds, arn)
        if found is None:
            raise NoSuchFunction(f"{what} {arn!r} ({' or '.join(kinds)} functions)")
        return found


def get(mapping: Mapping[str, Any] | None, *keys: str) -> Any:
    """``mapping[k1][k2]…`` or None when any level is missing or not a mapping."""
    value: Any = mapping
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
