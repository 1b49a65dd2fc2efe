"""``portafunc-aws[powertools]``: a Powertools for AWS Lambda ``Logger`` that knows the
portafunc invocation it logs for.

::

    from aws_lambda_powertools import Logger
    from portafunc_aws.powertools import inject

    logger = inject(Logger(service="shop"))

Every record the logger writes while a portafunc function runs then carries
``correlation_id`` (the invocation id: Lambda's request id), ``function`` (the
portafunc function's name), ``provider`` (``"aws"``) and ``trace_id`` (the X-Ray trace
id in W3C form, when there is one; Powertools' own ``xray_trace_id`` keeps X-Ray's
form), read from :data:`portafunc.context.current`. Outside an invocation records
are left as they are. Inside one, the invocation id replaces a
correlation id set with ``logger.set_correlation_id``; ``extra={"correlation_id": …}``
on a call still wins for that record.

The filter goes on the logger's handlers, so records of child loggers
(``Logger(child=True)``), which Powertools writes through the parent's handlers, get
the fields too; a child logger given to :func:`inject` gets it on itself. Calling
:func:`inject` again adds nothing. Powertools is an optional dependency: only this
module imports it, and ``portafunc_aws`` never imports this module.
"""

from __future__ import annotations

import logging

from portafunc.context import current

try:
    from aws_lambda_powertools import Logger
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "portafunc_aws.powertools needs Powertools: pip install 'portafunc-aws[powertools]'"
    ) from exc

__all__ = ["InvocationFilter", "inject"]


class InvocationFilter(logging.Filter):
    """Add the running portafunc invocation's fields to each record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current.get()
        if ctx is not None:
            attrs = vars(record)
            attrs.setdefault("correlation_id", ctx.invocation_id)
            attrs.setdefault("function", ctx.function)
            attrs.setdefault("provider", ctx.provider)
            if ctx.trace_id is not None:
                attrs.setdefault("trace_id", ctx.trace_id)
        return True


def inject(logger: Logger) -> Logger:
    """Make ``logger`` write the portafunc invocation's fields (see the module docstring);
    returns ``logger``. Idempotent."""
    targets: list[logging.Handler | logging.Logger] = list(logger.handlers)
    if not targets:  # a child logger: its records reach the parent's handlers
        targets.append(logging.getLogger(logger.name))
    for target in targets:
        if not any(isinstance(existing, InvocationFilter) for existing in target.filters):
            target.addFilter(InvocationFilter())
    return logger
