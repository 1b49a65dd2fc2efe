"""The development server (portafunc._serve): real HTTP over loopback, in a thread and as
``python -m portafunc.cli serve`` in a subprocess. Every wait has a timeout."""

from __future__ import annotations

import http.client
import io
import json
import logging
import queue
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message as HeaderMessage
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from portafunc import (
    App,
    ChangeEvent,
    Context,
    Event,
    HTTPRequest,
    HTTPResponse,
    Message,
    PortafuncError,
    Query,
    ScheduleEvent,
    StorageEvent,
)
from portafunc._serve import _split_target, make_server, serve

TIMEOUT = 10


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


app = App("shop")
delivered: list[Any] = []


@app.get("/echo/{rest:path}")
def echo(request: HTTPRequest, rest: str, ctx: Context) -> dict[str, Any]:
    return {
        "path": request.path,
        "rest": rest,
        "tags": request.query.getlist("tag"),
        "x_tag": request.headers.getlist("x-tag"),
        "client_ip": request.client_ip,
        "provider": request.provider,
        "ctx": [ctx.provider, ctx.invocation_id == request.request_id, ctx.trace_id],
        "raw": sorted(request.raw),
    }


@app.get("/hello")
def hello(name: Annotated[str, Query()] = "world") -> str:
    return f"hello {name}"


@app.post("/orders", status=201)
def create_order(order: Order) -> Order:
    return order


@app.get("/boom")
def boom() -> None:
    raise RuntimeError("secret database password")


@app.get("/cookies")
def cookies() -> HTTPResponse:
    return HTTPResponse(200, headers=[("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2")])


@app.get("/injected")
def injected() -> HTTPResponse:
    return HTTPResponse(200, headers=[("x-evil", "a\r\nset-cookie: stolen=1")])


@app.http(["GET", "HEAD"], "/page")
def page() -> str:
    return "some page"


@app.delete("/orders/{id}")
def delete_order(id: str) -> None:
    return None


@app.queue("orders")
def ship(msg: Message[Order]) -> dict[str, Any]:
    if msg.data.id == "fail":
        raise RuntimeError("secret queue failure")
    return {"shipped": msg.data.id, "source": msg.source, "attributes": dict(msg.attributes)}


@app.topic("news")
def opaque(msg: Message[bytes]) -> object:
    return object()


@app.event(type="order.placed")
def placed(event: Event[Order]) -> list[str]:
    return [event.type, event.data.id]


@app.storage("uploads", events=("created", "deleted"), prefix="in/")
def on_upload(event: StorageEvent) -> dict[str, Any]:
    delivered.append(event)
    return {"bucket": event.bucket, "key": event.key, "action": event.action}


@app.schedule("*/5 * * * *")
def tick(event: ScheduleEvent) -> str:
    return event.schedule


@app.changes("orders")
def audit(change: ChangeEvent[Order]) -> dict[str, Any]:
    return {"table": change.table, "kind": change.kind, "key": change.key, "new": change.new}


# -- helpers ------------------------------------------------------------------------------


