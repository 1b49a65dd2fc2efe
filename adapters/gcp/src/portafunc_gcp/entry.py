"""``entry_points(app)``: the functions-framework entry points of a portafunc app.

In ``main.py``::

    globals().update(portafunc_gcp.entry_points(shop.app))

and ``functions-framework --target NAME`` (``gcloud functions deploy ... --entry-point
NAME``) serves one of them:

- each portafunc function has an entry named after it. An HTTP function's entry
  answers only its own route: other paths get a 404 problem, other methods a 405
  (with ``Allow``), and a path that a more specific route of another function claims
  (``/orders/new`` beside ``/orders/{id}``) a 404, so a per-function deployment
  never answers differently from the app entry. Any other function's entry is a
  CloudEvent function: the event goes through the ``portafunc_gcp.sources`` module
  of its trigger kind (:data:`SOURCES`) and :func:`portafunc.pipeline.deliver`.
  Returning means done: functions-framework answers 200 with the body ``OK`` (it
  ignores a CloudEvent function's return value). Raising means failed: it answers
  500, and a trigger deployed with ``--retry`` delivers the event again.
- an app with HTTP functions has one more entry, named after the app, serving every
  HTTP route: what ``portafunc build`` deploys. That name is then reserved: a
  function named like the app is a ``DeclarationError``.

functions-framework keys its registry of signature types by ``__name__`` at
registration, while ``--target`` looks the module attribute up by name: each entry's
``__name__`` (and ``__qualname__``) is its entry name before it is registered, or a
CloudEvent target would be served as HTTP. The entries returned are the functions
registered, not functions-framework's pass-through wrappers.

Async handlers run on portafunc's process-wide event loop (inside the pipeline),
not through ``functions_framework.aio``: that would need the ASGI server and
Starlette, and a Flask entry serves sync and async handlers alike.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import flask
import functions_framework

from portafunc import log
from portafunc.errors import DeclarationError, HTTPError
from portafunc.pipeline import deliver, handle_http, problem
from portafunc.routing import Router, parse_template
from portafunc.triggers import HTTPTrigger

from .http import flask_response, http_request
from .invocation import context_for
from .options import validate

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import App, Function
    from portafunc.http import HTTPRequest, HTTPResponse

__all__ = ["SOURCES", "Translate", "entry_points", "translator"]

#: A source module's ``translate``: the envelope for ``function``, or None to acknowledge.
Translate = Callable[["CloudEvent", "Function"], Any]
Entry = Callable[..., Any]

#: portafunc trigger kind → the ``portafunc_gcp.sources`` module translating its events.
SOURCES: dict[str, str] = {
    "queue": "pubsub",
    "topic": "pubsub",
    "stream": "pubsub",
    "schedule": "pubsub",  # Cloud Scheduler publishes to a Pub/Sub topic
    "storage": "storage",
    "changes": "firestore",
    "event": "eventarc",
}


def entry_points(app: App) -> dict[str, Entry]:
    """``{entry name: function}`` for ``app``, each registered with functions-framework.

    Raises DeclarationError when two entries would share a name, or for unknown ``gcp=``
    options.
    """
    for declared in app.functions.values():
        validate(declared)
    entries: dict[str, Entry] = {}
    http = [f for f in app.functions.values() if f.trigger.kind == "http"]
    if http and app.name in app.functions:
        raise DeclarationError(
            f"function {app.name!r} is named like its app, whose GCP entry point serves "
            "every HTTP route under that name; give the function another name=",
            where=app.functions[app.name].where,
        )
    for function in app.functions.values():
        if function.trigger.kind == "http":
            entries[function.name] = _register_http(function.name, _http_entry(app, function))
        else:
            entry = _event_entry(app, function, translator(function))
            entries[function.name] = _register_event(function.name, entry)
    if http:
        entries[app.name] = _register_http(app.name, _app_entry(app))
    log.configure()
    return entries


def translator(function: Function) -> Translate:
    """The ``translate`` of the source module serving ``function``'s trigger kind.

    Imported here, once per entry, so an app never loads the sources it does not use.
    """
    kind = function.trigger.kind
    if kind not in SOURCES:
        raise DeclarationError(f"GCP has no event source for {kind} triggers", where=function.where)
    module = importlib.import_module(f"{__package__}.sources.{SOURCES[kind]}")
    return cast("Translate", module.translate)


def _register_http(name: str, entry: Callable[[flask.Request], flask.Response]) -> Entry:
    entry.__name__ = entry.__qualname__ = name  # before registering: the registry's key
    functions_framework.http(entry)
    return entry


def _register_event(name: str, entry: Callable[[CloudEvent], None]) -> Entry:
    entry.__name__ = entry.__qualname__ = name
    functions_framework.cloud_event(entry)
    return entry


def _app_entry(app: App) -> Callable[[flask.Request], flask.Response]:
    def serve(request: flask.Request) -> flask.Response:
        return flask_response(handle_http(app, http_request(request), context_for(request)))

    return serve


def _http_entry(app: App, function: Function) -> Callable[[flask.Request], flask.Response]:
    trigger = cast("HTTPTrigger", function.trigger)
    own: Router[Function] = Router()  # this function's route alone: its 404 and 405
    own.add(trigger.methods, parse_template(trigger.path), function, function.where)

    def serve(request: flask.Request) -> flask.Response:
        portable = http_request(request)
        refused = _refusal(app, function, own, portable)
        if refused is not None:
            return flask_response(refused)
        return flask_response(handle_http(app, portable, context_for(request)))

    return serve


def _refusal(
    app: App, function: Function, own: Router[Function], request: HTTPRequest
) -> HTTPResponse | None:
    """None if ``function`` serves ``request``, else the 404 or 405 its entry answers."""
    try:
        target, _ = app.router.match(request.method, request.path)
    except HTTPError:
        target = None
    if target is function:
        return None
    try:
        own.match(request.method, request.path)
    except HTTPError as exc:
        return problem(exc)
    # The path fits the route, but another function's more specific route claims it.
    return problem(HTTPError(404, f"no route for {request.path}"))


def _event_entry(
    app: App, function: Function, translate: Translate
) -> Callable[[CloudEvent], None]:
    def receive(cloud_event: CloudEvent) -> None:
        envelope = translate(cloud_event, function)
        if envelope is not None:  # None: a delivery the trigger does not take
            deliver(app, function, envelope, context_for(cloud_event))

    return receive
