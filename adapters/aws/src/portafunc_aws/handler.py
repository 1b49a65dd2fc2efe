"""``lambda_handler(app)``: the Lambda entry point for a portafunc app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portafunc import log

from .invocation import Functions
from .matching import match
from .options import validate

if TYPE_CHECKING:
    from collections.abc import Callable

    from portafunc.app import App

__all__ = ["lambda_handler"]


def lambda_handler(app: App, function: str | None = None) -> Callable[[Any, Any], Any]:
    """A Lambda ``handler(event, context)`` for ``app``.

    With ``function`` it serves that one function (what ``portafunc build`` deploys);
    without, it routes any supported event: HTTP by method and path, everything else
    by the queue, topic, stream, table, bucket or rule named in the event (or the ARN
    given as ``aws={"arn": ...}``). Unknown payloads raise UnsupportedEvent; events no
    function is declared for raise NoSuchFunction.
    """
    for declared in app.functions.values():
        validate(declared)
    functions = Functions(app, app.function(function) if function is not None else None)
    log.configure()

    def handler(event: Any, context: Any) -> Any:
        return match(event).invoke(functions, event, context)

    handler.__qualname__ = handler.__name__ = f"lambda_handler_{app.name}"
    return handler