@contextmanager
def running(served: App) -> Iterator[str]:
    server = make_server(served, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running(app) as base:
        yield base


def fetch(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, HeaderMessage, bytes]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def post(url: str, body: Any) -> tuple[int, Any]:
    status, _, content = fetch("POST", url, body)
    return status, json.loads(content)


# -- HTTP functions -----------------------------------------------------------------------


def test_get_with_query_and_decoded_path(url: str) -> None:
    status, headers, body = fetch("GET", f"{url}/echo/a%20b/c?tag=1&tag=2")
    assert status == 200
    assert headers["content-type"] == "application/json"
    result = json.loads(body)
    assert result["path"] == "/echo/a b/c"
    assert result["rest"] == "a b/c"
    assert result["tags"] == ["1", "2"]
    assert result["client_ip"] == "127.0.0.1"
    assert result["provider"] == "local"
    assert result["ctx"][:2] == ["local", True]
    assert result["raw"] == ["headers", "method", "target", "version"]


def test_query_parameter(url: str) -> None:
    assert fetch("GET", f"{url}/hello?name=you")[2] == b"hello you"
    assert fetch("GET", f"{url}/hello")[2] == b"hello world"


def test_repeated_request_headers_stay_apart(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    try:
        connection.putrequest("GET", "/echo/x")
        connection.putheader("X-Tag", "a, b")
        connection.putheader("X-Tag", "c")
        connection.putheader(
            "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )
        connection.endheaders()
        result = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    assert result["x_tag"] == ["a, b", "c"]
    assert result["ctx"][2] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_post_json_created(url: str) -> None:
    status, _, body = fetch("POST", f"{url}/orders", {"id": "a", "qty": 2})
    assert (status, json.loads(body)) == (201, {"id": "a", "qty": 2})


def test_chunked_request_body(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    try:
        chunks = iter([b'{"id": "c", ', b'"qty": 3}'])
        connection.request("POST", "/orders", body=chunks, encode_chunked=True)
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (201, {"id": "c", "qty": 3})
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("body", "status"), [({"id": "a", "qty": 0}, 422), (b'{"id": ', 400), (b"", 400)]
)
def test_invalid_body_is_a_problem(url: str, body: Any, status: int) -> None:
    got, headers, content = fetch("POST", f"{url}/orders", body)
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(content)["status"] == status


def test_invalid_content_length_is_400(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
        reply = sock.makefile("rb").readline()
    assert reply.startswith(b"HTTP/1.1 400 ")


def test_not_found_and_method_not_allowed(url: str) -> None:
    status, headers, body = fetch("GET", f"{url}/nowhere")
    assert (status, headers["content-type"]) == (404, "application/problem+json")
    assert json.loads(body)["title"] == "Not Found"
    status, headers, body = fetch("PUT", f"{url}/orders", b"{}")
    assert (status, headers["allow"]) == (405, "POST")
    assert json.loads(body)["status"] == 405


def test_server_error_does_not_leak(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="portafunc"):
        status, _, body = fetch("GET", f"{url}/boom")
        assert fetch("GET", f"{url}/hello")[0] == 200  # and the server carries on
    assert status == 500
    assert json.loads(body) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    assert b"secret" not in body
    failure = next(r for r in caplog.records if r.name == "portafunc.shop.boom")
    assert failure.exc_info is not None
    assert "secret database password" in str(failure.exc_info[1])


def test_repeated_set_cookie_headers_stay_apart(url: str) -> None:
    _, headers, _ = fetch("GET", f"{url}/cookies")
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2"]


def test_header_with_line_break_is_refused(url: str) -> None:
    status, headers, _ = fetch("GET", f"{url}/injected")
    assert status == 500
    assert headers.get_all("set-cookie") is None


def test_head_has_no_body_and_204_has_no_length(url: str) -> None:
    status, headers, body = fetch("HEAD", f"{url}/page")
    assert (status, headers["content-length"], body) == (200, str(len("some page")), b"")
    status, headers, body = fetch("DELETE", f"{url}/orders/1")
    assert (status, headers["content-length"], body) == (204, None, b"")


def test_each_request_is_logged_once(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="portafunc.serve"):
        fetch("GET", f"{url}/hello?token=secret")
    (line,) = [r for r in caplog.records if r.name == "portafunc.serve"]
    assert line.getMessage().startswith("GET /hello 200 ")
    assert line.getMessage().endswith("ms")
    assert (vars(line)["method"], vars(line)["path"], vars(line)["status"]) == (
        "GET",
        "/hello",
        200,
    )
    assert vars(line)["duration_ms"] >= 0


def test_failing_startup_hook_answers_500() -> None:
    broken = App("broken")

    @broken.on_startup
    def start() -> None:
        raise RuntimeError("secret startup failure")

    @broken.get("/")
    def index() -> str:
        return "never"

    @broken.queue("jobs")
    def job(msg: Message[bytes]) -> None: ...

    with running(broken) as base:
        status, _, body = fetch("GET", f"{base}/")
        assert (status, b"secret" in body) == (500, False)
        status, result = post(f"{base}/_portafunc/functions/job", b"x")
        assert (status, result["ok"]) == (500, False)


# -- POST /_portafunc/functions/{name} ----------------------------------------------------


def test_deliver_to_queue(url: str) -> None:
    status, result = post(f"{url}/_portafunc/functions/ship?priority=high", {"id": "a", "qty": 1})
    assert status == 200
    shipped = {"shipped": "a", "source": "orders", "attributes": {"priority": "high"}}
    assert result == {"ok": True, "result": shipped}


def test_deliver_invalid_payload(url: str) -> None:
    status, result = post(f"{url}/_portafunc/functions/ship", {"id": "a", "qty": 0})
    assert (status, result["ok"], result["status"]) == (422, False, 422)
    assert result["errors"][0]["loc"] == ["qty"]
    status, result = post(f"{url}/_portafunc/functions/ship", b"{not json")
    assert (status, result["ok"], result["status"]) == (400, False, 400)


def test_deliver_failure_does_not_leak(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="portafunc"):
        status, result = post(f"{url}/_portafunc/functions/ship", {"id": "fail", "qty": 1})
    assert (status, result["ok"], result["title"]) == (500, False, "Internal Server Error")
    assert "secret" not in json.dumps(result)
    assert any(r.name == "portafunc.shop.ship" and r.exc_info for r in caplog.records)


def test_deliver_to_unknown_or_http_function(url: str) -> None:
    for name in ("nope", "hello"):
        status, result = post(f"{url}/_portafunc/functions/{name}", {})
        assert (status, result["ok"]) == (404, False)
    status, headers, _ = fetch("GET", f"{url}/_portafunc/functions/ship")
    assert (status, headers["allow"]) == (405, "POST")


def test_deliver_unserialisable_result_is_null(url: str) -> None:
    assert post(f"{url}/_portafunc/functions/opaque", b"raw") == (200, {"ok": True, "result": None})


def test_deliver_event(url: str) -> None:
    status, result = post(f"{url}/_portafunc/functions/placed", {"id": "e", "qty": 1})
    assert (status, result["result"]) == (200, ["order.placed", "e"])


def test_deliver_storage_event(url: str) -> None:
    status, result = post(f"{url}/_portafunc/functions/on_upload", {"key": "in/a.txt"})
    expected = {"bucket": "uploads", "key": "in/a.txt", "action": "created"}
    assert (status, result["result"]) == (200, expected)
    event = delivered[-1]
    assert event.time is not None
    assert event.time.tzinfo is not None
    body = {
        "key": "in/b",
        "bucket": "other",
        "action": "deleted",
        "size": 3,
        "time": "2024-05-01T10:00:00",
    }
    status, result = post(f"{url}/_portafunc/functions/on_upload", body)
    assert result["result"] == {"bucket": "other", "key": "in/b", "action": "deleted"}
    assert (delivered[-1].size, delivered[-1].time.isoformat()) == (3, "2024-05-01T10:00:00+00:00")


def test_storage_event_the_trigger_does_not_accept(url: str) -> None:
    count = len(delivered)
    assert post(f"{url}/_portafunc/functions/on_upload", {"key": "out/x"}) == (
        200,
        {"ok": True, "result": None},
    )
    assert len(delivered) == count


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"bucket": "b"}, 422),
        ({"key": "k", "action": "eaten"}, 422),
        ({"key": "k", "x": 1}, 422),
        (b"[", 400),
    ],
)
def test_invalid_storage_event(url: str, body: Any, status: int) -> None:
    got, result = post(f"{url}/_portafunc/functions/on_upload", body)
    assert (got, result["ok"]) == (status, False)


