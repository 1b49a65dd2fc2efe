"""``portafunc serve --provider P``: HTTP through the provider's ``http_handler``, raw
payloads through ``POST /_portafunc/events`` and its ``event_handler``.

A fake provider, registered through a real ``portafunc.providers`` entry point (a
``.dist-info`` directory on PYTHONPATH), stands in for the adapters; the installed
adapters run the same tests once they implement the methods. Servers run in a thread
(``make_server``) or as ``python -m portafunc.cli serve`` in a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message as HeaderMessage
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portafunc import providers
from portafunc._loader import load_app
from portafunc._serve import Options, make_server
from portafunc.app import App
from portafunc.cli import main

TIMEOUT = 10

FAKE_PROVIDER = '''
"""A provider for tests: HTTP through the pipeline with a Context of its own, and
a raw payload {"function": NAME, "records": [...]} delivered record by record."""

import json

from portafunc import Message, UnsupportedEvent, pipeline
from portafunc.context import Context
from portafunc.http import HTTPResponse


class FakeProvider:
    name = "fake"

    def describe(self, function):
        return f"fake {function.name}"

    def check(self, app):
        return []

    def invoke(self, app, function, payload):
        return {"function": function, "payload": payload}, True

    def http_handler(self, app, options):
        def handle(request):
            response = pipeline.handle_http(app, request, Context(provider="fake"))
            extra = [("x-provider", "fake"), ("x-options", json.dumps(options))]
            return HTTPResponse(response.status, headers=[*response.headers, *extra],
                                body=response.body)
        return handle

    def event_handler(self, app):
        def handle(body, headers):
            payload = json.loads(body or b"null")
            if not isinstance(payload, dict) or "records" not in payload:
                raise UnsupportedEvent("fake", "a payload without records")
            function = app.function(payload["function"])
            failures = []
            for index, record in enumerate(payload["records"]):
                message = Message(id=str(index), body=json.dumps(record).encode())
                try:
                    pipeline.deliver(app, function, message, Context(provider="fake"))
                except Exception:
                    failures.append(index)
            result = {"failures": failures, "ce_type": headers.get("ce-type")}
            return (207 if failures else 200), result
        return handle

    def build(self, app, spec, project):
        return []


provider = FakeProvider()
'''

APP = """
from pydantic import BaseModel, Field

from portafunc import App, Context, Message

app = App("tiny")


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


@app.get("/hello")
def hello() -> str:
    return "hi"


@app.get("/who")
def who(ctx: Context) -> str:
    return ctx.provider


@app.post("/orders", status=201)
def create_order(order: Order) -> Order:
    return order


@app.queue("orders")
def ship(msg: Message[Order]) -> str:
    if msg.data.id == "fail":
        raise RuntimeError("cannot ship")
    return msg.data.id
"""


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory that, on sys.path, installs the ``fake`` provider's entry point."""
    directory = tmp_path_factory.mktemp("plugins")
    (directory / "pf_fake_provider.py").write_text(FAKE_PROVIDER)
    info = directory / "pf_fake_provider-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pf-fake-provider\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[portafunc.providers]\nfake = pf_fake_provider:provider\n"
    )
    return directory


