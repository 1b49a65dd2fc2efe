"""VPC Lattice source, event structures v1 and v2.

Payloads: ``tests/payloads/aws/http/vpc-lattice-*.json`` (Powertools' test events,
SOURCES.md). Shapes: "Lambda functions as targets" in the VPC Lattice user guide.
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
COOKIES = ("session=abc; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
V1 = "vpc-lattice-v1-base64-body"
V2 = "vpc-lattice-v2-multivalue-headers"


HTTP_PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws" / "http"


def test_every_corpus_payload_is_covered() -> None:
    assert set({V1: None, V2: None}) == {p.stem for p in HTTP_PAYLOADS.glob("vpc-lattice-*.json")}


def recorder() -> tuple[Functions, list[HTTPRequest]]:
    """An app answering every path, recording what the handler saw."""
    app = App("recorder")
    seen: list[HTTPRequest] = []

    @app.http(("GET", "POST"), "/{rest:path}")
    def anything(request: HTTPRequest) -> HTTPResponse:
        seen.append(request)
        cookies = [("set-cookie", cookie) for cookie in COOKIES]
        return HTTPResponse.json({"path": request.path}, headers=cookies)

    return Functions(app), seen


def run(event: dict[str, Any], lambda_context: Any) -> tuple[HTTPRequest, Any]:
    functions, seen = recorder()
    before = copy.deepcopy(event)
    response = VPCLattice().invoke(functions, event, lambda_context)
    assert event == before, "the payload was mutated"
    assert len(seen) == 1
    return seen[0], response


@pytest.mark.parametrize("stem", [V1, V2])
def test_corpus(
    stem: str, payload: Payload, lambda_context: Any, as_json: Render, golden: Golden
) -> None:
    event = payload(f"http/{stem}.json")
    assert [source.name for source in HTTP_SOURCES if source.matches(event)] == ["vpc_lattice"]
    request, response = run(event, lambda_context)
    assert (request.method, request.provider, request.raw) == ("GET", "aws", event)
    assert response["statusCode"] == 200
    assert response["headers"]["set-cookie"] == COOKIES[0]
    assert response["headers"]["Set-cookie"] == COOKIES[1]
    assert "statusDescription" not in response
    golden(f"vpc_lattice/{stem}", {"event": as_json(request), "response": response})


def test_v1(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload(f"http/{V1}.json"), lambda_context)
    assert request.path == "/testpath"
    assert request.body == b'{"test": "event"}'  # is_base64_encoded
    assert request.query.multi_items() == [("order-id", "1")]
    assert request.headers.getlist("Header2") == ["value1,value2"]  # never split
    assert request.client_ip == "10.213.229.10"
    assert request.identity is None


def test_v2(payload: Payload, lambda_context: Any) -> None:
    request, _ = run(payload(f"http/{V2}.json"), lambda_context)
    assert request.path == "/newpath"
    assert request.json() == {"message": "Hello from Lambda!"}
    assert request.headers.getlist("POWERTOOLS") == ["a", "b"]
    assert request.headers.getlist("header2") == ["value1", "value2"]
    assert request.query.getlist("parameter1") == ["value1", "value2"]
    assert request.client_ip == "172.31.40.143"
    assert request.identity is not None
    assert request.identity["type"] == "AWS_IAM"
    assert request.identity["principal"].startswith("arn:aws:sts::123456789012:assumed-role/")


def test_v2_unauthenticated_identity(payload: Payload, lambda_context: Any) -> None:
    event = copy.deepcopy(payload(f"http/{V2}.json"))
    event["requestContext"]["identity"] = {"sourceVpcArn": "arn:aws:ec2:vpc/vpc-1", "type": "NONE"}
    request, _ = run(event, lambda_context)
    assert request.identity is None


@pytest.mark.parametrize(("stem", "key"), [(V1, "raw_path"), (V2, "path")])
def test_query_string_in_the_path(
    stem: str, key: str, payload: Payload, lambda_context: Any
) -> None:
    event = payload(f"http/{stem}.json") | {key: "/p%20q?x=1&x=2"}
    request, _ = run(event, lambda_context)
    assert request.path == "/p q"
    assert request.query.getlist("x") != ["1", "2"]  # the parameters field wins when present
    del event["query_string_parameters" if stem == V1 else "queryStringParameters"]
    request, _ = run(event, lambda_context)
    assert request.query.getlist("x") == ["1", "2"]


def test_not_confused_with_http_api(payload: Payload) -> None:
    lattice = payload(f"http/{V2}.json")
    http_api = payload("http/apigw-http-v2-get-no-body.json")
    assert not HTTPAPI().matches(lattice)
    assert not VPCLattice().matches(http_api)
    assert not VPCLattice().matches(lattice | {"requestContext": {"http": {"method": "GET"}}})


def test_binary_response(payload: Payload, lambda_context: Any) -> None:
    app = App("files")

    @app.post("/newpath")
    def echo(body: bytes) -> bytes:
        return body[::-1]

    event = payload(f"http/{V2}.json") | {
        "method": "POST",
        "body": base64.b64encode(b"\x01\x02\xff").decode(),
        "isBase64Encoded": True,
    }
    response = VPCLattice().invoke(Functions(app), event, lambda_context)
    assert response == {
        "statusCode": 200,
        "headers": {"content-type": "application/octet-stream"},
        "body": base64.b64encode(b"\xff\x02\x01").decode(),
        "isBase64Encoded": True,
    }


def test_problem_response(payload: Payload, lambda_context: Any) -> None:
    app = App("empty")

    @app.get("/elsewhere")
    def elsewhere() -> None: ...

    response = VPCLattice().invoke(Functions(app), payload(f"http/{V1}.json"), lambda_context)
    assert response["statusCode"] == 404
    assert response["headers"] == {"content-type": "application/problem+json"}
    assert json.loads(response["body"])["title"] == "Not Found"


@pytest.mark.parametrize(
    ("stem", "key", "value"),
    [
        (V1, "raw_path", 5),
        (V1, "method", None),
        (V1, "headers", ["x"]),
        (V1, "query_string_parameters", "a=1"),
        (V1, "body", 7),
        (V2, "path", None),
        (V2, "headers", {"accept": 1}),
        (V2, "queryStringParameters", []),
    ],
)
def test_malformed(stem: str, key: str, value: Any, payload: Payload, lambda_context: Any) -> None:
    event = payload(f"http/{stem}.json") | {key: value}
    functions, _ = recorder()
    with pytest.raises(UnsupportedEvent, match="vpc_lattice"):
        VPCLattice().invoke(functions, event, lambda_context)
