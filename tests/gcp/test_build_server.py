"""A built project served by the real functions-framework: ``functions-framework --source
main.py --target NAME`` in a subprocess, in the project directory, as Cloud Functions
runs it (on 127.0.0.1 here). Every wait has a timeout, so a broken server fails the test
instead of hanging it."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cloudevents.conversion import to_binary

from portafunc._loader import load_app
from portafunc.providers import BuildSpec
from portafunc_gcp._provider import provider
from portafunc_gcp.testing import storage_event

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
SERVER = Path(sys.executable).parent / "functions-framework"
STARTUP_SECONDS = 30.0
REQUEST_SECONDS = 10.0
Answer = tuple[int, bytes]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop, copied and built for GCP."""
    directory = tmp_path_factory.mktemp("gcp-build")
    for name in ("app.py", "store.py"):
        shutil.copy(SHOP / name, directory / name)
    app = load_app(f"{SHOP / 'app.py'}:app")
    provider.build(app, BuildSpec("app:app", ()), directory)
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
            return response.status, response.read()
    except urllib.error.HTTPError as error:  # a 4xx or 5xx answer
        with error:
            return error.code, error.read()


@contextmanager
def serving(project: Path, target: str) -> Iterator[str]:
    """The base URL of functions-framework serving ``target`` of ``project``'s main.py."""
    port = free_port()
    log = project / f"{target}-server.log"
    path = [str(project), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    command = [str(SERVER), "--source", "main.py", "--target", target]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=output, stderr=output)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"functions-framework exited ({process.returncode}):\n{log.read_text()}")
        try:
            send(url + "/robots.txt")  # any answer means it is serving
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"functions-framework did not start in {STARTUP_SECONDS}s:\n{log.read_text()}")


def test_the_app_entry_serves_every_route(project: Path) -> None:
    with serving(project, "shop") as url:
        assert send(url + "/health") == (200, b"ok")
        order = {
            "id": 7,
            "customer": "ada",
            "items": [{"sku": "MUG-01", "qty": 1, "price_cents": 1200}],
        }
        body = json.dumps(order).encode()
        status, answer = send(
            url + "/tenants/t1/orders",
            method="POST",
            data=body,
            **{"Content-Type": "application/json"},
        )
        assert (status, json.loads(answer)) == (201, order)
        status, answer = send(url + "/tenants/t1/orders/7?with_total=true")
        assert (status, json.loads(answer)["total_cents"]) == (200, 1200)
        assert send(url + "/nowhere")[0] == 404


def test_a_storage_entry_serves_cloud_events(project: Path) -> None:
    with serving(project, "price_list") as url:
        assert send(url + "/")[0] == 405  # a CloudEvent function: only POST is routed
        headers, body = to_binary(storage_event("uploads", "prices.csv", size=3))
        assert send(url + "/", method="POST", data=body, **headers)[0] == 200
