"""The real server: ``functions-framework --source main.py --target NAME`` in a subprocess.

``main.py`` is what a user deploys (``globals().update(portafunc_gcp.entry_points(app))``).
The server runs as Cloud Functions runs it (gunicorn with threads, on 127.0.0.1 here),
for an HTTP target and for a CloudEvent target; CloudEvents are sent in binary mode
(Eventarc's) and in structured mode, made with the ``cloudevents`` SDK. Handlers write
what they saw to the file named by ``PORTAFUNC_TEST_LOG``. Every wait has a timeout, so
a server that breaks fails the test instead of hanging it.
"""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

SERVER = Path(sys.executable).parent / "functions-framework"
STARTUP_SECONDS = 30.0
REQUEST_SECONDS = 10.0

SHOP = """\
import asyncio
import json
import os
from pathlib import Path
from typing import Any

from portafunc import App, HTTPRequest, Message

app = App("shop")


def record(**seen: Any) -> None:
    with Path(os.environ["PORTAFUNC_TEST_LOG"]).open("a", encoding="utf-8") as log:
        log.write(json.dumps(seen) + "\\n")


@app.post("/orders/{id}", status=201)
def create_order(id: str, request: HTTPRequest) -> dict[str, Any]:
    record(function="create_order", id=id, body=request.json())
    return {"id": id, "created": True}


@app.queue("orders")
async def ship(msg: Message[dict[str, Any]]) -> None:
    await asyncio.sleep(0)
    record(function="ship", id=msg.id, data=msg.data, source=msg.source)
    if msg.data.get("fail"):
        raise RuntimeError("refused")
"""
MAIN = """\
import portafunc_gcp
from shop import app

globals().update(portafunc_gcp.entry_points(app))
"""
Answer = tuple[int, dict[str, str], bytes]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("gcp-server")
    (directory / "shop.py").write_text(SHOP, encoding="utf-8")
    (directory / "main.py").write_text(MAIN, encoding="utf-8")
    return directory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def send(url: str, *, method: str = "GET", data: bytes | None = None, **headers: str) -> Answer:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:  # a 4xx or 5xx answer
        with error:
            return error.code, _lower(error.headers.items()), error.read()


def _lower(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


@contextmanager
def running(project: Path, target: str, log: Path) -> Iterator[str]:
    """The base URL of ``functions-framework`` serving ``target``; stopped on exit."""
    port = free_port()
    output = (project / f"{target}-server.log").open("w", encoding="utf-8")
    env = {**os.environ, "PORTAFUNC_TEST_LOG": str(log), "THREADS": "4"}
    command = [str(SERVER), "--source", "main.py", "--target", target]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=project, env=env, stdout=output, stderr=output)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, project / f"{target}-server.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        output.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"functions-framework exited ({process.returncode}):\n{output.read_text()}")
        try:
            send(url + "/robots.txt")  # any answer means it is serving
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"functions-framework did not start in {STARTUP_SECONDS}s:\n{output.read_text()}")


def seen(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def pubsub(number: int, data: dict[str, Any]) -> CloudEvent:
    """A Pub/Sub CloudEvent as Eventarc sends it."""
    message = {
        "data": base64.b64encode(json.dumps(data).encode()).decode(),
        "messageId": f"m-{number}",
        "publishTime": "2024-05-01T12:00:00.000Z",
    }
    return CloudEvent(
        {
            "id": f"ce-{number}",
            "source": "//pubsub.googleapis.com/projects/my-project/topics/orders",
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "time": "2024-05-01T12:00:00.000Z",
            "datacontenttype": "application/json",
        },
        {"message": message, "subscription": "projects/my-project/subscriptions/orders-sub"},
    )


Convert = Callable[[CloudEvent], tuple[dict[str, str], bytes]]


def test_an_http_target(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "seen.jsonl"
    with running(project, "create_order", log) as url:
        body = json.dumps({"qty": 2}).encode()
        status, headers, answer = send(
            url + "/orders/7", method="POST", data=body, **{"Content-Type": "application/json"}
        )
        assert (status, json.loads(answer)) == (201, {"id": "7", "created": True})
        assert headers["content-type"] == "application/json"
        status, headers, answer = send(url + "/orders/7/items")
        assert (status, headers["content-type"]) == (404, "application/problem+json")
        assert send(url + "/orders/7")[0] == 405
    assert seen(log) == [{"function": "create_order", "id": "7", "body": {"qty": 2}}]


@pytest.mark.parametrize("convert", [to_binary, to_structured], ids=["binary", "structured"])
def test_a_cloudevent_target(project: Path, tmp_path: Path, convert: Convert) -> None:
    log = tmp_path / "seen.jsonl"
    with running(project, "ship", log) as url:
        # Served as a CloudEvent function, not as HTTP: only POST is routed.
        assert send(url + "/")[0] == 405
        headers, body = convert(pubsub(1, {"id": "o1"}))
        assert send(url + "/", method="POST", data=body, **headers)[0] == 200
        headers, body = convert(pubsub(2, {"id": "o2", "fail": True}))
        assert send(url + "/", method="POST", data=body, **headers)[0] == 500  # redelivered
    assert seen(log) == [
        {"function": "ship", "id": "m-1", "data": {"id": "o1"}, "source": "orders"},
        {"function": "ship", "id": "m-2", "data": {"id": "o2", "fail": True}, "source": "orders"},
    ]
