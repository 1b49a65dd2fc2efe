"""Application Load Balancer targets.

Follows "Lambda functions as targets" in the Elastic Load Balancing guide and
"Using Lambda with an Application Load Balancer" in the Lambda guide.

- A target group with multi-value headers on sends ``multiValueHeaders`` and
  ``multiValueQueryStringParameters`` only; without, ``headers`` and
  ``queryStringParameters`` (the last value of a repeated name). The response is
  given in the mode the request came in: ``multiValueHeaders`` if and only if the
  request had them (ALB rejects the other), else single-valued ``headers`` (see
  :func:`~portafunc_aws.sources._http.single_valued` for several ``Set-Cookie``).
- Query names and values arrive as the client sent them, percent-encoded: they
  are decoded like a query string (``+`` is a space), as ``rawQueryString`` is for
  HTTP APIs. The path keeps its encoding too and is decoded.
- The payload has no client address or request id: ``client_ip`` is the last
  ``X-Forwarded-For`` entry (the one the load balancer added), ``request_id`` the
  ``X-Amzn-Trace-Id`` ALB sets. No identity (ALB's OIDC header is a signed token
  a handler must verify itself).
- ``statusDescription`` is required: ``"200 OK"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from portafunc.datastructures import Headers
from portafunc.errors import reason_phrase
from portafunc.http import HTTPRequest, HTTPResponse

from ._base import HTTPSource
from ._http import (
    body_bytes,
    client_address,
    first_present,
    grouped,
    request_path,
    response_body,
    single_valued,
    text,
)

__all__ = ["ALB"]


class ALB(HTTPSource):
    """An Application Load Balancer request (``requestContext.elb``)."""

    name = "alb"

    def matches(self, event: Mapping[str, Any]) -> bool:
        context = event.get("requestContext")
        return isinstance(context, Mapping) and "elb" in context and "httpMethod" in event

    def request(self, event: Mapping[str, Any]) -> HTTPRequest:
        raw_headers = first_present(event, "multiValueHeaders", "headers")
        query = first_present(event, "multiValueQueryStringParameters", "queryStringParameters")
        return HTTPRequest(
            text(event["httpMethod"], "httpMethod"),
            request_path(text(event["path"], "path")),
            headers=Headers(raw_headers),  # indexed only if a handler reads it
            query=_decoded(query) if query else None,
            body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
            client_ip=client_address(_header(raw_headers, "x-forwarded-for")),
            request_id=next(iter(_header(raw_headers, "x-amzn-trace-id")), ""),
            provider="aws",
            raw=event,
        )

    def response(self, response: HTTPResponse, event: Mapping[str, Any]) -> dict[str, Any]:
        body, encoded = response_body(response)
        out: dict[str, Any] = {
            "statusCode": response.status,
            "statusDescription": _description(response.status),
        }
        if "multiValueHeaders" in event:
            out["multiValueHeaders"] = grouped(response)
        else:
            out["headers"] = single_valued(response)
        out["body"] = body
        out["isBase64Encoded"] = encoded
        return out


def _decoded(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Percent-encoded query parameters (single- or multi-valued) as decoded pairs."""
    pairs: list[tuple[str, str]] = []
    for key, values in query.items():
        name = unquote_plus(key)
        for value in [values] if isinstance(values, str) else values:
            pairs.append((name, unquote_plus(text(value, f"query parameter {key!r}"))))
    return pairs


def _header(headers: Mapping[str, Any] | None, name: str) -> list[str]:
    """Every value of one header straight from the event (ALB sends lower-case names)."""
    if not headers:
        return []
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


@lru_cache(maxsize=64)
def _description(status: int) -> str:
    """``"200 OK"``: the status code and its RFC 9110 reason phrase."""
    phrase = reason_phrase(status)
    return str(status) if phrase is None else f"{status} {phrase}"
