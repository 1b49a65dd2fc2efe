"""Payloads and local requests run through functions-framework's own Flask app, as Cloud
Functions would run them: ``portafunc invoke`` and ``portafunc serve --provider gcp``.

Each entry point is served by the app ``portafunc_gcp.testing.create_app`` makes for it
(a generated ``main.py`` calling ``entry_points``), created when first needed and kept:
:class:`Entries`. Requests go through its test client, without cookies kept between
requests.

- :func:`invoke`: one payload through the entry of one function. For an HTTP function
  the payload is ``{"method", "path", "headers", "query", "body"}`` (all optional:
  method and path default to the function's route; headers and query are objects whose
  values are strings or lists of strings, the query may also be a raw string; a body
  that is not a string is sent as JSON) and the result ``{"status", "headers",
  "body"}``, ok when the status is below 500. For any other function it is a
  CloudEvent, push body or background event (:mod:`.payloads`), the result
  ``{"status"}``, ok when 2xx (a non-2xx answer is what makes GCP redeliver).
- :func:`http_handler`: a local :class:`HTTPRequest` through the app entry, keeping
  the raw request target (path and query string as received) and repeated headers.
- :func:`event_handler`: a raw payload recognised, routed (:mod:`.dispatch`) and posted
  to each function's entry: ``(200, {"ok": true, "results": [...]})``, ``500`` when an
  entry failed, ``400`` for a payload not recognised, ``404`` when no function takes it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlencode, urlsplit

from portafunc.errors import HTTPError, NoSuchFunction, UnsupportedEvent
from portafunc.http import HTTPRequest, HTTPResponse
from portafunc.pipeline import problem

from ..testing import create_app
from .dispatch import targets
from .payloads import Delivery, raw_payload, recognise
from .plan import plan, pubsub_topic

if TYPE_CHECKING:
    from flask.testing import FlaskClient
    from werkzeug.datastructures import Headers
    from werkzeug.test import TestResponse

    from portafunc.app import App, Function
    from portafunc.triggers import HTTPTrigger

__all__ = ["Entries", "event_handler", "http_handler", "invoke"]

_HTTP_KEYS = ("method", "path", "headers", "query", "body")
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_TRANSFER = frozenset({"content-length", "transfer-encoding"})


class Entries:
    """functions-framework's test client for each entry point of ``app``, made once."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._clients: dict[str, FlaskClient] = {}
        self._lock = threading.Lock()

    def client(self, entry: str) -> FlaskClient:
        with self._lock:
            client = self._clients.get(entry)
            if client is None:
                client = create_app(self.app, entry).test_client(use_cookies=False)
                self._clients[entry] = client
            return client


# -- invoke ---------------------------------------------------------------------------


def invoke(app: App, name: str, payload: Any) -> tuple[Any, bool]:
    """Run ``payload`` through the entry of function ``name``: (result, ok)."""
    function = app.function(name)
    if function.trigger.kind == "http":
        request = _http_payload(function, payload)
        return _http_result(Entries(app).client(function.name).open(**request))
    delivery = recognise(*raw_payload(payload))
    topic = pubsub_topic(function)
    path = "/" if delivery.cloud_event or topic is None else f"/projects/_/topics/{topic}"
    status = _post(Entries(app).client(function.name), delivery, path).status_code
    return {"status": status}, 200 <= status < 300


def _http_payload(function: Function, payload: Any) -> dict[str, Any]:
    expected = f"an object with some of {', '.join(_HTTP_KEYS)} for the HTTP function"
    if not isinstance(payload, Mapping) or not set(payload) <= set(_HTTP_KEYS):
        raise UnsupportedEvent("gcp", f"{_shape(payload)}; expected {expected}")
    trigger = cast("HTTPTrigger", function.trigger)
    method, path = payload.get("method", trigger.methods[0]), payload.get("path", trigger.path)
    if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
        raise UnsupportedEvent("gcp", f"method {method!r}, path {path!r}; expected strings")
    headers = _pairs(payload.get("headers"), "headers")
    query = payload.get("query")
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("content-type", "application/json"))
        body = json.dumps(body)
    return {
        "path": quote(path, safe=_SAFE_PATH),
        "method": method.upper(),
        "headers": headers,
        "query_string": query if isinstance(query, str) else urlencode(_pairs(query, "query")),
        "data": (body or "").encode(),
    }


