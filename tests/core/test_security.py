"""Security of the HTTP pipeline: body limit, header injection, and what never leaks.

Issue 8, part 5: 500s and validation errors echo no secrets or internals; Authorization
headers, cookies and configured sensitive fields are redacted from logs; response headers
with CR/LF are refused; request bodies over ``App(max_body_size=...)`` are refused with 413
before parsing, by the pipeline (so everywhere) and by ``portafunc serve`` before reading.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from portafunc import (
    App,
    Context,
    DeclarationError,
    Header,
    HTTPError,
    HTTPRequest,
    HTTPResponse,
    Message,
    log,
    pipeline,
)
from portafunc._serve import make_server
from portafunc.http import unsafe_header
from portafunc.log import REDACTED_KEYS, ContextFilter, JSONFormatter, configure, redacted_keys
from portafunc.testing import TestClient

TIMEOUT = 10
PROBLEM = "application/problem+json"
SECRET = "s3cr3t-Value-42"  # in requests; must never come back or reach a log line
TOKEN = f"Bearer {SECRET}"


class Login(BaseModel):
    user: str
    password: str = Field(min_length=20)
    pin: int = Field(gt=0)


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every record of the ``portafunc`` loggers, as portafunc writes them (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("portafunc")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def no_extra_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """configure(redact=...) adds process-wide names: give them back after the test."""
    monkeypatch.setattr(log, "_redacted", frozenset())


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def request(
    method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> HTTPRequest:
    return HTTPRequest(method, path, body=body, headers=headers or [], request_id="req-1")


def ctx() -> Context:
    return Context(provider="local", invocation_id="inv-1", trace_id="trace-1")


def problem_of(status: int) -> Any:
    return json.loads(pipeline.problem(HTTPError(status)).body)


def configure_redacting(redact: Any) -> None:
    """``configure(redact=redact)``, its handlers and levels put back: only the names stay
    (until the ``no_extra_redaction`` fixture puts those back too)."""
    root, package = logging.getLogger(), logging.getLogger("portafunc")
    handlers, level, package_level = root.handlers[:], root.level, package.level
    root.handlers = []
    try:
        configure(stream=io.StringIO(), redact=redact)
    finally:
        root.handlers = handlers
        root.setLevel(level)
        package.setLevel(package_level)


# -- the body limit -------------------------------------------------------------------------


def sized_app(limit: int | None) -> tuple[App, list[int]]:
    app = App("sized", max_body_size=limit)
    calls: list[int] = []

    @app.post("/upload")
    def upload(request: HTTPRequest) -> int:
        calls.append(len(request.body))
        return len(request.body)

    @app.post("/login")
    def login(body: Login) -> str:
        return body.user

    @app.queue("uploads")
    def queued(msg: Message[bytes]) -> int:
        return len(msg.body)

    return app, calls


def test_default_limit_is_lambdas_6_mb() -> None:
    assert App("a").max_body_size == 6 * 1024 * 1024
    app, calls = sized_app(App("a").max_body_size)
    limit = 6 * 1024 * 1024
    assert pipeline.handle_http(app, request("POST", "/upload", b"x" * limit), ctx()).status == 200
    response = pipeline.handle_http(app, request("POST", "/upload", b"x" * (limit + 1)), ctx())
    assert response.status == 413
    assert calls == [limit]


def test_over_the_limit_is_413_problem_json() -> None:
    app, calls = sized_app(10)
    client = TestClient(app)
    assert client.post("/upload", data=b"x" * 10).json() == 10
    response = client.post("/upload", data=b"x" * 11)
    assert response.status == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": "the request body is larger than 10 bytes",
    }
    assert calls == [10]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/nowhere", b"x" * 11),  # before routing: not a 404
        ("/upload/x", b"x" * 11),
        ("/login", b'{"user": "' + SECRET.encode()),  # before parsing: not a 400
        ("/login", json.dumps({"user": "u", "password": "short", "pin": 0}).encode()),  # nor 422
    ],
)
def test_the_limit_applies_before_routing_and_binding(path: str, body: bytes) -> None:
    app, _ = sized_app(10)
    response = pipeline.handle_http(app, request("POST", path, body), ctx())
    assert response.status == 413
    assert SECRET.encode() not in response.body


def test_no_limit() -> None:
    app, calls = sized_app(None)
    big = b"x" * (7 * 1024 * 1024)
    assert pipeline.handle_http(app, request("POST", "/upload", big), ctx()).status == 200
    assert calls == [len(big)]


def test_the_async_pipeline_has_the_limit_too() -> None:
    app, calls = sized_app(10)

    async def main() -> tuple[int, int]:
        small = await pipeline.handle_http_async(app, request("POST", "/upload", b"x"), ctx())
        large = await pipeline.handle_http_async(app, request("POST", "/upload", b"x" * 11), ctx())
        return small.status, large.status

    assert asyncio.run(main()) == (200, 413)
    assert calls == [1]


def test_a_refused_body_is_logged_without_its_content(json_log: io.StringIO) -> None:
    app, _ = sized_app(10)
    headers = [("authorization", TOKEN), ("cookie", f"session={SECRET}")]
    pipeline.handle_http(app, request("POST", "/upload", SECRET.encode() * 2, headers), ctx())
    [line] = lines(json_log)
    assert line["level"] == "WARNING"
    assert "30 bytes is over the limit of 10 bytes" in line["message"]
    assert SECRET not in json_log.getvalue()


@pytest.mark.parametrize("limit", [-1, True, 1.5, "10"])
def test_the_limit_must_be_a_number_of_bytes(limit: Any) -> None:
    with pytest.raises(DeclarationError, match="max_body_size must be an int >= 0"):
        App("a", max_body_size=limit)


def test_zero_allows_only_empty_bodies() -> None:
    app, _ = sized_app(0)
    assert pipeline.handle_http(app, request("POST", "/upload"), ctx()).status == 200
    assert pipeline.handle_http(app, request("POST", "/upload", b"x"), ctx()).status == 413


# -- portafunc serve refuses before reading -------------------------------------------------


@contextmanager
def serving(app: App) -> Iterator[tuple[str, int]]:
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def exchange(address: tuple[str, int], head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``) on a fresh connection; everything the server answers,
    until it closes the connection."""
    with socket.create_connection(address, timeout=TIMEOUT) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serve_refuses_a_large_content_length_without_reading_the_body() -> None:
    app, calls = sized_app(10)
    with serving(app) as address:
        # The body announced is never sent: a server waiting for it would time out.
        head = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
        answer = exchange(address, head)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413 ")
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["status"] == 413
    assert calls == []


