"""Application Load Balancer source.

Payloads: ``tests/payloads/aws/http/alb-*.json`` (aws-lambda-go's and Powertools'
test events, SOURCES.md). Shapes: "Lambda functions as targets" in the Elastic
Load Balancing guide, with and without multi-value headers.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest

from portafunc import App, HTTPRequest, HTTPResponse, Query, UnsupportedEvent
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

#: stem → path, query pairs, client_ip, request_id, body, multi-value mode
CORPUS = {
    "alb-target-request": (
        "/lambda",
        [("query", "1234ABCD")],
        "72.12.164.125",
        "Root=1-5c536348-3d683b8b04734faae651f476",
        b"Test",
        False,
    ),
    "alb-target-request-headers-only": (
        "/",
        [("key", "hello")],
        "25.12.198.67",
        "Root=1-5c34e93e-4dea0086f9763ac0667b115a",
        b"",
        False,
    ),
    "alb-target-request-multivalue-headers": (
        "/",
        [("key", "hello")],
        "72.21.198.67",
        "Root=1-5c34e7d4-00ca239424b68028d4c56d68",
        b"",
        True,
    ),
    "alb-target-request-multivalue-query": (
        "/todos",
        [("parameter1", "value1"), ("parameter1", "value2"), ("parameter2", "value")],
        "123.123.123.123",
        "Root=1-62fa9327-21cdd4da4c6db451490a5fb7",
        b"",
        True,
    ),
}


HTTP_PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws" / "http"


def test_every_corpus_payload_is_covered() -> None:
    assert set(CORPUS) == {p.stem for p in HTTP_PAYLOADS.glob("alb-*.json")}


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
    response = ALB().invoke(functions, event, lambda_context)
    assert event == before, "the payload was mutated"
    assert len(seen) == 1
    return seen[0], response


@pytest.mark.parametrize("stem", sorted(CORPUS))
def test_corpus(
    stem: str, payload: Payload, lambda_context: Any, as_json: Render, golden: Golden
) -> None:
    event = payload(f"http/{stem}.json")
    assert [source.name for source in HTTP_SOURCES if source.matches(event)] == ["alb"]
    request, response = run(event, lambda_context)
    path, query, client_ip, request_id, body, multi = CORPUS[stem]
    assert (request.method, request.path, request.query.multi_items()) == ("GET", path, query)
    assert (request.client_ip, request.request_id, request.body) == (client_ip, request_id, body)
    assert (request.identity, request.provider, request.raw) == (None, "aws", event)
    assert response["statusDescription"] == "200 OK"
    if multi:
        assert "headers" not in response
        assert response["multiValueHeaders"]["set-cookie"] == list(COOKIES)
    else:
        assert "multiValueHeaders" not in response
        assert response["headers"]["set-cookie"] == COOKIES[0]
        assert response["headers"]["Set-cookie"] == COOKIES[1]
    golden(f"alb/{stem}", {"event": as_json(request), "response": response})


def test_multi_value_headers(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload("http/alb-target-request-multivalue-query.json"), lambda_context)
    assert request.headers.getlist("Header2") == ["value1", "value2"]
    assert request.headers["USER-AGENT"] == "curl/7.79.1"


def test_query_values_are_percent_decoded(payload: Payload, lambda_context: Any) -> None:
    single = payload("http/alb-target-request.json") | {
        "queryStringParameters": {"q": "caf%C3%A9+au+lait", "a%26b": "1%3D2", "plus": "%2B"}
    }
    request, _ = run(single, lambda_context)
    assert request.query.multi_items() == [("q", "café au lait"), ("a&b", "1=2"), ("plus", "+")]
    multi = payload("http/alb-target-request-multivalue-query.json") | {
        "multiValueQueryStringParameters": {"tag": ["a%20b", "c%2Cd"]}
    }
    request, _ = run(multi, lambda_context)
    assert request.query.getlist("tag") == ["a b", "c,d"]


def test_client_ip_is_the_address_alb_added(payload: Payload, lambda_context: Any) -> None:
    event = copy.deepcopy(payload("http/alb-target-request.json"))
    event["headers"]["x-forwarded-for"] = "10.0.0.1, 203.0.113.9"
    request, _ = run(event, lambda_context)
    assert request.client_ip == "203.0.113.9"


def test_path_and_base64_body(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/alb-target-request.json") | {
        "path": "/files/a%20b",
        "body": base64.b64encode(b"\x00\xff").decode(),
        "isBase64Encoded": True,
    }
    request, _ = run(event, lambda_context)
    assert (request.path, request.body) == ("/files/a b", b"\x00\xff")


def responder() -> Functions:
    app = App("responder")

    @app.get("/lambda")
    def page() -> HTTPResponse:
        headers = [("vary", "accept"), ("Vary", "cookie")]
        headers += [("Set-Cookie", f"c{n}=v") for n in range(3)]
        return HTTPResponse(201, headers=[("content-type", "image/gif"), *headers], body=b"GIF")

    return Functions(app)


def test_single_value_response(payload: Payload, lambda_context: Any) -> None:
    response = ALB().invoke(responder(), payload("http/alb-target-request.json"), lambda_context)
    assert response == {
        "statusCode": 201,
        "statusDescription": "201 Created",
        "headers": {
            "content-type": "image/gif",
            "vary": "accept, cookie",
            "set-cookie": "c0=v",
            "Set-cookie": "c1=v",
            "sEt-cookie": "c2=v",
        },
        "body": base64.b64encode(b"GIF").decode(),
        "isBase64Encoded": True,
    }


def test_multi_value_response(payload: Payload, lambda_context: Any) -> None:
    event = payload("http/alb-target-request-multivalue-headers.json") | {"path": "/lambda"}
    response = ALB().invoke(responder(), event, lambda_context)
    assert response["multiValueHeaders"] == {
        "content-type": ["image/gif"],
        "vary": ["accept", "cookie"],
        "set-cookie": ["c0=v", "c1=v", "c2=v"],
    }
    assert "headers" not in response


@pytest.mark.parametrize(
    ("path", "status", "description"),
    [("/nowhere", 404, "404 Not Found"), ("/lambda", 405, "405 Method Not Allowed")],
)
def test_problem_responses(
    path: str, status: int, description: str, payload: Payload, lambda_context: Any
) -> None:
    event = payload("http/alb-target-request.json") | {"path": path, "httpMethod": "DELETE"}
    response = ALB().invoke(responder(), event, lambda_context)
    assert (response["statusCode"], response["statusDescription"]) == (status, description)
    assert response["headers"]["content-type"] == "application/problem+json"
    assert json.loads(response["body"])["status"] == status


def test_unprocessable_description(payload: Payload, lambda_context: Any) -> None:
    app = App("strict")

    @app.get("/lambda")
    def needs(n: Annotated[int, Query()]) -> int:  # the event has no "n" parameter
        return n

    response = ALB().invoke(Functions(app), payload("http/alb-target-request.json"), lambda_context)
    assert response["statusDescription"] == "422 Unprocessable Content"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("path", None),
        ("httpMethod", 1),
        ("headers", "x"),
        ("headers", {"x-forwarded-for": 5}),
        ("queryStringParameters", {"a": 1}),
        ("queryStringParameters", []),
        ("body", 3),
    ],
)
def test_malformed(key: str, value: Any, payload: Payload, lambda_context: Any) -> None:
    event = payload("http/alb-target-request.json") | {key: value}
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent, match="alb"):
        ALB().invoke(functions, event, lambda_context)