@pytest.fixture(scope="module")
def fake(plugins: Path) -> Any:
    spec = importlib.util.spec_from_file_location(
        "pf_fake_provider", plugins / "pf_fake_provider.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = ModuleType(spec.name)
    spec.loader.exec_module(module)
    return module.provider


@pytest.fixture(scope="module")
def app_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("app") / "tiny.py"
    path.write_text(APP)
    return path


@pytest.fixture(scope="module")
def tiny(app_file: Path) -> App:
    return load_app(str(app_file))


@contextmanager
def running(app: App, options: Options) -> Iterator[str]:
    server = make_server(app, "127.0.0.1", 0, options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


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


@contextmanager
def served(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """``portafunc serve ARGS --port 0`` in a subprocess: the base URL and its stderr file."""
    command = [sys.executable, "-m", "portafunc.cli", "serve", *args, "--port", "0"]
    lines: queue.Queue[str] = queue.Queue()
    stderr_path = cwd / "stderr.txt"
    with (
        stderr_path.open("w") as stderr,
        subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=stderr, text=True,
            env={**os.environ, **(env or {})},
        ) as process,
    ):  # fmt: skip
        reader = threading.Thread(target=_read_lines, args=(process, lines))
        reader.start()
        try:
            line = lines.get(timeout=TIMEOUT * 3)
            assert line.startswith("portafunc: serving"), stderr_path.read_text()
            yield line.split(" on ")[1].strip(), stderr_path
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                assert process.wait(TIMEOUT) == 0
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(TIMEOUT)
                reader.join(TIMEOUT)


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    for line in process.stdout or ():
        lines.put(line)


def _pythonpath(*directories: Path) -> dict[str, str]:
    existing = os.environ.get("PYTHONPATH")
    return {
        "PYTHONPATH": os.pathsep.join([*map(str, directories), *([existing] if existing else [])])
    }


# -- HTTP through the provider ------------------------------------------------------------


def test_http_goes_through_the_provider(tiny: App, fake: Any) -> None:
    with running(tiny, Options(provider=fake, provider_options={"format": "x"})) as url:
        status, headers, body = fetch("GET", f"{url}/who")
        assert (status, body) == (200, b"fake")
        assert headers["x-provider"] == "fake"
        assert json.loads(headers["x-options"]) == {"format": "x"}
        status, headers, body = fetch("POST", f"{url}/orders", {"id": "a", "qty": 0})
        assert (status, headers["x-provider"]) == (422, "fake")


def test_without_a_provider_http_runs_the_pipeline(tiny: App) -> None:
    with running(tiny, Options()) as url:
        status, headers, body = fetch("GET", f"{url}/who")
    assert (status, body, headers["x-provider"]) == (200, b"local", None)


def test_a_provider_answering_something_else_is_a_500(tiny: App, fake: Any) -> None:
    class Broken:
        name = "broken"

        def http_handler(self, app: App, options: dict[str, str]) -> Any:
            return lambda request: {"status": 200}

        def event_handler(self, app: App) -> Any:
            return None

    with running(tiny, Options(provider=Broken())) as url:  # type: ignore[arg-type]
        status, _, body = fetch("GET", f"{url}/hello")
    assert status == 500
    assert json.loads(body)["title"] == "Internal Server Error"


# -- POST /_portafunc/functions/{name} with a provider --------------------------------------


def test_plain_json_delivery_works_with_a_provider(tiny: App, fake: Any) -> None:
    with running(tiny, Options(provider=fake)) as url:
        status, _, body = fetch("POST", f"{url}/_portafunc/functions/ship", {"id": "a", "qty": 1})
    assert (status, json.loads(body)) == (200, {"ok": True, "result": "a"})


# -- POST /_portafunc/events --------------------------------------------------------------


def test_events_are_dispatched_by_the_provider(tiny: App, fake: Any) -> None:
    payload = {"function": "ship", "records": [{"id": "a", "qty": 1}, {"id": "fail", "qty": 1}]}
    with running(tiny, Options(provider=fake)) as url:
        status, headers, body = fetch(
            "POST", f"{url}/_portafunc/events", payload, {"Ce-Type": "t", "content-type": "x"}
        )
        assert (status, headers["content-type"]) == (207, "application/json")
        assert json.loads(body) == {"failures": [1], "ce_type": "t"}
        payload["records"] = [{"id": "b", "qty": 2}]
        status, _, body = fetch("POST", f"{url}/_portafunc/events", payload)
        assert (status, json.loads(body)) == (200, {"failures": [], "ce_type": None})


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"nothing": 1}, 400, "portafunc-fake does not recognise this payload"),
        ({"function": "nope", "records": []}, 404, "no function is declared for function 'nope'"),
    ],
)
def test_events_the_provider_cannot_dispatch(
    tiny: App, fake: Any, payload: Any, status: int, detail: str
) -> None:
    with running(tiny, Options(provider=fake)) as url:
        got, headers, body = fetch("POST", f"{url}/_portafunc/events", payload)
    assert (got, headers["content-type"]) == (status, "application/problem+json")
    assert detail in json.loads(body)["detail"]


def test_events_need_a_provider_and_post(tiny: App, fake: Any) -> None:
    with running(tiny, Options()) as url:
        status, _, body = fetch("POST", f"{url}/_portafunc/events", {"records": []})
    assert status == 400
    assert "start the server with --provider" in json.loads(body)["detail"]
    with running(tiny, Options(provider=fake)) as url:
        status, headers, _ = fetch("GET", f"{url}/_portafunc/events")
    assert (status, headers["allow"]) == (405, "POST")


