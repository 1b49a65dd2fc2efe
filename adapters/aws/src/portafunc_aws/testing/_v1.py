"""HTTP requests in payload format 1.0: API Gateway REST API proxy requests, and the
Application Load Balancer's requests, which share its field names.

Shapes: API Gateway's "Input format of a Lambda function for proxy integration" and
Elastic Load Balancing's "Lambda functions as targets" (with and without multi-value
headers).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from ._common import ACCOUNT, NO_JSON, REGION, Event, Pairs, arn, epoch_ms, grouped, now
from ._http import API_ID, SOURCE_IP, Request, apigw_id, clf, request_from

__all__ = ["alb_event", "rest_event"]

#: The fields of a REST request's ``requestContext.identity`` that are null for an
#: anonymous caller.
_REST_IDENTITY_NULLS = (
    *("cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "principalOrgId"),
    *("accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn"),
    "user",
)


def rest_event(
    method: str,
    path: str,
    *,
    json: Any = NO_JSON,
    body: str | bytes | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    stage: str = "prod",
    path_parameters: Mapping[str, str] | None = None,
) -> Event:
    """An API Gateway REST API proxy request (payload format 1.0).

    ``path`` is without the stage (``requestContext.path`` has it). Headers and query
    are in both single-valued (last value) and ``multiValue…`` fields. Without
    ``path_parameters`` the request matched a ``/{proxy+}`` resource; with them the
    resource is ``path`` with each value replaced by ``{name}``.
    """
    domain = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    request = request_from(method, path, domain, json, body, headers, query)
    single, multi = _one_and_all([(_title(k), v) for k, v in request.defaults] + request.headers)
    query_single, query_multi = _one_and_all(request.query)
    resource, parameters = _resource(request.path, path_parameters)
    agent = single.get("User-Agent", "") if single else ""
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": _rest_context(request, resource, stage, agent),
        "body": request.body,
        "isBase64Encoded": request.base64,
    }


def _title(name: str) -> str:
    """``x-forwarded-for`` → ``X-Forwarded-For``, as clients and CloudFront write them."""
    return "-".join(part.capitalize() for part in name.split("-"))


def _one_and_all(items: list[tuple[str, str]]) -> tuple[Event | None, Event | None]:
    """Payload 1.0's single-valued field (last value wins) and its ``multiValue…`` twin."""
    if not items:
        return None, None
    every = grouped(items)
    return {name: values[-1] for name, values in every.items()}, dict(every)


def _resource(path: str, params: Mapping[str, str] | None) -> tuple[str, dict[str, str] | None]:
    if params is None:
        return ("/", None) if path == "/" else ("/{proxy+}", {"proxy": path.lstrip("/")})
    resource = path
    for name, value in params.items():
        template = f"{{{name}+}}" if "/" in value else f"{{{name}}}"
        resource = re.sub(f"(?<=/){re.escape(value)}(?=/|$)", template, resource, count=1)
    return resource, dict(params)


def _rest_context(request: Request, resource: str, stage: str, agent: str) -> Event:
    moment = now()
    identity: Event = dict.fromkeys(_REST_IDENTITY_NULLS)
    identity |= {"sourceIp": SOURCE_IP, "userAgent": agent}
    return {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "domainPrefix": API_ID,
        "extendedRequestId": apigw_id(),
        "httpMethod": request.method,
        "identity": identity,
        "path": f"/{stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestId": str(uuid.uuid4()),
        "requestTime": clf(moment),
        "requestTimeEpoch": epoch_ms(moment),
        "resourceId": secrets.token_hex(3),
        "resourcePath": resource,
        "stage": stage,
    }


def alb_event(
    method: str,
    path: str,
    *,
    json: Any = NO_JSON,
    body: str | bytes | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    multi_value: bool = False,
    target_group: str = "lambda-target",
) -> Event:
    """An Application Load Balancer request to a Lambda target group.

    Header names are lower-cased; query names and values stay URL-encoded, as the
    load balancer passes them on. With ``multi_value`` (the target group's multi-value
    headers setting) every value is kept in ``multiValueHeaders`` and
    ``multiValueQueryStringParameters``; without it a repeated one keeps its last value.
    """
    host = f"lambda-alb-123456789.{REGION}.elb.amazonaws.com"
    request = request_from(method, path, host, json, body, headers, query)
    header_pairs = [(name.lower(), value) for name, value in request.defaults + request.headers]
    query_pairs = [(quote_plus(name), quote_plus(value)) for name, value in request.query]
    group = arn("elasticloadbalancing", f"targetgroup/{target_group}/{secrets.token_hex(8)}")
    event: Event = {"requestContext": {"elb": {"targetGroupArn": group}}}
    event |= {"httpMethod": request.method, "path": request.path}
    if multi_value:
        event["multiValueQueryStringParameters"] = grouped(query_pairs)
        event["multiValueHeaders"] = grouped(header_pairs)
    else:
        event["queryStringParameters"] = dict(query_pairs)
        event["headers"] = dict(header_pairs)
    return event | {"body": request.body or "", "isBase64Encoded": request.base64}
