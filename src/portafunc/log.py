"""Structured logging that knows which invocation it is logging for.

Two pieces, both plain :mod:`logging` objects so they combine with any set-up:

* :class:`ContextFilter`, put on a handler, copies the running invocation's function,
  provider, invocation id, cold-start flag, trace id and span id (from
  :data:`portafunc.context.current`) onto every record as ``portafunc_function``,
  ``portafunc_provider``, ``portafunc_invocation_id``, ``portafunc_cold_start``,
  ``portafunc_trace_id`` and ``portafunc_span_id``.
* :class:`JSONFormatter` writes each record as one JSON object per line, which every
  provider's log service (CloudWatch, Application Insights, Cloud Logging) parses into fields.

:func:`configure` installs them; adapters call it at cold start and the local dev server at
start-up. Values under the keys in :data:`REDACTED_KEYS`, and under the names an app adds
with ``configure(redact=...)``, are never written (see :func:`redacted_keys`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

from portafunc.context import current

__all__ = [
    "REDACTED_KEYS",
    "ContextFilter",
    "JSONFormatter",
    "access_line",
    "configure",
    "function_logger",
    "redacted_keys",
    "xray_form",
]

REDACTED_KEYS: frozenset[str] = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
"""Lower-cased keys whose values :class:`JSONFormatter` always replaces with ``"[redacted]"``."""

# The names configure(redact=...) added, normalised by _normalise (REDACTED_KEYS are apart).
# Replaced, never mutated, so a formatter reading it on another thread needs no lock.
_redacted: frozenset[str] = frozenset()

_REDACTED = "[redacted]"
_CIRCULAR = "[circular]"

# (JSON key, record attribute) for each field ContextFilter copies from the Context.
_CONTEXT_FIELDS = (
    ("function", "portafunc_function"),
    ("provider", "portafunc_provider"),
    ("invocation_id", "portafunc_invocation_id"),
    ("cold_start", "portafunc_cold_start"),
    ("trace_id", "portafunc_trace_id"),
    ("span_id", "portafunc_span_id"),
)
_CONTEXT_ATTRS = frozenset(attr for _, attr in _CONTEXT_FIELDS)

# Attributes every LogRecord has; anything else on a record came from ``extra={...}``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}

_configure_lock = threading.Lock()


class ContextFilter(logging.Filter):
    """Add the current invocation's identifiers to each record; never drops a record.

    Outside an invocation records pass through unchanged. Attributes already on a record
    (for example passed explicitly in ``extra``) are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current.get()
        if ctx is not None:
            attrs = vars(record)
            attrs.setdefault("portafunc_function", ctx.function)
            attrs.setdefault("portafunc_provider", ctx.provider)
            attrs.setdefault("portafunc_invocation_id", ctx.invocation_id)
            attrs.setdefault("portafunc_cold_start", ctx.cold_start)
            trace = ctx.trace
            attrs.setdefault("portafunc_trace_id", None if trace is None else trace.trace_id)
            attrs.setdefault("portafunc_span_id", None if trace is None else trace.span_id)
        return True


