"""functions-framework's own Flask app for a ``main.py`` or a portafunc App, and posting
CloudEvents (binary or structured content mode) and JSON bodies to its test client.

functions-framework keeps process-wide state: a registry of signature types keyed by
function name (filled when a module registers its functions), and the environment
variables ``FUNCTION_TARGET`` and ``FUNCTION_SIGNATURE_TYPE`` that ``create_app`` writes.
A function registered by one app would change how a same-named target of the next is
served, so :func:`create_app` empties the registry before loading the source and puts
the environment back afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import flask
import functions_framework
from cloudevents.conversion import to_binary, to_structured
from functions_framework import _function_registry

from portafunc.app import App
from portafunc.errors import PortafuncError

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

__all__ = ["create_app", "loading", "post_cloud_event", "post_json"]

#: The main.py generated for an App: what ``portafunc build`` writes, reading the App
#: from :func:`loading` instead of importing the user's module.
_MAIN = """\
from portafunc_gcp import entry_points
from portafunc_gcp.testing._app import loading

globals().update(entry_points(loading()))
"""
_ENVIRONMENT = ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE")
_lock = threading.Lock()
_loading: list[App] = []


def create_app(source: str | os.PathLike[str] | App, target: str) -> flask.Flask:
    """functions-framework's app serving ``target`` of ``source``.

    ``source`` is a ``main.py`` path (as ``functions-framework --source`` takes), or a
    portafunc App, served through a generated ``main.py`` that calls
    ``portafunc_gcp.entry_points(app)``. Its ``test_client()`` answers as the
    functions-framework server would.
    """
    if isinstance(source, App):
        return _from_app(source, target)
    return _create(os.fspath(source), target)


def loading() -> App:
    """The App :func:`create_app` is loading (its generated main.py calls this)."""
    if not _loading:
        raise PortafuncError("loading() is for the main.py that create_app() generates")
    return _loading[-1]


def post_cloud_event(
    client: FlaskClient,
    event: CloudEvent,
    *,
    mode: Literal["binary", "structured"] = "binary",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
) -> TestResponse:
    """POST ``event`` in binary (``ce-*`` headers, Eventarc's way) or structured mode."""
    ce_headers, body = (to_binary if mode == "binary" else to_structured)(event)
    return client.post(path, headers={**ce_headers, **(headers or {})}, data=body)


def post_json(
    client: FlaskClient,
    body: Mapping[str, Any],
    *,
    path: str = "/",
    headers: Mapping[str, str] | None = None,
) -> TestResponse:
    """POST a JSON body: a Pub/Sub push body or a 1st-gen background event.

    functions-framework converts either into a CloudEvent. It takes a push body's topic
    from ``path`` when that names one (``/projects/P/topics/T``).
    """
    return client.post(path, json=dict(body), headers=dict(headers or {}))


def _create(source: str, target: str) -> flask.Flask:
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
    _function_registry.REGISTRY_MAP.clear()
    _function_registry.INPUT_TYPE_MAP.clear()
    _function_registry.ASGI_FUNCTIONS.clear()
    try:
        app = functions_framework.create_app(target, source)  # type: ignore[no-untyped-call]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if not isinstance(app, flask.Flask):
        raise PortafuncError(f"functions-framework serves {target!r} as ASGI, not with Flask")
    return app


def _from_app(app: App, target: str) -> flask.Flask:
    module = f"portafunc_main_{uuid.uuid4().hex}"  # not "main": the user's may be loaded
    with _lock, tempfile.TemporaryDirectory() as directory:
        (Path(directory) / f"{module}.py").write_text(_MAIN, encoding="utf-8")
        _loading.append(app)
        try:
            return _create(os.path.join(directory, f"{module}.py"), target)
        finally:
            _loading.pop()
            sys.modules.pop(module, None)  # functions-framework added these two
            if os.path.realpath(directory) in sys.path:
                sys.path.remove(os.path.realpath(directory))