def test_deliver_schedule(url: str) -> None:
    assert post(f"{url}/_portafunc/functions/tick", b"") == (200, {"ok": True, "result": "tick"})


def test_deliver_change(url: str) -> None:
    body = {"kind": "update", "key": {"id": "a"}, "old": None, "new": {"id": "a", "qty": 5}}
    status, result = post(f"{url}/_portafunc/functions/audit", body)
    change = {"table": "orders", "kind": "update", "key": {"id": "a"}, "new": {"id": "a", "qty": 5}}
    assert (status, result["result"]) == (200, change)
    status, result = post(f"{url}/_portafunc/functions/audit", {"kind": "moved", "key": {}})
    assert (status, result["ok"]) == (422, False)
    body["new"] = {"id": "a", "qty": 0}
    assert post(f"{url}/_portafunc/functions/audit", body)[0] == 422


# -- the server itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/a%20b?x=1&y", ("/a b", "x=1&y")),
        ("//double/slash", ("//double/slash", "")),
        ("http://example.com/p?q", ("/p", "q")),
        ("http://example.com", ("/", "")),
    ],
)
def test_split_target(target: str, expected: tuple[str, str]) -> None:
    assert _split_target(target) == expected


def test_busy_port_is_a_portafunc_error() -> None:
    with running(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with pytest.raises(PortafuncError, match=rf"cannot listen on 127\.0\.0\.1:{port}"):
            make_server(app, "127.0.0.1", port)


class _Announcements(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.serving = threading.Event()

    def write(self, text: str) -> int:
        if "serving" in text:
            self.serving.set()
        return super().write(text)


@pytest.mark.skipif(sys.platform == "win32", reason="simulated SIGINT")
def test_serve_stops_on_ctrl_c_and_restores_signal_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import _thread

    configured: list[bool] = []
    monkeypatch.setattr("portafunc.log.configure", lambda: configured.append(True))
    out = _Announcements()
    before = signal.getsignal(signal.SIGTERM)
    answers: queue.Queue[int] = queue.Queue()

    def client() -> None:
        if not out.serving.wait(TIMEOUT):
            return  # serve() failed before serving; interrupting now would hit pytest
        try:
            answers.put(fetch("GET", out.getvalue().split(" on ")[1].strip() + "/hello")[0])
        finally:
            _thread.interrupt_main(signal.SIGINT)  # what Ctrl-C does

    threading.Thread(target=client, daemon=True).start()
    assert serve(app, "127.0.0.1", 0, out=out) == 0
    assert answers.get(timeout=TIMEOUT) == 200
    assert out.getvalue().splitlines()[-1] == "portafunc: stopped"
    assert signal.getsignal(signal.SIGTERM) == before
    assert configured == [True]


APP_SOURCE = """
from portafunc import App

app = App("tiny")

@app.get("/hello")
def hello() -> str:
    return "hi"
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cli_serve_subprocess(tmp_path: Path, stop: signal.Signals) -> None:
    (tmp_path / "tiny.py").write_text(textwrap.dedent(APP_SOURCE))
    command = [sys.executable, "-m", "portafunc.cli", "serve", "tiny.py:app", "--port", "0"]
    lines: queue.Queue[str] = queue.Queue()
    with (
        (tmp_path / "stderr.txt").open("w") as stderr,
        subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as process,
    ):
        reader = threading.Thread(target=_read_lines, args=(process, lines))
        reader.start()
        try:
            first = lines.get(timeout=TIMEOUT)
            assert first.startswith("portafunc: serving tiny on http://127.0.0.1:")
            base = first.split(" on ")[1].strip()
            assert not base.endswith(":0")
            assert fetch("GET", f"{base}/hello")[::2] == (200, b"hi")
            process.send_signal(stop)
            assert process.wait(TIMEOUT) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(TIMEOUT)
            reader.join(TIMEOUT)
    assert lines.get(timeout=TIMEOUT) == "portafunc: stopped\n"
    logged = [json.loads(line) for line in (tmp_path / "stderr.txt").read_text().splitlines()]
    assert [entry["message"].split()[:3] for entry in logged] == [["GET", "/hello", "200"]]


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    for line in process.stdout or ():
        lines.put(line)