def test_serve_refuses_a_large_chunked_body() -> None:
    app, calls = sized_app(10)
    with serving(app) as address:
        head = b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        answer = exchange(address, head, b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert calls == []


def test_a_client_sending_a_large_body_reads_the_413() -> None:
    """The server does not read the body, but lingers until the client sent it: a client
    that sends its whole body before reading (http.client) gets the answer, not a reset,
    and is told the connection closes, so its next request opens a new one."""
    app, calls = sized_app(10)
    with serving(app) as (host, port):
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            connection.request("POST", "/upload", body=b"x" * (8 * 1024 * 1024))
            response = connection.getresponse()
            assert (response.status, response.getheader("connection")) == (413, "close")
            assert json.loads(response.read())["status"] == 413
            connection.request("POST", "/upload", body=b"x" * 10)  # reconnects
            assert connection.getresponse().read() == b"10"
        finally:
            connection.close()
    assert calls == [10]


def test_serve_does_not_limit_deliveries_to_message_functions() -> None:
    """max_body_size is about HTTP bodies; a message is delivered whatever its size."""
    app, _ = sized_app(10)
    with serving(app) as address:
        body = json.dumps("x" * 100).encode()
        head = (
            b"POST /_portafunc/functions/queued HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        )
        answer = exchange(address, head, body)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2]) == {"ok": True, "result": 102}


def test_serve_accepts_a_body_within_the_limit() -> None:
    app, calls = sized_app(10)
    with serving(app) as address:
        head = (
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
        )
        answer = exchange(address, head, b"x" * 10)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert calls == [10]


# -- response headers that must not be sent -----------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ("x-evil", "a\r\nset-cookie: stolen=1"),
        ("x-evil", "a\nset-cookie: stolen=1"),
        ("x-evil", "a\rb"),
        ("x-evil", "a\x00b"),
        ("x-evil\r\nset-cookie", "stolen=1"),
        ("x evil", "a"),
        ("x-evil:", "a"),
        ("", "a"),
        ("x-é", "a"),
        ("x-evil", 5),
        (b"x-evil", "a"),
    ],
    ids=repr,
)
def test_unsafe_header(header: tuple[Any, Any]) -> None:
    name, _ = header
    expected = name if isinstance(name, str) else repr(name)
    assert unsafe_header([("content-type", "text/plain"), header]) == expected


