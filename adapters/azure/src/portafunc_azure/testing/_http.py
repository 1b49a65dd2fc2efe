"""HTTP requests, as the worker builds a ``func.HttpRequest`` from the host's ``RpcHttp``.

The host sends the full URL (with the route prefix, default ``api``, and the query
string), headers and query parameters as single strings (repeated values comma-joined,
as ASP.NET Core's ``StringValues`` prints them), the route parameters it matched, and
the body as bytes (the worker asks for ``RawHttpBodyBytes``). The worker wraps these in
a ``meta.Datum`` of type ``"http"`` and decodes it with azure.functions'
``HttpRequestConverter``; so does :func:`http_request`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import azure.functions as func
from azure.functions import meta
from azure.functions.http import HttpRequestConverter
from pydantic_core import to_json

from ._common import NO_JSON, convert, string_datum

__all__ = ["CLIENT_IP", "HOST", "Pairs", "http_request"]

HOST = "my-function-app.azurewebsites.net"
CLIENT_IP = "203.0.113.10"
USER_AGENT = "curl/8.5.0"
#: Headers or query parameters: a mapping (a list value repeats the name) or pairs.
Pairs = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


def _pairs(items: Pairs) -> list[tuple[str, str]]:
    if items is None:
        return []
    if not isinstance(items, Mapping):
        return [(str(name), str(value)) for name, value in items]
    return [
        (name, str(value))
        for name, values in items.items()
        for value in ([values] if isinstance(values, str) else values)
    ]


def _joined(items: list[tuple[str, str]], *, fold: bool) -> dict[str, str]:
    """One string per name, repeated values comma-joined (header names case-insensitively)."""
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in items:
        key = name.lower() if fold else name
        names.setdefault(key, name)
        values.setdefault(key, []).append(value)
    return {names[key]: ",".join(joined) for key, joined in values.items()}


def _body(json: Any, body: str | bytes | None) -> bytes:
    if json is not NO_JSON:
        return to_json(json)
    if isinstance(body, str):
        return body.encode()
    return bytes(body or b"")


def _headers(given: Pairs, url_path: str, body: bytes, is_json: bool) -> dict[str, str]:
    port = 49152 + secrets.randbelow(16384)
    defaults = [
        ("accept", "*/*"),
        ("host", HOST),
        ("user-agent", USER_AGENT),
        ("max-forwards", "10"),
        ("x-forwarded-for", f"{CLIENT_IP}:{port}"),  # App Service adds the client's port
        ("x-forwarded-proto", "https"),
        ("client-ip", f"{CLIENT_IP}:{port}"),
        ("x-arr-log-id", str(uuid.uuid4())),
        ("x-original-url", url_path),
        ("disguised-host", HOST),
        ("was-default-hostname", HOST),
        ("x-site-deployment-id", HOST.partition(".")[0]),
        *([("content-length", str(len(body)))] if body else []),
        *([("content-type", "application/json")] if is_json else []),
    ]
    own = _pairs(given)
    names = {name.lower() for name, _ in own}
    return _joined([*(d for d in defaults if d[0] not in names), *own], fold=True)


def http_request(
    method: str,
    path: str,
    *,
    json: Any = NO_JSON,
    body: str | bytes | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    route_params: Mapping[str, str] | None = None,
    route_prefix: str = "api",
) -> func.HttpRequest:
    """A ``func.HttpRequest`` for ``method path`` as the worker passes it to a function.

    ``path`` is the path after the route prefix, as a client sends it (percent-encoded
    where needed); it may carry a query string, and ``query`` adds to it. ``json=`` is
    sent as JSON with ``content-type: application/json``; ``body=`` as given (text as
    UTF-8). ``route_params`` are the values the host matched against the function's
    route template. ``route_prefix`` is host.json's ``extensions.http.routePrefix``
    (``"api"`` by default; ``portafunc build`` sets ``""``).
    """
    path, _, raw_query = path.partition("?")
    extra = urlencode(_pairs(query))
    raw_query = "&".join(part for part in (raw_query, extra) if part)
    prefix = route_prefix.strip("/")
    url_path = (f"/{prefix}" if prefix else "") + (path if path.startswith("/") else f"/{path}")
    url_path += f"?{raw_query}" if raw_query else ""
    data = _body(json, body)
    params = _joined(parse_qsl(raw_query, keep_blank_values=True), fold=False)
    rpc_http = {
        "method": string_datum(method.upper()),
        "url": string_datum(f"https://{HOST}{url_path}"),
        "headers": {
            name: string_datum(value)
            for name, value in _headers(headers, url_path, data, json is not NO_JSON).items()
        },
        "body": meta.Datum(data, "bytes"),
        "params": {name: string_datum(value) for name, value in (route_params or {}).items()},
        "query": {name: string_datum(value) for name, value in params.items()},
    }
    request: func.HttpRequest = convert(HttpRequestConverter, meta.Datum(rpc_http, "http"), None)
    return request