class JSONFormatter(logging.Formatter):
    """Format each record as a single line of JSON.

    Keys, in order: ``time`` (UTC, ISO 8601, milliseconds, ``Z``), ``level``, ``severity``
    (the same level name; Cloud Logging reads it, and Python's DEBUG/INFO/WARNING/ERROR/
    CRITICAL are all GCP severities), ``logger``, ``message``; then ``function``,
    ``provider``, ``invocation_id``, ``cold_start``, ``trace_id`` and ``span_id`` when
    :class:`ContextFilter` set them (the ids only when known); then the provider's
    trace-correlation keys (``xray_trace_id``, in X-Ray's ``1-xxxxxxxx-yyyy…`` form, on
    AWS; ``operation_Id`` on Azure; ``logging.googleapis.com/trace`` and
    ``logging.googleapis.com/spanId`` on GCP when ``GOOGLE_CLOUD_PROJECT`` or
    ``GCP_PROJECT`` names the project); then
    the record's ``extra`` fields, with the values of sensitive keys (:func:`redacted_keys`)
    replaced by ``"[redacted]"`` at every depth and anything JSON cannot hold written as
    ``str()`` (or ``repr()``); then ``exception`` and ``stack`` if present. An ``extra``
    field named like one of the fixed keys does not replace it. The message text is
    written as formatted: keep secrets out of it.
    """

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": _utc_timestamp(record.created),
            "level": record.levelname,
            "severity": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_context_fields(record))
        payload.update(
            _cloud_trace_fields(
                payload.get("provider"), payload.get("trace_id"), payload.get("span_id")
            )
        )
        for key, value in _redact_mapping(_extras(record), ()).items():
            payload.setdefault(key, value)
        payload.update(self._error_fields(record))
        return json.dumps(payload, default=_to_text)

    def _error_fields(self, record: logging.LogRecord) -> dict[str, str]:
        fields: dict[str, str] = {}
        if record.exc_info and record.exc_info[0] is not None:
            fields["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return fields


def configure(
    level: int = logging.INFO, stream: TextIO | None = None, *, redact: Iterable[str] = ()
) -> None:
    """Make log records carry invocation fields; safe to call any number of times.

    ``redact`` names more sensitive fields (``("password", "card_number")``) whose values
    :class:`JSONFormatter` replaces with ``"[redacted]"``, in addition to
    :data:`REDACTED_KEYS`. Names add up across calls and hold for the whole process;
    they match case-insensitively, with ``_`` and ``-`` alike.

    Without root handlers, add one writing JSON to ``stream`` (default: ``sys.stderr``) and
    set the root level to ``level``, so plain ``logging.getLogger(__name__)`` loggers in
    handlers are heard too. With root handlers (such as the Lambda runtime's), add a
    :class:`ContextFilter` to each one lacking it and leave their formatters alone.
    Either way set the ``portafunc`` logger's level to ``level``. Later calls never add a
    second handler or filter.
    """
    global _redacted
    root = logging.getLogger()
    with _configure_lock:
        _redacted = _redacted.union(_normalise(name) for name in _names(redact))
        if root.handlers:
            for handler in root.handlers:
                _ensure_context_filter(handler)
        else:
            root.addHandler(_json_handler(sys.stderr if stream is None else stream))
            root.setLevel(level)
    logging.getLogger("portafunc").setLevel(level)


def redacted_keys() -> frozenset[str]:
    """Every key whose value :class:`JSONFormatter` redacts: :data:`REDACTED_KEYS` and the
    names given to :func:`configure`, lower-cased, ``_`` written as ``-``."""
    return _DEFAULT_REDACTED | _redacted


def function_logger(app_name: str, function_name: str) -> logging.Logger:
    """The logger a function's handler gets as ``ctx.logger``."""
    return logging.getLogger(f"portafunc.{app_name}.{function_name}")


def access_line(logger: logging.Logger, *, status: int | str, duration_ms: float) -> None:
    """Log the per-invocation access line: outcome ``status`` and duration in milliseconds."""
    extra = {"status": status, "duration_ms": round(duration_ms, 2)}
    logger.info("invocation finished", extra=extra, stacklevel=2)


def _json_handler(stream: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(ContextFilter())
    return handler


def _ensure_context_filter(handler: logging.Handler) -> None:
    if not any(isinstance(existing, ContextFilter) for existing in handler.filters):
        handler.addFilter(ContextFilter())


def _utc_timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _context_fields(record: logging.LogRecord) -> dict[str, Any]:
    attrs = vars(record)
    return {key: attrs[attr] for key, attr in _CONTEXT_FIELDS if attrs.get(attr) is not None}


def _cloud_trace_fields(provider: object, trace_id: object, span_id: object) -> dict[str, str]:
    """The keys under which ``provider``'s log service correlates a line with its trace."""
    if not isinstance(trace_id, str) or not trace_id:
        return {}
    if provider == "aws":
        return {"xray_trace_id": xray_form(trace_id)}
    if provider == "azure":
        return {"operation_Id": trace_id}
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCP_PROJECT")
    if provider != "gcp" or not project:
        return {}
    fields = {"logging.googleapis.com/trace": f"projects/{project}/traces/{trace_id}"}
    if isinstance(span_id, str) and span_id:
        fields["logging.googleapis.com/spanId"] = span_id
    return fields


def xray_form(trace_id: str) -> str:
    """A W3C trace id as X-Ray writes it (``1-`` + 8 hex digits + ``-`` + 24): what
    Powertools writes as ``xray_trace_id``; any other text is returned unchanged."""
    if len(trace_id) != 32:
        return trace_id
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRS and key not in _CONTEXT_ATTRS
    }


def _names(redact: Iterable[str]) -> tuple[str, ...]:
    names = (redact,) if isinstance(redact, str) else tuple(redact)
    wrong = [name for name in names if not isinstance(name, str) or not name.strip()]
    if wrong:
        raise TypeError(f"redact= takes field names (non-empty strings), got {wrong!r}")
    return names


def _normalise(key: str) -> str:
    return key.strip().lower().replace("_", "-")


_DEFAULT_REDACTED = frozenset(_normalise(key) for key in REDACTED_KEYS)


def _is_secret(key: object) -> bool:
    if not isinstance(key, str):
        return False
    name = _normalise(key)
    return name in _DEFAULT_REDACTED or name in _redacted


def _redact_mapping(mapping: Mapping[Any, Any], ancestors: tuple[int, ...]) -> dict[str, Any]:
    """A new dict with secret values redacted at every depth and keys made strings."""
    inner = (*ancestors, id(mapping))
    redacted: dict[str, Any] = {}
    for key, value in mapping.items():
        name = key if isinstance(key, str) else str(key)
        redacted[name] = _REDACTED if _is_secret(key) else _redact(value, inner)
    return redacted


def _redact(value: object, ancestors: tuple[int, ...]) -> object:
    """``value`` with mappings inside it copied and redacted; cycles become ``[circular]``."""
    if not isinstance(value, (Mapping, list, tuple)):
        return value
    if id(value) in ancestors:
        return _CIRCULAR
    if isinstance(value, Mapping):
        return _redact_mapping(value, ancestors)
    inner = (*ancestors, id(value))
    return [_redact(item, inner) for item in value]


def _to_text(value: object) -> str:
    """JSON fallback for values it cannot encode: ``str()``, or ``repr()`` if that fails."""
    try:
        return str(value)
    except Exception:
        return object.__repr__(value)
