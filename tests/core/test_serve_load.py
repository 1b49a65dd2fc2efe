"""``portafunc serve`` under load: concurrent real HTTP over loopback, zero errors.

Issue 8, part 6. The server runs as ``python -m portafunc.cli serve`` in a subprocess on
127.0.0.1 and a free port; 16 threads send 400 requests, mixed GET/POST with some 404,
405, 413 and 422 answers, half of them on kept-alive connections and half on a fresh
connection each. Every request must get an answer (no transport error) with the status
and body expected, the whole run within a total timeout, and the server must log each
request once. A 413 (its body left unread) closes its connection: the client must be
told so, and must read the answer rather than find the connection reset.
"""

from __future__ import annotations

import http.client
import json
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 10  # any one wait
TOTAL = 30  # the whole load
THREADS = 16
REQUESTS = 400

APP_SOURCE = """
import time
from typing import Annotated

from pydantic import BaseModel, Field

from portafunc import App, Query

app = App("loaded", max_body_size=4096)


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


@app.get("/hello")
def hello(name: Annotated[str, Query()] = "world") -> str:
    return f"hello {name}"


@app.get("/items/{id}")
def item(id: int) -> dict[str, int]:
    time.sleep(0.001)
    return {"id": id}


@app.post("/orders", status=201)
def create_order(order: Order) -> Order:
    return order
"""


@dataclass(frozen=True)
class Case:
    """One request and the answer it must get."""

    method: str
    path: str
    body: bytes | None
    status: int
    expected: bytes | None  # the exact body, or None: a problem with this status


def case(n: int) -> Case:
    """Request ``n`` of the mix: of every 20, 10 200s, 4 201s, 3 422s and one each of
    404, 405 and 413."""
    kind = n % 20
    if kind < 6:
        return Case("GET", f"/hello?name=n{n}", None, 200, f"hello n{n}".encode())
    if kind < 10:
        return Case("GET", f"/items/{n}", None, 200, f'{{"id":{n}}}'.encode())
    if kind < 14:
        order = json.dumps({"id": f"o{n}", "qty": n + 1}, separators=(",", ":")).encode()
        return Case("POST", "/orders", order, 201, order)
    if kind < 16:
        return Case("POST", "/orders", json.dumps({"id": "x", "qty": 0}).encode(), 422, None)
    if kind == 16:
        return Case("GET", f"/items/not-a-number-{n}", None, 422, None)
    if kind == 17:
        return Case("GET", f"/missing/{n}", None, 404, None)
    if kind == 18:
        return Case("DELETE", "/hello", None, 405, None)
    return Case("POST", "/orders", b"x" * 5000, 413, None)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """``portafunc serve`` of APP_SOURCE: (host, port, its stderr's file); stopped after."""
    (tmp_path / "loaded.py").write_text(textwrap.dedent(APP_SOURCE))
    command = [sys.executable, "-m", "portafunc.cli", "serve", "loaded.py:app", "--port", "0"]
    stderr_path = tmp_path / "stderr.txt"
    lines: queue.Queue[str] = queue.Queue()
    with (
        stderr_path.open("w") as stderr,
        subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as process,
    ):
        reader = threading.Thread(target=_read_lines, args=(process, lines))
        reader.start()
        try:
            first = lines.get(timeout=TIMEOUT)
            assert first.startswith("portafunc: serving loaded on http://127.0.0.1:")
            port = int(first.rstrip().rsplit(":", 1)[1])
            yield "127.0.0.1", port, stderr_path
            process.send_signal(signal.SIGINT)
            assert process.wait(TIMEOUT) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(TIMEOUT)
            reader.join(TIMEOUT)


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    for line in process.stdout or ():
        lines.put(line)


def send(connection: http.client.HTTPConnection, request: Case) -> tuple[int, str, bytes]:
    headers = {"content-type": "application/json"} if request.body is not None else {}
    connection.request(request.method, request.path, body=request.body, headers=headers)
    response = connection.getresponse()
    return response.status, response.getheader("content-type", ""), response.read()


def check(request: Case, status: int, content_type: str, body: bytes) -> None:
    assert status == request.status, (request, body)
    if request.expected is not None:
        assert body == request.expected, request
    else:
        assert content_type == "application/problem+json", request
        assert json.loads(body)["status"] == request.status


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_concurrent_requests_get_every_answer(server: tuple[str, int, Path]) -> None:
    host, port, stderr_path = server
    deadline = time.monotonic() + TOTAL
    per_thread = REQUESTS // THREADS

    def work(thread: int) -> int:
        keep_alive = thread % 2 == 0
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            for k in range(per_thread):
                request = case(thread * per_thread + k)
                if not keep_alive:
                    connection.close()  # the next request opens a fresh one
                check(request, *send(connection, request))
                assert time.monotonic() < deadline, "the load took longer than TOTAL seconds"
        finally:
            connection.close()
        return per_thread

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(work, thread) for thread in range(THREADS)]
        answered = sum(future.result(timeout=TOTAL) for future in futures)
    assert answered == REQUESTS

    statuses = [case(n).status for n in range(REQUESTS)]
    assert {status: statuses.count(status) for status in sorted(set(statuses))} == {
        200: 200,
        201: 80,
        404: 20,
        405: 20,
        413: 20,
        422: 60,
    }
    _assert_each_request_logged(stderr_path, statuses)


def _assert_each_request_logged(stderr_path: Path, statuses: list[int]) -> None:
    """The server logs every answer once (before writing it), with its status."""
    logged = [json.loads(line) for line in stderr_path.read_text().splitlines()]
    access = [entry for entry in logged if entry["logger"] == "portafunc.serve"]
    others = [entry for entry in logged if entry["logger"] != "portafunc.serve"]
    assert sorted(entry["status"] for entry in access) == sorted(statuses)
    assert all(entry["level"] in ("INFO", "WARNING") for entry in others), others