@pytest.mark.parametrize(
    "header",
    [("x-ok", "a\tb"), ("x-ok", "caf\u00e9"), ("X-Custom_Name.1~", "v"), ("x-ok", ""), ("a", " ")],
    ids=repr,
)
def test_safe_headers(header: tuple[str, str]) -> None:
    assert unsafe_header([header]) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: HTTPResponse(200, headers=[("x-evil", "a\r\nb")]),
        lambda: HTTPResponse(200, headers={"x-evil": "a\nb"}),
        lambda: HTTPResponse.json({}, headers=[("x-evil", "a\r\nb")]),
        lambda: HTTPResponse.json({}, content_type="text/html\r\nx-evil: 1"),
        lambda: HTTPResponse.plain("hi", headers=[("x-evil", "a\r\nb")]),
    ],
    ids=["init", "init-mapping", "json", "json-content-type", "plain"],
)
def test_constructors_refuse_unsafe_headers(make: Any) -> None:
    with pytest.raises(ValueError, match="must not be sent") as raised:
        make()
    assert "\n" not in str(raised.value)  # the name is in it, the value is not


def evil_app() -> App:
    app = App("evil")

    class Refused(Exception):
        pass

    @app.get("/appended")
    def appended() -> HTTPResponse:
        response = HTTPResponse.plain("ok")
        response.headers.append(("x-evil", f"{SECRET}\r\nset-cookie: stolen=1"))
        return response

    @app.get("/error-headers")
    def error_headers() -> None:
        raise HTTPError(503, headers={"retry-after": f"1\r\nset-cookie: {SECRET}"})

    @app.get("/handled")
    def handled() -> None:
        raise Refused

    @app.exception_handler(Refused)
    def refused(request: HTTPRequest, exc: Refused) -> HTTPResponse:
        response = HTTPResponse(409)
        response.headers.append(("x-evil\nset-cookie", SECRET))
        return response

    @app.get("/async")
    async def async_appended() -> HTTPResponse:
        return appended()

    @app.get("/fine")
    def fine() -> HTTPResponse:
        return HTTPResponse.json({"ok": True}, headers=[("x-note", "tab\there")])

    return app


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/appended", "x-evil"),
        ("/error-headers", "retry-after"),
        ("/handled", "x-evil\nset-cookie"),
        ("/async", "x-evil"),
    ],
)
def test_a_response_with_an_unsafe_header_becomes_a_500(
    path: str, name: str, json_log: io.StringIO
) -> None:
    response = pipeline.handle_http(evil_app(), request("GET", path), ctx())
    assert response.status == 500
    assert response.headers == [("content-type", PROBLEM)]
    assert json.loads(response.body) == problem_of(500)
    [line] = lines(json_log)
    assert line["level"] == "ERROR"
    assert repr(name) in line["message"]
    assert line["invocation_id"] == "inv-1"
    assert SECRET not in json_log.getvalue()


def test_the_async_pipeline_refuses_unsafe_headers_too() -> None:
    app = evil_app()

    async def main() -> list[int]:
        paths = ("/appended", "/async", "/fine")
        return [
            (await pipeline.handle_http_async(app, request("GET", path), ctx())).status
            for path in paths
        ]

    assert asyncio.run(main()) == [500, 500, 200]


def test_safe_headers_pass(json_log: io.StringIO) -> None:
    response = pipeline.handle_http(evil_app(), request("GET", "/fine"), ctx())
    assert (response.status, response.header("x-note")) == (200, "tab\there")
    assert lines(json_log) == []


def test_problem_never_carries_an_unsafe_header() -> None:
    response = pipeline.problem(HTTPError(401, headers={"www-authenticate": "a\r\nb: c"}))
    assert response.status == 500
    assert unsafe_header(response.headers) is None


# -- what responses never echo ---------------------------------------------------------------


def leaky_app() -> App:
    app = App("leaky")

    @app.post("/login")
    def login(body: Login) -> str:
        return body.user

    @app.get("/account")
    def account(pin: Annotated[int, Header(alias="x-pin")]) -> int:
        return pin

    @app.get("/boom")
    def boom(request: HTTPRequest) -> None:
        raise RuntimeError(f"cannot reach db.internal:5432 as admin/{SECRET}")

    return app


@pytest.mark.parametrize(
    "body",
    [
        {"user": "u", "password": SECRET, "pin": 1},  # too short
        {"user": "u", "password": SECRET * 2, "pin": SECRET},  # not an int
        {"user": {"nested": SECRET}, "password": SECRET * 2, "pin": 1},  # not a str
        {"user": "u", "password": [SECRET], "pin": -1},
    ],
)
def test_validation_errors_do_not_echo_the_input(body: dict[str, Any]) -> None:
    response = TestClient(leaky_app()).post("/login", json=body)
    assert response.status == 422
    assert response.json()["errors"]
    assert SECRET.encode() not in response.body
    assert set(response.json()["errors"][0]) == {"loc", "msg", "type"}


def test_malformed_json_does_not_echo_the_input() -> None:
    response = TestClient(leaky_app()).post("/login", data=f'{{"password": "{SECRET}"')
    assert response.status == 400
    assert SECRET.encode() not in response.body


