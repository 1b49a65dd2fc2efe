"""Local runs through ``lambda_handler``: ``invoke``, and ``serve --provider aws``.

- :func:`invoke` runs one Lambda payload through the handler pinned to a function
  and answers what Lambda would: the handler's result, or for an exception the
  error object Lambda returns (``errorMessage``, ``errorType``, ``requestId``,
  ``stackTrace``). It failed if it raised, reported batch item failures, marked
  a Firehose record ``ProcessingFailed``, or answered an HTTP status of 500 or more.
- :func:`http_handler` turns a local request into the event a proxy sends
  (``format``: ``http``, API Gateway HTTP API payload 2.0, the default; ``rest``, a
  REST API; ``alb``, a load balancer target group, ``alb-multi`` with multi-value
  headers on; ``url``, a function URL) and the Lambda response back into a response.
  A handler that raises or answers no proxy response gets the proxy's own error.
- :func:`event_handler` dispatches a raw payload like Lambda would, auto-detected.
"""

from __future__ import annotations

import base64
import json
import logging
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from portafunc.errors import NoSuchFunction, PortafuncError, UnsupportedEvent
from portafunc.http import HTTPRequest, HTTPResponse

from ..handler import lambda_handler
from ..testing import LambdaContext, alb_event, function_url_event, http_v2_event, rest_event
from .resources import LAMBDA_TIMEOUT

if TYPE_CHECKING:
    from portafunc.app import App, Function

__all__ = ["FORMATS", "event_handler", "http_handler", "invoke", "succeeded"]

_logger = logging.getLogger("portafunc.aws")
Event = dict[str, Any]
#: What a client may send unencoded in a path (RFC 3986 pchar and ``/``).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
#: ``format`` → (the event builder, options, whether cookies travel in ``cookies``).
FORMATS: dict[str, tuple[Callable[..., Event], dict[str, Any], bool]] = {
    "http": (http_v2_event, {}, True),
    "rest": (rest_event, {}, False),
    "alb": (alb_event, {}, False),
    "alb-multi": (alb_event, {"multi_value": True}, False),
    "url": (function_url_event, {}, True),
}
#: ``format`` → what the proxy answers when the function fails instead of answering.
_PROXY_ERRORS = {
    "http": (500, "application/json", b'{"message":"Internal Server Error"}'),
    "rest": (502, "application/json", b'{"message": "Internal server error"}'),
    "alb": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "url": (502, "application/json", b'{"Message":null}'),
}
_STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (UnsupportedEvent, 400),
    (NoSuchFunction, 404),
)


def invoke(app: App, function: str, payload: Any) -> tuple[Any, bool]:
    """Run ``payload`` through the handler pinned to ``function``: (result, succeeded)."""
    handler = lambda_handler(app, function)
    context = _context(app.function(function))
    try:
        result = handler(payload, context)
    except Exception as exc:
        return _error(exc, context), False
    return result, succeeded(result)


def succeeded(result: Any) -> bool:
    """Whether a handler's result reports no failure (see the module docstring)."""
    if not isinstance(result, Mapping):
        return True
    if result.get("batchItemFailures"):
        return False
    records = result.get("records")
    if isinstance(records, list) and any(
        isinstance(r, Mapping) and r.get("result") == "ProcessingFailed" for r in records
    ):
        return False
    status = result.get("statusCode")
    return not (isinstance(status, int) and status >= 500)


def http_handler(app: App, options: Mapping[str, str]) -> Callable[[HTTPRequest], HTTPResponse]:
    """For ``serve --provider aws``: each request through ``lambda_handler(app)``."""
    name = options.get("format") or "http"
    if name not in FORMATS:
        raise PortafuncError(f"unknown AWS HTTP format {name!r}: one of {', '.join(FORMATS)}")
    builder, extra, cookie_list = FORMATS[name]
    status, content_type, text = _PROXY_ERRORS[name.partition("-")[0]]
    handler = lambda_handler(app)
    http = [f for f in app.functions.values() if f.trigger.kind == "http"]

    def handle(request: HTTPRequest) -> HTTPResponse:
        event = _event(request, builder, extra, cookie_list)
        try:
            return _response(handler(event, _context(*http)))
        except Exception:
            _logger.exception("the Lambda function failed on %s %s", request.method, request.path)
        return HTTPResponse(status, headers=[("content-type", content_type)], body=text)

    return handle


