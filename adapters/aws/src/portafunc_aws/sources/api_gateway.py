"""API Gateway REST APIs (payload format 1.0) and HTTP APIs (payload format 2.0).

Follows the Lambda proxy integration formats of the API Gateway developer guide:
"Input format of a Lambda function for proxy integration" and "Output format …"
(REST; HTTP APIs configured for payload 1.0 send the same shape with
``"version": "1.0"``), and "Create AWS Lambda proxy integrations for HTTP APIs"
(payload format 2.0, request and response).

- REST: ``multiValueHeaders`` / ``multiValueQueryStringParameters`` when present,
  else the single-valued fields (the console's test invocations send them all as
  null). ``path`` never holds the stage; it keeps the client's percent-encoding,
  undone here, while HTTP APIs send 1.0's ``path`` already decoded. Identity:
  Cognito ``authorizer.claims``, else a Lambda authorizer's context, else the IAM
  caller's fields of ``requestContext.identity``. The response uses
  ``multiValueHeaders``, so several ``Set-Cookie`` stay apart.
- HTTP API 2.0: ``rawPath`` (already decoded by API Gateway) without the
  ``/{stage}`` prefix that named stages add, the query from ``rawQueryString``,
  headers as sent (comma-joined values are never split), ``cookies`` as the
  ``Cookie`` header. Identity: ``authorizer.jwt.claims``, ``authorizer.lambda`` or
  ``authorizer.iam``. The response puts ``Set-Cookie`` values in ``cookies`` and
  comma-joins other repeated headers.

WebSocket API events (``requestContext.connectionId``) and authorizer requests
(``methodArn``, ``type``) are not HTTP requests and match neither source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from portafunc.http import HTTPRequest, HTTPResponse

from ..invocation import get
from ._base import HTTPSource
from ._http import (
    body_bytes,
    first_mapping,
    first_present,
    grouped,
    joined,
    mapping_or_none,
    optional_text,
    request_path,
    response_body,
    text,
    with_cookies,
)

__all__ = ["HTTPAPI", "RESTAPI", "is_function_url", "v2_context"]

Event = Mapping[str, Any]

#: The fields of a REST ``requestContext.identity`` that name an IAM caller.
_IAM_CALLER = (
    "accessKey",
    "accountId",
    "caller",
    "user",
    "userArn",
    "principalOrgId",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
)
#: Keys a REST authorizer block has without an authorizer (both null).
_NO_AUTHORIZER = frozenset({"claims", "scopes"})
#: Where payload 2.0 puts what each authorizer type says about the caller, in order.
_V2_AUTHORIZERS = (("jwt", "claims"), ("lambda",), ("iam",))


class RESTAPI(HTTPSource):
    """API Gateway REST API (and HTTP API with payload format 1.0)."""

    name = "api_gateway_rest"

    def matches(self, event: Event) -> bool:
        context = event.get("requestContext")
        return (
            "httpMethod" in event
            and isinstance(context, Mapping)
            and "elb" not in context  # ALB
            and "connectionId" not in context  # WebSocket API
            and "methodArn" not in event  # REST request authorizer
            and event.get("version", "1.0") == "1.0"
        )

    def request(self, event: Event) -> HTTPRequest:
        context = event["requestContext"]
        path = text(event["path"], "path")
        return HTTPRequest(
            text(event["httpMethod"], "httpMethod"),
            path if "version" in event else request_path(path),
            headers=first_present(event, "multiValueHeaders", "headers"),
            query=first_present(event, "multiValueQueryStringParameters", "queryStringParameters"),
            body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
            client_ip=optional_text(get(context, "identity", "sourceIp")),
            request_id=optional_text(context.get("requestId")) or "",
            identity=_rest_identity(context),
            provider="aws",
            raw=event,
        )

    def response(self, response: HTTPResponse, event: Event) -> dict[str, Any]:
        body, encoded = response_body(response)
        return {
            "statusCode": response.status,
            "multiValueHeaders": grouped(response),
            "body": body,
            "isBase64Encoded": encoded,
        }


def _rest_identity(context: Mapping[str, Any]) -> Mapping[str, Any] | None:
    authorizer = context.get("authorizer")
    claims = first_mapping(authorizer, (("claims",),))
    if claims is not None:
        return claims  # Cognito user pool authorizer
    if isinstance(authorizer, Mapping) and any(
        value is not None for key, value in authorizer.items() if key not in _NO_AUTHORIZER
    ):
        return authorizer  # Lambda authorizer: principalId and its context
    caller = context.get("identity")
    if isinstance(caller, Mapping) and caller.get("userArn"):
        return {key: caller[key] for key in _IAM_CALLER if caller.get(key) is not None}
    return None


def v2_context(event: Event) -> Mapping[str, Any] | None:
    """The ``requestContext`` of a payload 2.0 HTTP request (HTTP API or Function URL)."""
    if event.get("version") != "2.0" or "type" in event:  # "type": an authorizer request
        return None
    context = event.get("requestContext")
    if isinstance(context, Mapping) and isinstance(context.get("http"), Mapping):
        return context
    return None


def is_function_url(context: Mapping[str, Any]) -> bool:
    """Whether a 2.0 request came through a Lambda Function URL (its own domain)."""
    domain = context.get("domainName")
    return isinstance(domain, str) and ".lambda-url." in domain


class HTTPAPI(HTTPSource):
    """API Gateway HTTP API, payload format 2.0."""

    name = "api_gateway_http"
    #: Whether ``rawPath`` arrives percent-encoded (HTTP APIs decode it themselves).
    encoded_path: ClassVar[bool] = False

    def matches(self, event: Event) -> bool:
        context = v2_context(event)
        return context is not None and not is_function_url(context)

    def request(self, event: Event) -> HTTPRequest:
        context = event["requestContext"]
        http = context["http"]
        path = text(event.get("rawPath") or http.get("path"), "rawPath")
        stage = context.get("stage")
        if stage and stage != "$default" and isinstance(stage, str):
            path = _without_stage(path, "/" + stage)
        return HTTPRequest(
            text(http["method"], "http.method"),
            request_path(path) if self.encoded_path else path,
            headers=with_cookies(
                mapping_or_none(event.get("headers"), "headers"), event.get("cookies")
            ),
            query=_query(event),
            body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
            client_ip=optional_text(http.get("sourceIp")),
            request_id=optional_text(context.get("requestId")) or "",
            identity=first_mapping(context.get("authorizer"), _V2_AUTHORIZERS),
            provider="aws",
            raw=event,
        )

    def response(self, response: HTTPResponse, event: Event) -> dict[str, Any]:
        body, encoded = response_body(response)
        headers, cookies = joined(response)
        out: dict[str, Any] = {
            "statusCode": response.status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": encoded,
        }
        if cookies:
            out["cookies"] = cookies
        return out


def _query(event: Event) -> str | Mapping[str, Any] | None:
    """``rawQueryString`` (values kept apart), else the comma-joined parameters."""
    query = event.get("rawQueryString")
    if query is None:
        return mapping_or_none(event.get("queryStringParameters"), "queryStringParameters")
    return text(query, "rawQueryString")


def _without_stage(path: str, prefix: str) -> str:
    """``path`` without a named stage's prefix (``/prod/pets`` → ``/pets``)."""
    if path == prefix:
        return "/"
    if path.startswith(prefix) and path[len(prefix)] == "/":
        return path[len(prefix) :]
    return path