def test_an_invalid_header_parameter_is_not_echoed() -> None:
    response = TestClient(leaky_app()).get("/account", headers={"x-pin": SECRET})
    assert response.status == 422
    assert SECRET.encode() not in response.body


def test_a_500_carries_no_exception_text(json_log: io.StringIO) -> None:
    headers = {"authorization": TOKEN, "cookie": f"session={SECRET}", "x-api-key": SECRET}
    response = TestClient(leaky_app()).get("/boom", headers=headers)
    assert response.status == 500
    assert response.json() == problem_of(500)
    for leak in (SECRET, "RuntimeError", "db.internal", "Traceback"):
        assert leak.encode() not in response.body
    # The log has the exception (its text is the handler's), but none of the request's
    # headers: the pipeline never logs them.
    [line] = lines(json_log)
    assert line["exception"].endswith(
        f"RuntimeError: cannot reach db.internal:5432 as admin/{SECRET}"
    )
    assert TOKEN not in json_log.getvalue()
    assert f"session={SECRET}" not in json_log.getvalue()


def test_the_access_line_has_no_request_secrets(json_log: io.StringIO) -> None:
    app = App("audited", access_log=True)

    @app.post("/login")
    def login(body: Login) -> str:
        return body.user

    secret_body = {"user": "u", "password": SECRET * 2, "pin": 1}
    headers = {"authorization": TOKEN, "cookie": f"session={SECRET}"}
    assert TestClient(app).post("/login", json=secret_body, headers=headers).status == 200
    [line] = lines(json_log)
    assert (line["message"], line["status"]) == ("invocation finished", 200)
    assert SECRET not in json_log.getvalue()


def test_an_invalid_message_is_logged_without_its_data(json_log: io.StringIO) -> None:
    app = App("queued")

    @app.queue("logins")
    def consume(msg: Message[Login]) -> None: ...

    outcome = TestClient(app).send("consume", {"user": "u", "password": SECRET}, raise_errors=False)
    assert not outcome.ok
    assert "invalid payload for consume" in lines(json_log)[0]["message"]
    assert SECRET not in json_log.getvalue()


# -- redaction of configured sensitive fields -----------------------------------------------


def formatted(**extra: Any) -> dict[str, Any]:
    record = logging.getLogger("portafunc.tests").makeRecord(
        "portafunc.tests", logging.INFO, __file__, 1, "hello", (), None, extra=extra
    )
    parsed: dict[str, Any] = json.loads(JSONFormatter().format(record))
    return parsed


@pytest.mark.usefixtures("no_extra_redaction")
def test_configured_fields_are_redacted_at_every_depth() -> None:
    extra = {
        "password": SECRET,
        "user": {"name": "u", "Card_Number": SECRET, "cards": [{"card-number": SECRET}]},
        "headers": {"Authorization": TOKEN, "accept": "*/*"},
    }
    before = formatted(**extra)
    assert before["password"] == SECRET  # not sensitive until configured
    configure_redacting(("password", "card_number"))
    after = formatted(**extra)
    assert SECRET not in json.dumps(after)
    assert after["password"] == "[redacted]"
    assert after["user"] == {
        "name": "u",
        "Card_Number": "[redacted]",
        "cards": [{"card-number": "[redacted]"}],
    }
    assert after["headers"] == {"Authorization": "[redacted]", "accept": "*/*"}


@pytest.mark.usefixtures("no_extra_redaction")
def test_configured_names_add_up_and_keep_the_defaults() -> None:
    assert redacted_keys() == REDACTED_KEYS
    configure_redacting(("Password",))
    configure_redacting("pin")
    configure_redacting(())
    assert redacted_keys() == REDACTED_KEYS | {"password", "pin"}


@pytest.mark.usefixtures("no_extra_redaction")
@pytest.mark.parametrize("names", [("",), (" ",), (None,), (1,)])
def test_redact_takes_names(names: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError, match="redact= takes field names"):
        configure_redacting(names)
    assert redacted_keys() == REDACTED_KEYS


@pytest.mark.usefixtures("no_extra_redaction")
def test_configured_fields_are_redacted_in_a_handlers_log_lines(json_log: io.StringIO) -> None:
    configure_redacting(("password",))
    app = App("logging")

    @app.post("/login")
    def login(body: Login, ctx: Context) -> str:
        ctx.logger.info("login", extra={"attempt": {"user": body.user, "password": body.password}})
        return body.user

    body = {"user": "u", "password": SECRET * 2, "pin": 1}
    assert TestClient(app).post("/login", json=body).status == 200
    [line] = lines(json_log)
    assert line["attempt"] == {"user": "u", "password": "[redacted]"}
    assert SECRET not in json_log.getvalue()