def _pairs(value: Any, what: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise UnsupportedEvent("gcp", f"{what} as {_shape(value)}; expected an object")
    pairs = []
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not all(isinstance(i, str) for i in items):
            raise UnsupportedEvent("gcp", f"{what}[{key!r}] = {item!r}; expected strings")
        pairs += [(str(key), i) for i in items]
    return pairs


def _http_result(response: TestResponse) -> tuple[dict[str, Any], bool]:
    headers: dict[str, Any] = {}
    for name, value in response.headers.items():
        previous = headers.get(name)
        headers[name] = value if previous is None else [*_listed(previous), value]
    body = response.get_data()
    try:
        rendered: dict[str, Any] = {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        rendered = {"body_base64": base64.b64encode(body).decode()}
    status = response.status_code
    return {"status": status, "headers": headers, **rendered}, status < 500


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


# -- serve ----------------------------------------------------------------------------


def http_handler(app: App) -> Callable[[HTTPRequest], HTTPResponse]:
    """Serve local requests through the app entry in functions-framework."""
    entries = Entries(app)
    has_http = any(f.trigger.kind == "http" for f in app.functions.values())

    def handle(request: HTTPRequest) -> HTTPResponse:
        if not has_http:
            return problem(HTTPError(404, f"app {app.name!r} declares no HTTP function"))
        path, query = _target(request)
        response = entries.client(app.name).open(
            path,
            method=request.method,
            query_string=query,
            headers=[(k, v) for k, v in request.headers.multi_items() if k not in _TRANSFER],
            data=request.body,
            environ_base={"REMOTE_ADDR": request.client_ip or "127.0.0.1"},
        )
        return HTTPResponse(
            response.status_code, headers=_header_pairs(response.headers), body=response.data
        )

    return handle


def _target(request: HTTPRequest) -> tuple[str, str]:
    """The request's path (percent-encoded) and raw query string, as received when known."""
    raw = request.raw
    target = raw.get("target") if isinstance(raw, Mapping) else None
    if isinstance(target, str) and target:
        if not target.startswith("/"):  # absolute form: http://host/path?query
            parts = urlsplit(target)
            target = f"{parts.path or '/'}?{parts.query}"
        path, _, query = target.partition("?")
        return path, query
    return quote(request.path, safe=_SAFE_PATH), urlencode(request.query.multi_items())


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return list(headers.items())


def event_handler(app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
    """Recognise, route and deliver raw GCP payloads to the app's functions."""
    entries = Entries(app)
    layout = plan(app)

    def handle(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        try:
            delivery = recognise(body, headers)
            functions, path = targets(app, layout, delivery)
        except UnsupportedEvent as exc:
            return 400, {"ok": False, "detail": str(exc)}
        except NoSuchFunction as exc:
            return 404, {"ok": False, "detail": str(exc)}
        statuses = [_post(entries.client(f.name), delivery, path).status_code for f in functions]
        results = [
            {"function": f.name, "status": s} for f, s in zip(functions, statuses, strict=True)
        ]
        ok = all(200 <= status < 300 for status in statuses)
        return (200 if ok else 500), {"ok": ok, "results": results}

    return handle


def _post(client: FlaskClient, delivery: Delivery, path: str) -> TestResponse:
    return client.post(path, data=delivery.body, headers=delivery.headers)


# -- helpers --------------------------------------------------------------------------


def _shape(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"an object with keys {sorted(map(str, value))}"
    return f"a JSON {type(value).__name__}"
