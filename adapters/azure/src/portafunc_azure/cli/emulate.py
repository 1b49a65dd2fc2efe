"""``portafunc invoke`` and ``portafunc serve --provider azure``: an app run through the
FunctionApp that ``function_app(app)`` builds, each call made as the worker makes it
(``portafunc_azure.testing.invoke``), so what runs is the exact translation a
deployment applies.

- :func:`invoke`: one JSON payload (``payloads``) into one Azure function.
- :func:`http_handler`: a local request becomes the ``func.HttpRequest`` the worker
  would pass; it goes to the Azure function whose route the host would pick (the
  function's own when its route and method match, else the catch-all; every HTTP
  wrapper runs the whole router, so which one runs does not change the answer); the
  ``func.HttpResponse`` goes back through the worker's ``HttpResponseConverter``
  (which adds a default ``content-type`` and sends each ``Set-Cookie`` apart).
- :func:`event_handler`: Event Grid events (an array or one event, Event Grid or
  CloudEvents schema, CloudEvents also in binary mode) delivered to every Event Grid
  function whose subscription (``resources.subscription``) takes them.

The route prefix is the one ``function_app()`` reads (``triggers.http.route_prefix``):
requests are built with it, so the wrappers strip exactly what they add.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast
from urllib.parse import quote

import azure.functions as func
from azure.functions.http import HttpResponseConverter

from portafunc.app import App
from portafunc.errors import HTTPError
from portafunc.http import HTTPRequest, HTTPResponse
from portafunc.pipeline import problem
from portafunc.triggers import HTTPTrigger

from .. import testing
from ..adapter import function_app
from ..triggers.http import CATCH_ALL, route_prefix
from . import events, payloads

__all__ = ["event_handler", "http_handler", "invoke", "jsonable", "local_response"]


def invoke(app: App, name: str, payload: Any) -> tuple[Any, bool]:
    """Run ``payload`` through the Azure function of ``name``; (result, succeeded).

    An HTTP result is ``{"status", "headers", "body"}`` and succeeded when its status
    is below 500. A list of Event Grid events is one invocation per event.
    """
    function = app.function(name)
    prefix = route_prefix()
    registered = function_app(app)
    target = function.name if function.name in _names(registered) else CATCH_ALL  # "/"
    trigger = testing.azure_function(registered, target).get_trigger()
    binding = str(getattr(trigger, "type", ""))
    many = binding == "eventGridTrigger" and isinstance(payload, list)
    given = list(payload) if many else [payload]
    objs = [payloads.trigger_object(binding, function, one, prefix) for one in given]
    try:
        results = [jsonable(testing.invoke(registered, target, obj)) for obj in objs]
    except Exception as exc:
        return {"error": type(exc).__name__, "message": str(exc)}, False
    ok = binding != "httpTrigger" or all(result["status"] < 500 for result in results)
    return (results if many else results[0]), ok


def _names(registered: func.FunctionApp) -> set[str | None]:
    """The names of the Azure functions of ``registered`` (read from its builders)."""
    return {builder._function.get_function_name() for builder in registered._function_builders}


def jsonable(result: Any) -> Any:
    """A wrapper's result as JSON data: an HttpResponse as ``{"status", "headers", "body"}``
    (a repeated header's values as a list, the body as text)."""
    if not isinstance(result, func.HttpResponse):
        return result
    response = local_response(result)
    headers: dict[str, Any] = {}
    for name, value in response.headers:
        known = headers.get(name)
        headers[name] = value if known is None else [*_listed(known), value]
    return {
        "status": response.status,
        "headers": headers,
        "body": response.body.decode("utf-8", errors="replace"),
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def local_response(response: func.HttpResponse) -> HTTPResponse:
    """What the host sends for ``response``, as the worker encodes it."""
    datum = HttpResponseConverter.encode(response, expected_type=None)
    value: Mapping[str, Any] = datum.value
    headers = [(name, str(header.value)) for name, header in value["headers"].items()]
    for cookie in value.get("cookies") or ():
        headers.extend(("set-cookie", morsel.OutputString()) for morsel in cookie.values())
    body = value["body"].value
    return HTTPResponse(int(value["status_code"].value), headers=headers, body=body or b"")


# -- serve --provider azure ------------------------------------------------------------


def http_handler(app: App, options: Mapping[str, str]) -> Callable[[HTTPRequest], HTTPResponse]:
    """A local request through the Azure function the host would route it to.

    ``options`` are unused: Azure has one HTTP trigger shape.
    """
    prefix = route_prefix()
    registered = function_app(app)
    names = _names(registered)

    def handle(request: HTTPRequest) -> HTTPResponse:
        if CATCH_ALL not in names:  # no HTTP function at all
            return problem(HTTPError(404, f"app {app.name!r} has no HTTP functions"))
        target = _routed(app, request, names)
        context = testing.AzureContext(target, **_trace(request))
        response = testing.invoke(
            registered, target, azure_request(request, prefix), context=context
        )
        return local_response(response)

    return handle


def _routed(app: App, request: HTTPRequest, names: set[str | None]) -> str:
    """The Azure function whose route and methods claim ``request``, else the catch-all."""
    try:
        function, _ = app.router.match(request.method, request.path)
    except HTTPError:
        return CATCH_ALL
    methods = cast("HTTPTrigger", function.trigger).methods
    claimed = function.name in names and request.method in methods
    return function.name if claimed else CATCH_ALL


def azure_request(request: HTTPRequest, prefix: str) -> func.HttpRequest:
    """``request`` as the worker passes it: behind App Service's front end, whose
    ``X-Forwarded-For`` ends with the client's address."""
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "x-forwarded-for"]
    forwarded = [v for k, v in request.headers.multi_items() if k.lower() == "x-forwarded-for"]
    if request.client_ip:
        forwarded.append(request.client_ip)
    if forwarded:
        headers.append(("x-forwarded-for", ", ".join(forwarded)))
    return testing.http_request(
        request.method, _quoted(request.path), body=request.body, headers=headers,
        query=request.query.multi_items(), route_prefix=prefix,
    )  # fmt: skip


def _quoted(path: str) -> str:
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def _trace(request: HTTPRequest) -> dict[str, Any]:
    parent = request.headers.get("traceparent")
    return {"trace_context": testing.TraceContext(trace_parent=parent)} if parent else {}


def event_handler(app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
    """``POST /_portafunc/events`` for Azure: Event Grid events, see ``events``."""
    registered = function_app(app)
    return lambda body, headers: events.deliver(app, registered, body, headers)
