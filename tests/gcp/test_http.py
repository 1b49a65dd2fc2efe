"""HTTP functions: the Flask request as an ``HTTPRequest``, the response back.

Requests go through functions-framework's own app (``create_app(target, source)``
with a ``main.py`` that calls ``entry_points``) and its Flask test client, so the
handler sees what it would see behind the real server: the ``Function-Execution-Id``
middleware, werkzeug's environ (repeated headers comma-joined) and Flask's request.
The IAP assertion and the ID token carry claims shaped like those Google documents
for IAP's signed headers and for Google-signed ID tokens.
"""

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import flask
import functions_framework
import pytest
from flask.testing import FlaskClient
from functions_framework import _function_registry
from werkzeug.test import EnvironBuilder

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.errors import InvalidPayload
from portafunc_gcp.http import (
    Claims,
    client_address,
    decode_jwt,
    flask_response,
    http_request,
    identity_of,
)
from portafunc_gcp.invocation import context_for

Golden = Callable[[str, Any], None]
Render = Callable[[Any], dict[str, Any]]
Serve = Callable[[App, str], FlaskClient]
create_app = cast("Callable[[str, str], flask.Flask]", functions_framework.create_app)

TRACE_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
AGENT = {"User-Agent": "curl/8.5.0"}
IAP_CLAIMS = {
    "aud": "/projects/123456789012/global/backendServices/4567890123456789012",
    "email": "ada@example.com",
    "exp": 1_700_000_600,
    "google": {"access_levels": ["accessPolicies/123/accessLevels/corp"]},
    "hd": "example.com",
    "iat": 1_700_000_000,
    "iss": "https://cloud.google.com/iap",
    "sub": "accounts.google.com:118038744562834553870",
}
ID_TOKEN_CLAIMS = {
    "aud": "https://shop-3jq5xk2tja-ew.a.run.app",
    "azp": "107317439847529312054",
    "email": "scheduler@shop-prod.iam.gserviceaccount.com",
    "email_verified": True,
    "exp": 1_700_003_600,
    "iat": 1_700_000_000,
    "iss": "https://accounts.google.com",
    "sub": "107317439847529312054",
}


def jwt(claims: dict[str, Any], signature: str = "c2lnbmF0dXJl") -> str:
    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    header = segment({"alg": "ES256", "typ": "JWT", "kid": "0oeLcQ"})
    return f"{header}.{segment(claims)}.{signature}"


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Serve:
    """``serve(app, target)``: functions-framework's test client for one entry of ``app``.

    functions-framework's registry and the environment variables ``create_app`` sets
    are process-wide: each app gets a fresh registry, and everything is restored after.
    """
    monkeypatch.setattr(_function_registry, "REGISTRY_MAP", {})
    monkeypatch.setattr(_function_registry, "INPUT_TYPE_MAP", {})
    monkeypatch.setattr(_function_registry, "ASGI_FUNCTIONS", set())
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "FUNCTION_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "main", raising=False)
    holder = ModuleType("gcp_http_test_app")
    monkeypatch.setitem(sys.modules, holder.__name__, holder)
    source = tmp_path / "main.py"
    source.write_text(
        "import portafunc_gcp\n"
        f"from {holder.__name__} import app\n\n"
        "globals().update(portafunc_gcp.entry_points(app))\n",
        encoding="utf-8",
    )

    def create(app: App, target: str) -> FlaskClient:
        holder.app = app  # type: ignore[attr-defined]
        _function_registry.REGISTRY_MAP.clear()
        return create_app(target, str(source)).test_client()

    return create