def event_handler(app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
    """For ``POST /_portafunc/events``: a raw Lambda payload, dispatched as Lambda would."""
    handler = lambda_handler(app)

    def handle(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        context = _context()
        try:
            event = json.loads(body)
        except ValueError as exc:
            return 400, _error(UnsupportedEvent("aws", f"a body that is not JSON ({exc})"), context)
        try:
            return 200, handler(event, context)
        except Exception as exc:
            status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind)), 500)
            if status == 500:
                _logger.exception("the Lambda function failed")
            return status, _error(exc, context)

    return handle


# -- request and response ---------------------------------------------------------------


def _event(
    request: HTTPRequest, builder: Callable[..., Event], extra: dict[str, Any], cookie_list: bool
) -> Event:
    """The event a proxy would send for ``request``."""
    headers = request.headers.multi_items()
    cookies = [c.strip() for n, v in headers if n == "cookie" for c in v.split(";") if c.strip()]
    if builder is http_v2_event:
        headers = [(n, v) for n, v in headers if n != "cookie"]  # HTTP APIs move them
    if request.client_ip and "x-forwarded-for" not in request.headers:
        headers = [*headers, ("x-forwarded-for", request.client_ip)]
    path = quote(request.path, safe=_PATH_SAFE)
    query = request.query.multi_items()
    body = _body(request.body)
    event = builder(request.method, path, body=body, headers=headers, query=query, **extra)
    if cookie_list and cookies:
        event = {**event, "cookies": cookies}
    return _with_source_ip(event, request.client_ip)


def _body(data: bytes) -> str | bytes | None:
    """Text as text, other bytes as they are (the builders send those base64)."""
    if not data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _with_source_ip(event: Event, ip: str | None) -> Event:
    """The event with the client's address where the proxy puts it (not the builder's)."""
    context = event.get("requestContext")
    if not ip or not isinstance(context, dict):
        return event
    if isinstance(context.get("http"), dict):
        return {**event, "requestContext": {**context, "http": {**context["http"], "sourceIp": ip}}}
    if isinstance(context.get("identity"), dict):
        identity = {**context["identity"], "sourceIp": ip}
        return {**event, "requestContext": {**context, "identity": identity}}
    return event


def _response(result: Any) -> HTTPResponse:
    """A proxy response (any format) as an HTTPResponse; ValueError if it is none."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        raise ValueError(f"not a Lambda proxy response: {result!r:.200}")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name.lower(), str(value)) for value in values)
    given = {name.lower() for name in multi}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in given:  # as API Gateway: multiValueHeaders win
            headers.append((name.lower(), str(value)))
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or ())
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HTTPResponse(result["statusCode"], headers=headers, body=data)


# -- Lambda's side ----------------------------------------------------------------------


def _context(*functions: Function) -> LambdaContext:
    """A Lambda context with the (largest) timeout and memory of ``functions``."""
    timeouts = [f.settings.timeout for f in functions if f.settings.timeout is not None]
    memories = [f.settings.memory for f in functions if f.settings.memory is not None]
    return LambdaContext(
        function_name=functions[0].name if len(functions) == 1 else "portafunc",
        timeout=max(timeouts, default=LAMBDA_TIMEOUT),
        memory_limit_in_mb=max(memories, default=128),
    )


def _error(exc: BaseException, context: LambdaContext) -> dict[str, Any]:
    """The error object Lambda's Python runtime returns for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": context.aws_request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }
