"""Lambda Function URL source.

Payloads: ``tests/payloads/aws/http/lambda-function-url-*.json``: three live
captures from aws-lambda-go's ``lambdaurl`` tests and Powertools' IAM-auth event
(SOURCES.md). Shape: "Invoking Lambda function URLs" (payload format 2.0).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, HTTPRequest, HTTPResponse, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.alb import ALB
from portafunc_aws.sources.api_gateway import HTTPAPI, RESTAPI
from portafunc_aws.sources.function_url import FunctionURL
from portafunc_aws.sources.vpc_lattice import VPCLattice

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

HTTP_SOURCES = (RESTAPI(), HTTPAPI(), FunctionURL(), ALB(), VPCLattice())
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
COOKIES = ("session=abc; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT")

#: stem → method, path, client_ip, request_id, body
CORPUS = {
    "lambda-function-url-base64-body": (
        "POST",
        "/",
        "127.0.0.1",
        "9701a3d4-36ad-40bd-bf0b-a525c987d27f",
        b"<idk/>",
    ),
    "lambda-function-url-get-root": (
        "GET",
        "/",
        "127.0.0.1",
        "deeb7e49-a9a8-4a8f-bcd1-5482231e2087",
        b"",
    ),
    "lambda-function-url-headers-cookies-json-body": (
        "POST",
        "/hello",
        "127.0.0.1",
        "5bbd0e3e-fe7a-4299-9076-32d4de45391b",
        b'{"hello": "world"}',
    ),
    "lambda-function-url-iam-auth": (
        "POST",
        "/my/path",
        "123.123.123.123",
        "id",
        b"Hello from client!",
    ),
}


HTTP_PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws" / "http"


def test_every_corpus_payload_is_covered() -> None:
    assert set(CORPUS) == {p.stem for p in HTTP_PAYLOADS.glob("lambda-function-url-*.json")}


def recorder() -> tuple[Functions, list[HTTPRequest]]:
    """An app answering every path and method, recording what the handler saw."""
    app = App("recorder")
    seen: list[HTTPRequest] = []

    def answer(request: HTTPRequest) -> HTTPResponse:
        seen.append(request)
        cookies = [("set-cookie", cookie) for cookie in COOKIES]
        return HTTPResponse.json({"path": request.path}, headers=cookies)

    @app.http(METHODS, "/")
    def root(request: HTTPRequest) -> HTTPResponse:
        return answer(request)

    @app.http(METHODS, "/{rest:path}")
    def anything(request: HTTPRequest) -> HTTPResponse:
        return answer(request)

    return Functions(app), seen


def run(event: dict[str, Any], lambda_context: Any) -> tuple[HTTPRequest, Any]:
    functions, seen = recorder()
    before = copy.deepcopy(event)
    response = FunctionURL().invoke(functions, event, lambda_context)
    assert event == before, "the payload was mutated"
    assert len(seen) == 1
    return seen[0], response


@pytest.mark.parametrize("stem", sorted(CORPUS))
def test_corpus(
    stem: str, payload: Payload, lambda_context: Any, as_json: Render, golden: Golden
) -> None:
    event = payload(f"http/{stem}.json")
    assert [source.name for source in HTTP_SOURCES if source.matches(event)] == ["function_url"]
    request, response = run(event, lambda_context)
    method, path, client_ip, request_id, body = CORPUS[stem]
    assert (request.method, request.path, request.client_ip) == (method, path, client_ip)
    assert (request.request_id, request.body, request.provider) == (request_id, body, "aws")
    assert request.raw is event
    assert response["cookies"] == list(COOKIES)
    assert response["headers"] == {"content-type": "application/json"}
    golden(f"function_url/{stem}", {"event": as_json(request), "response": response})


def test_base64_body_is_decoded(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload("http/lambda-function-url-base64-body.json"), lambda_context)
    assert request.body == b"<idk/>"
    assert request.headers["Content-Type"] == "idk"


def test_cookie_header_and_cookies_list_are_not_doubled(
    payload: Payload, lambda_context: Any
) -> None:
    # A live capture: Function URLs keep the Cookie header beside the cookies list.
    request, _ = run(
        payload("http/lambda-function-url-headers-cookies-json-body.json"), lambda_context
    )
    assert request.headers.getlist("cookie") == ["foo=bar; hello=hello"]
    assert request.cookies == {"foo": "bar", "hello": "hello"}
    assert request.headers.getlist("header2") == ["h1,h2"]
    assert request.query.multi_items() == [("hello", "world"), ("foo", "bar")]
    assert request.json() == {"hello": "world"}


def test_cookies_list_becomes_the_cookie_header(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload("http/lambda-function-url-iam-auth.json"), lambda_context)
    assert request.headers["cookie"] == "cookie1; cookie2"
    assert request.headers["HEADER2"] == "value1,value2"
    assert request.query.getlist("parameter1") == ["value1", "value2"]


def test_identity(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload("http/lambda-function-url-iam-auth.json"), lambda_context)
    assert request.identity is not None
    assert request.identity["userArn"] == "arn:aws:iam::111122223333:user/example-user"
    assert request.identity["accountId"] == "111122223333"
    # AuthType NONE: the captures carry an empty "iam" block.
    request, _ = run(payload("http/lambda-function-url-get-root.json"), lambda_context)
    assert request.identity is None


def test_encoded_path_is_decoded(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/lambda-function-url-get-root.json") | {"rawPath": "/a%20b/100%25"}
    request, _ = run(event, lambda_context)
    assert request.path == "/a b/100%"


def test_http_api_payloads_are_not_function_urls(payload: Payload) -> None:
    event = payload("http/apigw-http-v2-no-authorizer.json")
    assert not FunctionURL().matches(event)
    url = copy.deepcopy(event)
    url["requestContext"]["domainName"] = "abc.lambda-url.eu-west-1.on.aws"
    assert FunctionURL().matches(url)
    assert not HTTPAPI().matches(url)


def test_binary_response(payload: Payload, lambda_context: Any) -> None:
    app = App("files")

    @app.get("/")
    def image() -> HTTPResponse:
        return HTTPResponse(200, headers={"content-type": "image/png"}, body=b"\x89PNG\x00")

    event = payload("http/lambda-function-url-get-root.json")
    response = FunctionURL().invoke(Functions(app), event, lambda_context)
    assert response == {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "body": base64.b64encode(b"\x89PNG\x00").decode(),
        "isBase64Encoded": True,
    }


def test_problem_response(payload: Payload, lambda_context: Any) -> None:
    app = App("empty")

    @app.post("/only")
    def only() -> None: ...

    event = payload("http/lambda-function-url-get-root.json")
    response = FunctionURL().invoke(Functions(app), event | {"rawPath": "/only"}, lambda_context)
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "POST"
    assert json.loads(response["body"])["title"] == "Method Not Allowed"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rawPath", 5),
        ("headers", []),
        ("cookies", {"a": "1"}),
        ("body", 1),
        ("requestContext", {}),
    ],
)
def test_malformed(key: str, value: Any, payload: Payload, lambda_context: Any) -> None:
    event = payload("http/lambda-function-url-headers-cookies-json-body.json") | {key: value}
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent, match="function_url"):
        FunctionURL().invoke(functions, event, lambda_context)
