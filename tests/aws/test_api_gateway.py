"""API Gateway REST (payload 1.0) and HTTP API (payload 2.0) sources.

Payloads: ``tests/payloads/aws/http/apigw-*.json`` (from Powertools' and
aws-lambda-go's test events and the Powertools TypeScript parser's console
capture; SOURCES.md has each origin). The shapes follow the API Gateway guide's
"Input format of a Lambda function for proxy integration" and "Create AWS Lambda
proxy integrations for HTTP APIs".
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from portafunc import App, Cookie, Header, HTTPRequest, HTTPResponse, Query, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.alb import ALB
from portafunc_aws.sources.api_gateway import HTTPAPI, RESTAPI
from portafunc_aws.sources.function_url import FunctionURL
from portafunc_aws.sources.vpc_lattice import VPCLattice

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
HTTP_SOURCES = (RESTAPI(), HTTPAPI(), FunctionURL(), ALB(), VPCLattice())
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
COOKIES = ("session=abc; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
CRLF_BODY = b'{\r\n\t"a": 1\r\n}'

REST = {
    "apigw-rest-v1-base64-flag-with-plain-body": (
        "GET",
        "/my/anotherPath",
        "192.168.0.1/32",
        "id=",
        b"Hello from Lambda!",
    ),
    "apigw-rest-v1-console-test-invoke-null-fields": (
        "POST",
        "/no-auth",
        "test-invoke-source-ip",
        "28422e1a-c975-42da-895e-165f882dafef",
        b"",
    ),
    "apigw-rest-v1-empty-body": (
        "POST",
        "/path/to/resource",
        "127.0.0.1",
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        b"",
    ),
    "apigw-rest-v1-proxy-multivalue-headers": (
        "GET",
        "/my/path",
        "192.168.0.1/32",
        "id=",
        b"Hello from Lambda!",
    ),
    "apigw-rest-v1-request-crlf-json-body": (
        "POST",
        "/hello/world",
        "192.168.196.186",
        "deef4878-7910-11e6-8f14-25afc3e9ae33",
        CRLF_BODY,
    ),
}
HTTP = {
    "apigw-http-v2-get-no-body": ("GET", "/my/path", "192.168.0.1/32", "id", b""),
    "apigw-http-v2-iam-authorizer": ("GET", "/my/path", "IP", "id", CRLF_BODY),
    "apigw-http-v2-jwt-authorizer-cookies": (
        "POST",
        "/my/path",
        "192.168.0.1/32",
        "id",
        b'{"message": "hello world", "username": "tom"}',
    ),
    "apigw-http-v2-lambda-authorizer": ("GET", "/my/path", "IP", "id", CRLF_BODY),
    "apigw-http-v2-no-authorizer": ("GET", "/", "1.2.3.4", "LV7fzho-PHcEJPw=", b""),
}


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


def run(source: Any, event: dict[str, Any], lambda_context: Any) -> tuple[HTTPRequest, Any]:
    functions, seen = recorder()
    before = copy.deepcopy(event)
    response = source.invoke(functions, event, lambda_context)
    assert event == before, "the payload was mutated"
    assert len(seen) == 1
    return seen[0], response


def matching(event: dict[str, Any]) -> list[str]:
    return [source.name for source in HTTP_SOURCES if source.matches(event)]


# -- every corpus payload ------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(REST))
def test_rest_corpus(
    stem: str, payload: Payload, lambda_context: Any, as_json: Render, golden: Golden
) -> None:
    event = payload(f"http/{stem}.json")
    assert matching(event) == ["api_gateway_rest"]
    request, response = run(RESTAPI(), event, lambda_context)
    method, path, client_ip, request_id, body = REST[stem]
    assert (request.method, request.path, request.client_ip) == (method, path, client_ip)
    assert (request.request_id, request.body, request.provider) == (request_id, body, "aws")
    assert request.raw is event
    assert response["multiValueHeaders"]["set-cookie"] == list(COOKIES)
    golden(f"rest_api/{stem}", {"event": as_json(request), "response": response})


@pytest.mark.parametrize("stem", sorted(HTTP))
def test_http_api_corpus(
    stem: str, payload: Payload, lambda_context: Any, as_json: Render, golden: Golden
) -> None:
    event = payload(f"http/{stem}.json")
    assert matching(event) == ["api_gateway_http"]
    request, response = run(HTTPAPI(), event, lambda_context)
    method, path, client_ip, request_id, body = HTTP[stem]
    assert (request.method, request.path, request.client_ip) == (method, path, client_ip)
    assert (request.request_id, request.body, request.provider) == (request_id, body, "aws")
    assert response["cookies"] == list(COOKIES)
    assert "set-cookie" not in response["headers"]
    golden(f"http_api/{stem}", {"event": as_json(request), "response": response})


#: WebSocket API events (not supported: the lead's match loop refuses them) and every
#: payload of another kind, ``other/`` included (authorizer requests look like HTTP).
NOT_HTTP = sorted(
    str(path.relative_to(PAYLOADS))
    for path in PAYLOADS.glob("*/*.json")
    if path.parent.name != "http" or path.name.startswith("apigw-websocket-")
)


def test_the_corpus_is_covered() -> None:
    http = {path.stem for path in (PAYLOADS / "http").glob("*.json")}
    assert {name for name in NOT_HTTP if name.startswith("http/")} == {
        "http/apigw-websocket-connect.json",
        "http/apigw-websocket-disconnect.json",
        "http/apigw-websocket-message.json",
    }
    assert set(REST) | set(HTTP) == {
        stem for stem in http if stem.startswith("apigw-") and "websocket" not in stem
    }


@pytest.mark.parametrize("name", NOT_HTTP)
def test_other_payloads_match_no_http_source(name: str, payload: Payload) -> None:
    event: Any = payload(name)
    assert not isinstance(event, dict) or matching(event) == []


# -- REST details --------------------------------------------------------------------------


def test_rest_prefers_multi_value_fields(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(
        RESTAPI(), payload("http/apigw-rest-v1-proxy-multivalue-headers.json"), lambda_context
    )
    assert request.headers.getlist("HEADER2") == ["value1", "value2"]
    assert request.headers["origin"] == "https://aws.amazon.com"
    assert request.query.getlist("parameter1") == ["value1", "value2"]
    assert request.query["parameter2"] == "value"
    assert request.identity is None  # "claims" and "scopes" are null: no authorizer


def test_rest_single_value_fields_when_no_multi(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(RESTAPI(), payload("http/apigw-rest-v1-empty-body.json"), lambda_context)
    assert request.query.multi_items() == [("foo", "bar")]
    assert request.headers["x-forwarded-for"] == "127.0.0.1, 127.0.0.2"
    assert request.path == "/path/to/resource"  # requestContext.path has the stage: /prod/...


def test_rest_console_test_invoke_nulls(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(
        RESTAPI(),
        payload("http/apigw-rest-v1-console-test-invoke-null-fields.json"),
        lambda_context,
    )
    assert (len(request.headers), len(request.query), request.body, request.cookies) == (
        0,
        0,
        b"",
        {},
    )
    assert request.identity == {
        "accessKey": "ABCAXZWZ5ZDPFDRIWYXX",
        "accountId": "123456789012",
        "caller": "ABCAXZWZ5ZDPNIH6C6ODK:aamorosi",
        "user": "ABCAXZWZ5ZDPNIH6C6ODK:aamorosi",
        "userArn": "arn:aws:sts::123456789012:assumed-role/Admin/aamorosi",
    }


def test_rest_identity_lambda_authorizer(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(
        RESTAPI(), payload("http/apigw-rest-v1-request-crlf-json-body.json"), lambda_context
    )
    assert request.identity == {"principalId": "admin", "clientId": 1, "clientName": "Exata"}
    assert request.json() == {"a": 1}


def test_rest_identity_cognito_claims(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-rest-v1-proxy-multivalue-headers.json")
    event["requestContext"]["authorizer"] = {
        "claims": {"sub": "u-1", "email": "a@b.c"},
        "scopes": None,
    }
    request, _ = run(RESTAPI(), event, lambda_context)
    assert request.identity == {"sub": "u-1", "email": "a@b.c"}


def test_rest_base64_flag_with_plain_body_is_text(payload: Payload, lambda_context: Any) -> None:
    # AWS sets the flag only on bodies it encoded itself; this hand-made fixture's body
    # is not base64 (strict decoding fails), so it is taken as the text it is.
    request, _ = run(
        RESTAPI(), payload("http/apigw-rest-v1-base64-flag-with-plain-body.json"), lambda_context
    )
    assert request.text == "Hello from Lambda!"


def test_rest_base64_body(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-rest-v1-empty-body.json")
    event |= {"body": base64.b64encode(b"\x89PNG\x00\xff").decode(), "isBase64Encoded": True}
    request, _ = run(RESTAPI(), event, lambda_context)
    assert request.body == b"\x89PNG\x00\xff"


def test_rest_path_decoding(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-rest-v1-empty-body.json")
    event["path"] = "/files/a%20b%2Fc"
    request, _ = run(RESTAPI(), event, lambda_context)
    assert request.path == "/files/a b/c"
    # HTTP API payload 1.0 ("version") sends the path decoded already: never twice.
    event = payload("http/apigw-rest-v1-proxy-multivalue-headers.json")
    event["path"] = "/files/100%25"
    request, _ = run(RESTAPI(), event, lambda_context)
    assert request.path == "/files/100%25"


# -- HTTP API details ----------------------------------------------------------------------


def test_http_api_query_and_headers(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(
        HTTPAPI(), payload("http/apigw-http-v2-jwt-authorizer-cookies.json"), lambda_context
    )
    assert request.query.getlist("parameter1") == ["value1", "value2"]
    assert request.headers.getlist("HEADER2") == ["value1,value2"]  # never split
    assert request.headers["cookie"] == "cookie1; cookie2"
    assert request.identity == {"claim1": "value1", "claim2": "value2"}
    assert request.json() == {"message": "hello world", "username": "tom"}


def test_http_api_identities(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(
        HTTPAPI(), payload("http/apigw-http-v2-lambda-authorizer.json"), lambda_context
    )
    assert request.identity == {"key": "value"}
    request, _ = run(HTTPAPI(), payload("http/apigw-http-v2-iam-authorizer.json"), lambda_context)
    assert request.identity is not None
    assert request.identity["userArn"] == "arn:aws:iam::1234567890:user/Admin"
    request, _ = run(HTTPAPI(), payload("http/apigw-http-v2-no-authorizer.json"), lambda_context)
    assert request.identity is None


def test_http_api_cookies(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-http-v2-no-authorizer.json") | {"cookies": ["a=1", "b=x y"]}
    request, _ = run(HTTPAPI(), event, lambda_context)
    assert request.cookies == {"a": "1", "b": "x y"}
    assert request.headers.getlist("Cookie") == ["a=1; b=x y"]


@pytest.mark.parametrize(
    ("stage", "raw_path", "path"),
    [
        ("prod", "/prod/pets/7", "/pets/7"),
        ("prod", "/prod", "/"),
        ("prod", "/production/pets", "/production/pets"),
        ("$default", "/$default/x", "/$default/x"),
    ],
)
def test_http_api_named_stage_prefix_is_stripped(
    stage: str, raw_path: str, path: str, payload: Payload, lambda_context: Any
) -> None:
    event = payload("http/apigw-http-v2-no-authorizer.json") | {"rawPath": raw_path}
    event["requestContext"] = event["requestContext"] | {"stage": stage}
    request, _ = run(HTTPAPI(), event, lambda_context)
    assert request.path == path


def test_http_api_base64_body(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-http-v2-no-authorizer.json")
    event |= {"body": base64.b64encode(b"\x00\x01\xfe").decode(), "isBase64Encoded": True}
    request, _ = run(HTTPAPI(), event, lambda_context)
    assert request.body == b"\x00\x01\xfe"


def test_http_api_query_without_raw_query_string(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-http-v2-get-no-body.json")
    del event["rawQueryString"]
    request, _ = run(HTTPAPI(), event, lambda_context)
    assert request.query.getlist("parameter1") == ["value1,value2"]  # what API Gateway joined


# -- a routed app ----------------------------------------------------------------------------


class Pet(BaseModel):
    name: str
    age: int


def pets() -> Functions:
    app = App("pets")

    @app.put("/pets/{id}")
    def put_pet(
        id: int,
        pet: Pet,
        tag: Annotated[list[str], Query()],
        user_agent: Annotated[str, Header()],
        session: Annotated[str, Cookie()],
    ) -> dict[str, Any]:
        return {"id": id, "pet": pet, "tag": tag, "ua": user_agent, "session": session}

    @app.get("/pets/{id}/photo")
    def photo(id: int) -> bytes:
        return b"\x89PNG\r\n\x1a\n" + bytes([id])

    @app.get("/pets/{id}/page")
    def page(id: int) -> HTTPResponse:
        headers = [("cache-control", "no-cache"), ("Cache-Control", "private")]
        return HTTPResponse(200, headers=[("content-type", "text/html"), *headers], body="<p>é</p>")

    return Functions(app)


def v2(payload: Payload, method: str, path: str, **fields: Any) -> dict[str, Any]:
    event = payload("http/apigw-http-v2-no-authorizer.json")
    event["requestContext"] = copy.deepcopy(event["requestContext"])
    event["requestContext"]["http"]["method"] = method
    return event | {"rawPath": path, **fields}


def v1(payload: Payload, method: str, path: str, **fields: Any) -> dict[str, Any]:
    event = payload("http/apigw-rest-v1-empty-body.json")
    return event | {"httpMethod": method, "path": path, **fields}


def test_routed_http_api_request(payload: Payload, lambda_context: Any) -> None:
    event = v2(
        payload,
        "PUT",
        "/pets/7",
        rawQueryString="tag=a&tag=b",
        body='{"name": "Rex", "age": 3}',
        cookies=["session=s1"],
        headers={"content-type": "application/json", "user-agent": "curl/8"},
    )
    response = HTTPAPI().invoke(pets(), event, lambda_context)
    assert response["statusCode"] == 200
    assert response["headers"] == {"content-type": "application/json"}
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"]) == {
        "id": 7,
        "pet": {"name": "Rex", "age": 3},
        "tag": ["a", "b"],
        "ua": "curl/8",
        "session": "s1",
    }


def test_routed_rest_request(payload: Payload, lambda_context: Any) -> None:
    event = v1(
        payload,
        "PUT",
        "/pets/7",
        body='{"name": "Rex", "age": 3}',
        multiValueQueryStringParameters={"tag": ["a", "b"]},
        multiValueHeaders={"User-Agent": ["curl/8"], "Cookie": ["session=s1"]},
    )
    response = RESTAPI().invoke(pets(), event, lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["tag"] == ["a", "b"]
    assert json.loads(response["body"])["ua"] == "curl/8"


def test_binary_and_text_responses(payload: Payload, lambda_context: Any) -> None:
    response = HTTPAPI().invoke(pets(), v2(payload, "GET", "/pets/5/photo"), lambda_context)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\r\n\x1a\n\x05"
    assert response["headers"] == {"content-type": "application/octet-stream"}
    response = HTTPAPI().invoke(pets(), v2(payload, "GET", "/pets/5/page"), lambda_context)
    assert (response["body"], response["isBase64Encoded"]) == ("<p>é</p>", False)
    assert response["headers"]["cache-control"] == "no-cache, private"
    response = RESTAPI().invoke(pets(), v1(payload, "GET", "/pets/5/photo"), lambda_context)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]).startswith(b"\x89PNG")
    response = RESTAPI().invoke(pets(), v1(payload, "GET", "/pets/5/page"), lambda_context)
    assert response["multiValueHeaders"]["cache-control"] == ["no-cache", "private"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/nowhere", None, 404),
        ("DELETE", "/pets/7", None, 405),
        ("PUT", "/pets/7", '{"name": "Rex"}', 422),
        ("PUT", "/pets/x", '{"name": "Rex", "age": 1}', 422),
        ("PUT", "/pets/7", "{not json", 400),
    ],
)
def test_problem_responses(
    method: str, path: str, body: str | None, status: int, payload: Payload, lambda_context: Any
) -> None:
    fields: dict[str, Any] = {"body": body}
    v2_response = HTTPAPI().invoke(pets(), v2(payload, method, path, **fields), lambda_context)
    v1_response = RESTAPI().invoke(pets(), v1(payload, method, path, **fields), lambda_context)
    assert v2_response["statusCode"] == v1_response["statusCode"] == status
    assert v2_response["headers"]["content-type"] == "application/problem+json"
    assert v1_response["multiValueHeaders"]["content-type"] == ["application/problem+json"]
    assert json.loads(v2_response["body"])["status"] == json.loads(v1_response["body"])["status"]
    if status == 405:
        assert v2_response["headers"]["allow"] == "PUT"
        assert v1_response["multiValueHeaders"]["allow"] == ["PUT"]


def test_pinned_function(payload: Payload, lambda_context: Any) -> None:
    functions = pets()
    pinned = Functions(functions.app, functions.app.function("photo"))
    response = HTTPAPI().invoke(pinned, v2(payload, "GET", "/pets/1/photo"), lambda_context)
    assert response["statusCode"] == 200


# -- malformed payloads ----------------------------------------------------------------------


REST_BREAKS: list[tuple[str, Any]] = [
    ("path", None),
    ("path", 5),
    ("httpMethod", None),
    ("multiValueHeaders", ["a"]),
    ("multiValueHeaders", "x"),
    ("multiValueQueryStringParameters", 3),
    ("body", 5),
    ("body", {"a": 1}),
]
V2_BREAKS: list[tuple[str, Any]] = [
    ("rawPath", 5),
    ("headers", "x"),
    ("cookies", "a=1"),
    ("cookies", [1]),
    ("rawQueryString", 3),
    ("body", []),
    ("requestContext", {"http": {}}),
    ("requestContext", {"http": {"method": None, "path": "/"}}),
]


@pytest.mark.parametrize(("key", "value"), REST_BREAKS)
def test_malformed_rest_payloads(
    key: str, value: Any, payload: Payload, lambda_context: Any
) -> None:
    event = payload("http/apigw-rest-v1-request-crlf-json-body.json") | {key: value}
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent, match="api_gateway_rest"):
        RESTAPI().invoke(functions, event, lambda_context)


def test_informational_fields_of_the_wrong_type_are_dropped(
    payload: Payload, lambda_context: Any
) -> None:
    event = payload("http/apigw-rest-v1-request-crlf-json-body.json")
    event["requestContext"] = {"identity": "x", "requestId": 5, "authorizer": []}
    request, response = run(RESTAPI(), event, lambda_context)
    assert (request.client_ip, request.request_id, request.identity) == (None, "", None)
    assert response["statusCode"] == 200


@pytest.mark.parametrize(("key", "value"), V2_BREAKS)
def test_malformed_http_api_payloads(
    key: str, value: Any, payload: Payload, lambda_context: Any
) -> None:
    event = payload("http/apigw-http-v2-jwt-authorizer-cookies.json") | {key: value}
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent, match="api_gateway_http"):
        HTTPAPI().invoke(functions, event, lambda_context)


@pytest.mark.parametrize("drop", ["requestContext", "path", "httpMethod"])
def test_rest_missing_keys(drop: str, payload: Payload, lambda_context: Any) -> None:
    event = payload("http/apigw-rest-v1-empty-body.json")
    del event[drop]
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent):
        RESTAPI().invoke(functions, event, lambda_context)


@pytest.mark.parametrize(
    "event",
    [
        {"version": "2.0", "requestContext": []},
        {"version": "2.0", "requestContext": {"http": "GET"}},
        {"httpMethod": "GET", "requestContext": None},
        {"httpMethod": "GET", "requestContext": {}, "version": "2.0"},
        {"version": "2.0", "type": "REQUEST", "requestContext": {"http": {}}},
    ],
)
def test_matches_never_raises(event: dict[str, Any]) -> None:
    assert matching(event) == []