class Echo:
    """An app whose HTTP functions record the request and context they were given."""

    def __init__(self) -> None:
        self.app = App("echo")
        self.seen: list[HTTPRequest] = []
        self.contexts: list[Context] = []
        app = self.app

        @app.http(["GET", "POST"], "/items/{item}", status=202)
        def item(item: str, request: HTTPRequest, ctx: Context) -> None:
            self.seen.append(request)
            self.contexts.append(ctx)

        @app.get("/files/{rest:path}")
        def files(rest: str, request: HTTPRequest) -> str:
            self.seen.append(request)
            return rest

        @app.get("/whoami")
        def whoami(request: HTTPRequest) -> dict[str, Any]:
            return dict(request.identity or {})

        @app.get("/cookies")
        def cookies() -> HTTPResponse:
            return HTTPResponse(
                200,
                headers=[
                    ("set-cookie", "session=abc; Path=/; HttpOnly"),
                    ("set-cookie", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
                    ("x-multi", "1"),
                    ("x-multi", "2"),
                ],
                body=b"\x00\xff",
            )

        @app.get("/empty")
        def empty() -> None:
            return None


# -- request translation: golden files ---------------------------------------------------


def test_get_with_query_headers_and_cookies(serve: Serve, as_json: Render, golden: Golden) -> None:
    echo = Echo()
    client = serve(echo.app, "item")
    client.set_cookie("session", "abc")  # the test client sends the Cookie header of its jar
    client.set_cookie("theme", "dark")
    response = client.get(
        "/items/a%20b?tag=x&tag=y&q=%C3%A9t%C3%A9&empty=&plus=1+2",
        headers=[
            *AGENT.items(),
            ("Accept", "application/json"),
            ("Accept", "text/plain"),  # werkzeug's environ joins repeated headers
            ("X-Forwarded-For", "203.0.113.7, 35.191.0.1"),
            ("Function-Execution-Id", "exec-4f2a9c"),
            ("traceparent", TRACE_PARENT),
            ("X-Cloud-Trace-Context", "0af7651916cd43dd8448eb211c80319c/13218;o=1"),
        ],
    )
    assert response.status_code == 202
    assert response.data == b""
    request = echo.seen[0]
    assert request.path_params == {"item": "a b"}
    assert isinstance(request.raw, flask.Request)
    golden("http/get-query-headers-cookies", as_json(request))
    ctx = echo.contexts[0]
    assert (ctx.provider, ctx.function, ctx.invocation_id) == ("gcp", "item", "exec-4f2a9c")
    assert ctx.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert ctx.native is request.raw


def test_post_binary_body_behind_iap(serve: Serve, as_json: Render, golden: Golden) -> None:
    echo = Echo()
    client = serve(echo.app, "echo")  # the app entry
    response = client.post(
        "/items/42",
        data=b"\x00\x01binary\xff",
        headers={
            **AGENT,
            "Content-Type": "application/octet-stream",
            "Function-Execution-Id": "exec-b71e",
            "X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1",
            "X-Goog-IAP-JWT-Assertion": jwt(IAP_CLAIMS),
            "X-Goog-Authenticated-User-Email": "accounts.google.com:ada@example.com",
            "X-Goog-Authenticated-User-Id": "accounts.google.com:118038744562834553870",
        },
    )
    assert response.status_code == 202
    golden("http/post-binary-iap", as_json(echo.seen[0]))
    assert echo.contexts[0].trace_id == "105445aa7843bc8bf206b12000100000"


def test_greedy_path_with_a_verified_id_token(
    serve: Serve, as_json: Render, golden: Golden
) -> None:
    echo = Echo()
    client = serve(echo.app, "files")
    token = jwt(ID_TOKEN_CLAIMS, "SIGNATURE_REMOVED_BY_GOOGLE")
    response = client.get(
        "/files/reports/2024%2F05/q%C3%A9.csv",
        headers={**AGENT, "Authorization": f"Bearer {token}", "Function-Execution-Id": "exec-9"},
    )
    assert (response.status_code, response.text) == (200, "reports/2024/05/qé.csv")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    golden("http/greedy-path-verified-id-token", as_json(echo.seen[0]))


def test_iap_headers_without_assertion(serve: Serve, as_json: Render, golden: Golden) -> None:
    echo = Echo()
    client = serve(echo.app, "echo")
    client.get(
        "/items/1",
        headers={
            **AGENT,
            "Function-Execution-Id": "exec-1",
            "X-Goog-Authenticated-User-Email": "accounts.google.com:ada@example.com",
            "X-Goog-Authenticated-User-Id": "accounts.google.com:118038744562834553870",
        },
    )
    golden("http/iap-headers-only", as_json(echo.seen[0]))


# -- identity ----------------------------------------------------------------------------


def test_a_bearer_token_with_its_signature_is_not_an_identity(serve: Serve) -> None:
    client = serve(Echo().app, "whoami")
    token = jwt(ID_TOKEN_CLAIMS)  # signed: Google did not verify it on the way in
    assert client.get("/whoami", headers={"Authorization": f"Bearer {token}"}).json == {}


def test_identity_is_decoded_only_when_read() -> None:
    claims = Claims("not-a-jwt", "X-Goog-IAP-JWT-Assertion")
    assert "not decoded" in repr(claims)
    with pytest.raises(InvalidPayload, match="X-Goog-IAP-JWT-Assertion is not a JWT") as caught:
        dict(claims)
    assert caught.value.malformed


def test_a_malformed_assertion_is_a_400_when_read(serve: Serve) -> None:
    client = serve(Echo().app, "whoami")
    response = client.get("/whoami", headers={"X-Goog-IAP-JWT-Assertion": "a.%%%.c"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "not base64url-encoded JSON" in json.loads(response.data)["detail"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("a.b", "is not a JWT"),
        ("a.!!!!.c", "not base64url-encoded JSON"),
        (f"a.{base64.urlsafe_b64encode(b'[1]').decode()}.c", "not a JSON object"),
        # Found by tests/fuzz: JSON nested too deep to decode raised RecursionError.
        (f"a.{base64.urlsafe_b64encode(b'[' * 50_000).decode()}.c", "not base64url-encoded"),
    ],
)
def test_decode_jwt_refuses_malformed_tokens(token: str, reason: str) -> None:
    with pytest.raises(InvalidPayload, match=reason):
        decode_jwt(token)


def test_identity_of_headers() -> None:
    # identity_of reads the WSGI environ: HTTP_ + the header name upper-cased, "-" as "_".
    assert identity_of({}) is None
    assert identity_of({"HTTP_X_GOOG_AUTHENTICATED_USER_ID": "accounts.google.com:1"}) == {
        "sub": "accounts.google.com:1"
    }
    verified = jwt(ID_TOKEN_CLAIMS, "SIGNATURE_REMOVED_BY_GOOGLE")
    assert identity_of({"HTTP_AUTHORIZATION": f"Basic {verified}"}) is None
    bearer = identity_of({"HTTP_AUTHORIZATION": f"bearer {verified}"})
    assert dict(bearer or {}) == ID_TOKEN_CLAIMS


# -- details of the translation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded", "peer", "expected"),
    [
        ("203.0.113.7", "169.254.1.1", "203.0.113.7"),
        ("203.0.113.7, 35.191.0.1", None, "203.0.113.7"),
        (" 2001:db8::1 ,35.191.0.1", None, "2001:db8::1"),
        (None, "169.254.1.1", "169.254.1.1"),
        ("", None, None),
        (" ,35.191.0.1", "10.0.0.1", "10.0.0.1"),
    ],
)
def test_client_address(forwarded: str | None, peer: str | None, expected: str | None) -> None:
    assert client_address(forwarded, peer) == expected


def test_a_raw_utf8_query_string_is_decoded() -> None:
    environ = EnvironBuilder("/items/1", headers=list(AGENT.items())).get_environ()
    environ["QUERY_STRING"] = "q=été&q=b".encode().decode("latin-1")  # bytes as WSGI gives them
    request = http_request(flask.Request(environ))
    assert request.query.getlist("q") == ["été", "b"]
    assert request.request_id == ""  # no execution id, no trace header
    assert request.client_ip is None


def test_request_id_falls_back_to_the_trace_id() -> None:
    environ = EnvironBuilder("/", headers=[("traceparent", TRACE_PARENT)]).get_environ()
    request = flask.Request(environ)
    assert http_request(request).request_id == "0af7651916cd43dd8448eb211c80319c"
    ctx = context_for(request)
    assert (ctx.invocation_id, ctx.trace_id) == ("", "0af7651916cd43dd8448eb211c80319c")


# -- responses ---------------------------------------------------------------------------


def test_set_cookies_and_repeated_headers_stay_apart(serve: Serve) -> None:
    response = serve(Echo().app, "cookies").get("/cookies")
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == [
        "session=abc; Path=/; HttpOnly",
        "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
    ]
    assert response.headers.getlist("X-Multi") == ["1", "2"]
    assert "Content-Type" not in response.headers
    assert response.data == b"\x00\xff"


def test_an_empty_response_gets_no_content_type(serve: Serve) -> None:
    response = serve(Echo().app, "echo").get("/empty")
    assert (response.status_code, response.data) == (204, b"")
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("extra", [[], [("x-a", "1")]], ids=["content-type only", "more"])
def test_flask_response(extra: list[tuple[str, str]]) -> None:
    response = flask_response(HTTPResponse.json({"ok": True}, 599, headers=extra))
    assert response.status_code == 599
    assert response.headers.getlist("content-type") == ["application/json"]
    assert response.headers.getlist("x-a") == [value for _, value in extra]
    assert response.get_data() == b'{"ok":true}'
    assert response.headers["Content-Length"] == "11"
