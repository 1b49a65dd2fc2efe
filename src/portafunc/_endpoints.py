"""The reserved paths of ``portafunc serve``, under ``/_portafunc/``.

- ``POST /_portafunc/functions/{name}`` delivers its body to the non-HTTP function
  ``name`` through :func:`portafunc.pipeline.deliver` (the envelope is built by
  :mod:`portafunc._devpayloads`) and answers ``{"ok": true, "result": ...}``, or
  problem JSON with ``"ok": false``. It works the same with every ``--provider``.
- ``POST /_portafunc/events`` hands a raw provider payload (an SQS batch, an Event Grid
  event, a CloudEvent in binary or structured mode...) with the request's headers to
  the provider's event handler, and answers the (status, result) it returns as JSON.
  Header names are lower-cased; repeated headers are joined with ", ". A payload the
  adapter does not recognise (UnsupportedEvent) is a 400, one no function takes
  (NoSuchFunction) a 404, both as problem JSON saying so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from . import pipeline
from ._devpayloads import envelope_for
from .app import App
from .context import Context
from .errors import HTTPError, InvalidPayload, NoSuchFunction, UnsupportedEvent
from .http import HTTPResponse

__all__ = ["DELIVER_PATH", "EVENTS_PATH", "EventHandler", "deliver", "replay"]

DELIVER_PATH = "/_portafunc/functions/"
EVENTS_PATH = "/_portafunc/events"
EventHandler = Callable[[bytes, dict[str, str]], tuple[int, Any]]
_logger = logging.getLogger("portafunc.serve")
_JSON = [("content-type", "application/json")]
_NO_PROVIDER = (
    "POST /_portafunc/events replays a provider's own payload: start the server with "
    "--provider aws, azure or gcp (or deliver plain JSON to /_portafunc/functions/{name})"
)


def deliver(
    app: App, method: str, name: str, body: bytes, query: str, ctx: Context
) -> HTTPResponse:
    """Run the non-HTTP function ``name`` on a request body."""
    if method != "POST":
        return _not_ok(_post_only("use POST to deliver to a function"))
    function = app.functions.get(name)
    if function is None or function.trigger.kind == "http":
        error = HTTPError(404, f"app {app.name!r} has no non-HTTP function named {name!r}")
        return _not_ok(pipeline.problem(error))
    try:
        envelope = envelope_for(function, body, query)
        result = pipeline.deliver(app, function, envelope, ctx)
    except InvalidPayload as exc:
        return _not_ok(pipeline.problem(exc))
    except Exception as exc:
        if not app.started:  # deliver logs a handler's failure, not a startup hook's
            _logger.error("startup of app %s failed", app.name, exc_info=exc)
        return _not_ok(pipeline.problem(HTTPError(500)))
    return _json(200, {"ok": True, "result": result}, name, b'{"ok":true,"result":null}')


def replay(
    handler: EventHandler | None, method: str, body: bytes, headers: Iterable[tuple[str, str]]
) -> HTTPResponse:
    """Hand a raw provider payload to the provider's event handler."""
    if method != "POST":
        return _post_only("use POST to replay a provider's payload")
    if handler is None:
        return pipeline.problem(HTTPError(400, _NO_PROVIDER))
    try:
        status, result = handler(body, _joined(headers))
    except UnsupportedEvent as exc:
        return pipeline.problem(HTTPError(400, str(exc)))
    except NoSuchFunction as exc:
        return pipeline.problem(HTTPError(404, str(exc)))
    except InvalidPayload as exc:
        return pipeline.problem(exc)
    except Exception:
        _logger.exception("the provider's event handler failed")
        return pipeline.problem(HTTPError(500))
    return _json(status, result, "the event handler", b"null")


def _joined(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def _json(status: int, value: Any, what: str, null: bytes) -> HTTPResponse:
    try:
        return HTTPResponse(status, headers=_JSON, body=to_json(value))
    except PydanticSerializationError:
        _logger.warning("the result of %s is not JSON-serialisable; answering null", what)
        return HTTPResponse(status, headers=_JSON, body=null)


def _post_only(detail: str) -> HTTPResponse:
    return pipeline.problem(HTTPError(405, detail, headers={"allow": "POST"}))


def _not_ok(problem: HTTPResponse) -> HTTPResponse:
    problem.body = to_json({"ok": False, **json.loads(problem.body)})
    return problem
