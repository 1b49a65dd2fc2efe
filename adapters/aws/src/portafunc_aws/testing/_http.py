"""HTTP requests in payload format 2.0 (HTTP APIs, Lambda function URLs), and the
request model every HTTP builder starts from (``_v1`` builds the 1.0 shapes).

Shapes: API Gateway's "Create AWS Lambda proxy integrations for HTTP APIs" (payload
format 2.0) and Lambda's "Invoking Lambda function URLs" request payload.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from pydantic_core import to_json

from ._common import ACCOUNT, NO_JSON, REGION, Event, Pairs, epoch_ms, grouped, now, pairs

__all__ = [
    "API_ID",
    "SOURCE_IP",
    "Request",
    "apigw_id",
    "clf",
    "function_url_event",
    "http_v2_event",
    "request_from",
]

API_ID = "a1b2c3d4e5"
URL_ID = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
SOURCE_IP = "203.0.113.10"
USER_AGENT = "curl/8.5.0"
Cookies = Mapping[str, str] | None


@dataclass(frozen=True)
class Request:
    """A request as the client sent it, before a proxy shapes it into an event."""

    method: str
    path: str
    query: list[tuple[str, str]]
    defaults: list[tuple[str, str]]  # headers the client and proxy add (lower-case names)
    headers: list[tuple[str, str]]  # the test's own headers, as given
    body: str | None  # as the event carries it
    base64: bool


def request_from(
    method: str,
    path: str,
    host: str,
    json: Any,
    body: str | bytes | None,
    headers: Pairs,
    query: Pairs,
) -> Request:
    path, _, raw_query = path.partition("?")
    query_pairs = parse_qsl(raw_query, keep_blank_values=True) + pairs(query)
    text, encoded, size = _body(json, body)
    given = pairs(headers)
    defaults = [
        ("accept", "*/*"),
        ("host", host),
        ("user-agent", USER_AGENT),
        ("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"),
        ("x-forwarded-for", SOURCE_IP),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
        *([("content-length", str(size))] if size else []),
        *([("content-type", "application/json")] if json is not NO_JSON else []),
    ]
    names = {name.lower() for name, _ in given}
    defaults = [(name, value) for name, value in defaults if name not in names]
    return Request(method.upper(), path or "/", query_pairs, defaults, given, text, encoded)


def _body(json: Any, body: str | bytes | None) -> tuple[str | None, bool, int]:
    """(the body as the event carries it, isBase64Encoded, its size in bytes)."""
    if json is not NO_JSON:
        raw = to_json(json)
        return raw.decode(), False, len(raw)
    if isinstance(body, (bytes, bytearray)):
        return base64.b64encode(body).decode(), True, len(body)
    return body, False, len(body.encode()) if body else 0


def clf(moment: datetime) -> str:
    return f"{moment:%d/%b/%Y:%H:%M:%S} +0000"


def _v2(request: Request, stage: str, domain: str, api_id: str, cookies: Cookies) -> Event:
    """A payload format 2.0 event (an HTTP API or a function URL)."""
    lowered = [(name.lower(), value) for name, value in request.defaults + request.headers]
    headers = {name: ",".join(values) for name, values in grouped(lowered).items()}
    raw_path = request.path if stage == "$default" else f"/{stage}{request.path}"
    event: Event = {"version": "2.0", "routeKey": "$default", "rawPath": raw_path}
    event["rawQueryString"] = urlencode(request.query)
    if cookies:
        event["cookies"] = [f"{name}={value}" for name, value in cookies.items()]
    event["headers"] = headers
    if request.query:
        query = grouped(request.query)
        event["queryStringParameters"] = {name: ",".join(v) for name, v in query.items()}
    moment = now()
    http = {"method": request.method, "path": raw_path, "protocol": "HTTP/1.1"}
    http |= {"sourceIp": SOURCE_IP, "userAgent": headers.get("user-agent", "")}
    event["requestContext"] = {
        "accountId": ACCOUNT,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": http,
        "requestId": str(uuid.uuid4()) if "lambda-url" in domain else apigw_id(),
        "routeKey": "$default",
        "stage": stage,
        "time": clf(moment),
        "timeEpoch": epoch_ms(moment),
    }
    if request.body is not None:
        event["body"] = request.body
    event["isBase64Encoded"] = request.base64
    return event


def apigw_id() -> str:
    """An API Gateway request id, e.g. ``LV7fzho-PHcEJPw=``."""
    return base64.b64encode(secrets.token_bytes(11)).decode()


def http_v2_event(
    method: str,
    path: str,
    *,
    json: Any = NO_JSON,
    body: str | bytes | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    cookies: Cookies = None,
    stage: str = "$default",
) -> Event:
    """An API Gateway HTTP API request (payload format 2.0, ``$default`` route).

    ``json=`` is sent as JSON with ``content-type: application/json``; ``body=`` as
    text, or base64 with ``isBase64Encoded`` when it is bytes. ``path`` is the URL
    path as a client sends it (percent-encoded where needed) and may carry a query
    string; ``query`` adds to it. Repeated headers and query values are
    comma-joined, cookies go to ``cookies``, and a named ``stage`` prefixes the path.
    """
    domain = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    request = request_from(method, path, domain, json, body, headers, query)
    # HTTP APIs decode the path; the other sources pass the client's encoding on.
    return _v2(replace(request, path=unquote(request.path)), stage, domain, API_ID, cookies)


def function_url_event(
    method: str,
    path: str,
    *,
    json: Any = NO_JSON,
    body: str | bytes | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    cookies: Cookies = None,
) -> Event:
    """A Lambda function URL request: :func:`http_v2_event` on a ``lambda-url`` domain,
    with cookies both in ``cookies`` and in the ``cookie`` header, as delivered."""
    domain = f"{URL_ID}.lambda-url.{REGION}.on.aws"
    if cookies:
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        headers = [*pairs(headers), ("cookie", cookie)]
    request = request_from(method, path, domain, json, body, headers, query)
    return _v2(request, "$default", domain, URL_ID, cookies)
