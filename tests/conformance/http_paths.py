"""The four HTTP paths: one portable request, delivered as each provider would deliver it.

A portable request (:class:`HTTPInput`) is what a client sends: a method, the path as
the handler should see it (decoded; providers get it percent-encoded, as on the wire),
query and header pairs (repeats kept), cookies and the body bytes. Each path returns
what that client observes (:func:`observed`): the status, the selected response
headers and the body bytes.

- ``local``: :class:`portafunc.testing.TestClient`, the reference.
- ``aws``: ``lambda_handler(app)`` with an API Gateway HTTP API (payload 2.0) event
  from ``http_v2_event``; the response's ``cookies`` are its ``Set-Cookie`` headers.
- ``azure``: the Azure function the host would pick (the one whose route matches,
  else the catch-all) of ``function_app(app)``, invoked with ``http_request``; the
  response goes through the worker's own ``HttpResponseConverter``, which writes the
  ``Content-Type`` the host sends.
- ``gcp``: the app entry of ``entry_points(app)`` in functions-framework's own Flask
  app (``create_app``), through its test client.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from azure.functions.http import HttpResponseConverter

from portafunc import App, HTTPError
from portafunc.testing import TestClient
from portafunc.triggers import HTTPTrigger
from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext, http_v2_event
from portafunc_azure import function_app
from portafunc_azure.testing import http_request, invoke
from portafunc_azure.triggers.http import CATCH_ALL, route_prefix, route_template
from portafunc_gcp.testing import create_app

from . import differences

__all__ = ["HTTPInput", "HTTPPaths", "Observed", "observed"]

Observed = dict[str, Any]
#: Response headers a client-visible comparison looks at (plus every ``x-`` header).
SELECTED = frozenset({"content-type", "allow", "set-cookie", "location", "retry-after"})


class HTTPInput(Protocol):
    """A portable request (any object with these attributes: each test module's case)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> Sequence[tuple[str, str]]: ...
    @property
    def headers(self) -> Sequence[tuple[str, str]]: ...
    @property
    def cookies(self) -> Sequence[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...


def observed(method: str, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Observed:
    """What a client observes. Header values are compared as the comma-separated lists
    HTTP defines them to be (RFC 9110 §5.3: repeated fields and one comma-joined field
    are the same), except ``Set-Cookie``, whose values are kept apart. A response to
    ``HEAD`` has no body on the wire (RFC 9110 §9.3.2), whatever the adapter hands its
    front end: API Gateway, the Azure host and werkzeug drop it."""
    selected: dict[str, list[str]] = {}
    for name, value in headers:
        key = name.lower()
        if key in SELECTED or key.startswith("x-"):
            parts = [value] if key == "set-cookie" else [v.strip() for v in value.split(",")]
            selected.setdefault(key, []).extend(parts)
    return {"status": status, "headers": selected, "body": b"" if method == "HEAD" else body}


def _cookie_header(request: HTTPInput) -> list[tuple[str, str]]:
    if not request.cookies:
        return []
    return [("cookie", "; ".join(f"{name}={value}" for name, value in request.cookies))]


def _wire_path(request: HTTPInput) -> str:
    """The path as a client puts it on the wire: percent-encoded UTF-8."""
    return quote(request.path, safe="/")


def _text_or_bytes(body: bytes) -> str | bytes:
    """A body as a proxy carries it: text when it is UTF-8, else bytes (base64)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


class HTTPPaths:
    """The four paths, with each app's adapters made once and kept."""

    names = ("local", "aws", "azure", "gcp")

    def __init__(self) -> None:
        self._made: dict[tuple[int, str], tuple[App, Any]] = {}

    def observe(self, path: str, app: App, request: HTTPInput) -> Observed:
        runner: Callable[[App, HTTPInput], Observed] = getattr(self, f"_{path}")
        return runner(app, request)

    def expected(self, path: str, reference: Observed) -> Observed:
        """What ``path`` should observe, given the local ``reference`` (see differences)."""
        return differences.expected(path, "http", reference)

    def _adapter(self, app: App, path: str, make: Callable[[], Any]) -> Any:
        key = (id(app), path)
        if key not in self._made:
            self._made[key] = (app, make())
        return self._made[key][1]

    def _local(self, app: App, request: HTTPInput) -> Observed:
        client: TestClient = self._adapter(app, "local", lambda: TestClient(app))
        response = client.request(
            request.method,
            request.path,
            headers=[*request.headers, *_cookie_header(request)],
            query=list(request.query),
            data=request.body,
        )
        headers = response.headers.multi_items()
        return observed(request.method, response.status, headers, response.body)

    def _aws(self, app: App, request: HTTPInput) -> Observed:
        handler = self._adapter(app, "aws", lambda: lambda_handler(app))
        event = http_v2_event(
            request.method,
            _wire_path(request),
            body=_text_or_bytes(request.body) if request.body else None,
            headers=list(request.headers),
            query=list(request.query),
            cookies=dict(request.cookies) or None,
        )
        response = handler(event, LambdaContext())
        body = response.get("body", "")
        raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
        headers = list(response.get("headers", {}).items())
        headers += [("set-cookie", cookie) for cookie in response.get("cookies", [])]
        return observed(request.method, response["statusCode"], headers, raw)

    def _azure(self, app: App, request: HTTPInput) -> Observed:
        functions = self._adapter(app, "azure", lambda: function_app(app))
        built = http_request(
            request.method,
            _wire_path(request),
            body=request.body,
            headers=[*request.headers, *_cookie_header(request)],
            query=list(request.query),
            route_params=_route_params(app, request),
            route_prefix=route_prefix(),
        )
        response = invoke(functions, _azure_function(app, request), built)
        cookies = response.headers.get_all("set-cookie")
        sent = HttpResponseConverter.encode(response, expected_type=None).value
        headers = [(name, datum.value) for name, datum in sent["headers"].items()]
        headers += [("set-cookie", cookie) for cookie in cookies]
        return observed(request.method, int(sent["status_code"].value), headers, sent["body"].value)

    def _gcp(self, app: App, request: HTTPInput) -> Observed:
        client = self._adapter(app, "gcp", lambda: _gcp_client(app))
        response = client.open(
            _wire_path(request),
            method=request.method,
            query_string=list(request.query),
            headers=[*request.headers, *_cookie_header(request)],
            data=request.body,
        )
        headers = response.headers.items()
        return observed(request.method, response.status_code, headers, response.get_data())


def _gcp_client(app: App) -> Any:
    """functions-framework's test client of the app entry; without a cookie jar, so
    the ``Cookie`` header goes through as sent (werkzeug's jar would replace it)."""
    return create_app(app, app.name).test_client(use_cookies=False)


def _matched(app: App, request: HTTPInput) -> tuple[str, Mapping[str, str]] | None:
    try:
        function, params = app.router.match(request.method, request.path)
    except HTTPError:
        return None
    return function.name, params


def _azure_function(app: App, request: HTTPInput) -> str:
    """The Azure function the host picks: the matching route's, else the catch-all
    (which also serves ``/`` and methods a route does not list, e.g. HEAD)."""
    matched = _matched(app, request)
    if matched is None:
        return CATCH_ALL
    trigger = app.function(matched[0]).trigger
    assert isinstance(trigger, HTTPTrigger)
    if request.method not in trigger.methods or not route_template(trigger.path):
        return CATCH_ALL
    return matched[0]


def _route_params(app: App, request: HTTPInput) -> Mapping[str, str]:
    matched = _matched(app, request)
    return matched[1] if matched is not None else {}