def test_an_event_handler_that_crashes_is_a_500(tiny: App) -> None:
    class Crashing:
        name = "crashing"

        def http_handler(self, app: App, options: dict[str, str]) -> Any:
            return None

        def event_handler(self, app: App) -> Any:
            def handle(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
                raise KeyError("secret")

            return handle

    with running(tiny, Options(provider=Crashing())) as url:  # type: ignore[arg-type]
        status, _, body = fetch("POST", f"{url}/_portafunc/events", b"{}")
    assert status == 500
    assert b"secret" not in body


# -- the command line ---------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_cli_serve_through_an_entry_point_provider(app_file: Path, plugins: Path) -> None:
    env = _pythonpath(plugins)
    with served(app_file.parent, "tiny.py", "--provider", "fake", env=env) as (url, stderr):
        status, headers, body = fetch("GET", f"{url}/who")
        assert (status, body, headers["x-provider"]) == (200, b"fake", "fake")
        payload = {"function": "ship", "records": [{"id": "a", "qty": 1}]}
        assert fetch("POST", f"{url}/_portafunc/events", payload)[0] == 200
        assert fetch("POST", f"{url}/_portafunc/functions/ship", {"id": "b", "qty": 1})[0] == 200
    logged = [json.loads(line)["message"] for line in stderr.read_text().splitlines()]
    assert [message.rsplit(" ", 1)[0] for message in logged] == [
        "GET /who 200",
        "POST /_portafunc/events 200",
        "deliver ship 200",
    ]


def test_cli_serve_names_the_missing_adapter(
    app_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(providers, "installed", dict)
    assert main(["serve", str(app_file), "--provider", "azure"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "portafunc: error: no portafunc adapter for 'azure' is installed: "
        "pip install portafunc-azure (or portafunc[azure])\n"
    )


def test_cli_aws_format_needs_aws(app_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(app_file), "--provider", "gcp", "--aws-format", "rest"]) == 2
    assert "--aws-format applies to --provider aws only" in capsys.readouterr().err


def test_cli_passes_the_aws_format(
    app_file: Path, monkeypatch: pytest.MonkeyPatch, fake: Any
) -> None:
    seen: list[tuple[str, Options]] = []

    def serve(app: App, host: str, port: int, options: Options) -> int:
        seen.append((app.name, options))
        return 0

    monkeypatch.setattr(providers, "installed", lambda: {"aws": fake})
    monkeypatch.setattr("portafunc._serve.serve", serve)
    assert main(["serve", str(app_file), "--provider", "aws", "--aws-format", "alb"]) == 0
    assert main(["serve", str(app_file), "--provider", "aws"]) == 0
    assert main(["serve", str(app_file), "--schedules"]) == 0
    assert [(name, o.provider, o.provider_options, o.schedules) for name, o in seen] == [
        ("tiny", fake, {"format": "alb"}, False),
        ("tiny", fake, {"format": "http"}, False),
        ("tiny", None, {}, True),
    ]


# -- the installed adapters ---------------------------------------------------------------


def _adapter(name: str, method: str) -> Any:
    adapter = providers.installed().get(name)
    if adapter is None or not callable(getattr(adapter, method, None)):
        pytest.skip(f"the {name} adapter does not implement {method} yet")
    return adapter


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("aws", ()),
        ("aws", ("--aws-format", "rest")),
        ("aws", ("--aws-format", "alb")),
        ("azure", ()),
        ("gcp", ()),
    ],
    ids=["aws-http", "aws-rest", "aws-alb", "azure", "gcp"],
)
def test_serve_through_each_adapter(app_file: Path, name: str, extra: tuple[str, ...]) -> None:
    _adapter(name, "http_handler")
    with served(app_file.parent, "tiny.py", "--provider", name, *extra) as (url, _):
        assert fetch("GET", f"{url}/hello")[::2] == (200, b"hi")
        assert fetch("GET", f"{url}/who")[::2] == (200, name.encode())
        status, _, body = fetch("POST", f"{url}/orders", {"id": "a", "qty": 2})
        assert (status, json.loads(body)) == (201, {"id": "a", "qty": 2})
        status, headers, body = fetch("POST", f"{url}/orders", {"id": "a", "qty": 0})
        assert (status, headers["content-type"]) == (422, "application/problem+json")
        status, headers, _ = fetch("GET", f"{url}/nowhere")
        assert (status, headers["content-type"]) == (404, "application/problem+json")
        assert fetch("POST", f"{url}/_portafunc/functions/ship", {"id": "b", "qty": 1})[0] == 200


def _sqs(*bodies: Any) -> dict[str, Any]:
    arn = "arn:aws:sqs:us-east-1:123456789012:orders"
    records = [
        {
            "messageId": f"m{index}", "receiptHandle": "h", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": arn, "awsRegion": "us-east-1",
        }
        for index, body in enumerate(bodies)
    ]  # fmt: skip
    return {"Records": records}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_replay_an_sqs_batch_through_aws(app_file: Path) -> None:
    _adapter("aws", "event_handler")
    batch = _sqs({"id": "a", "qty": 1}, {"id": "fail", "qty": 1})
    with served(app_file.parent, "tiny.py", "--provider", "aws") as (url, _):
        status, _, body = fetch("POST", f"{url}/_portafunc/events", batch)
    assert status == 200
    assert json.loads(body) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
