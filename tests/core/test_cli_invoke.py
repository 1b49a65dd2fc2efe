"""``portafunc invoke`` and ``portafunc check``: what they hand a provider, what they
print, their exit codes and their errors; a fake provider stands in for the adapters,
then the installed adapters run real payloads from tests/payloads."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, PortafuncError, UnsupportedEvent, providers
from portafunc.cli import main
from portafunc.providers import Finding

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"

APP = """
from portafunc import App, Event, Message

app = App("tiny")


@app.queue("orders")
def ship(msg: Message[bytes]) -> None: ...


@app.event(type="recordInserted")
def inserted(event: Event[dict]) -> None: ...


@app.get("/hello")
def hello() -> str:
    return "hi"
"""


class Fake:
    """A provider whose invoke and check answer what the test sets."""

    name = "fake"

    def __init__(self) -> None:
        self.answer: Any = ({"batchItemFailures": []}, True)
        self.findings: list[Finding] | PortafuncError = []
        self.calls: list[tuple[str, str, Any]] = []

    def invoke(self, app: App, function: str, payload: Any) -> tuple[Any, bool]:
        self.calls.append((app.name, function, payload))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer  # type: ignore[no-any-return]

    def check(self, app: App) -> list[Finding]:
        if isinstance(self.findings, PortafuncError):
            raise self.findings
        return self.findings


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    provider = Fake()
    monkeypatch.setattr(providers, "installed", lambda: {"fake": provider})
    monkeypatch.setattr("portafunc.log.configure", lambda: None)
    return provider


@pytest.fixture
def app_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "tiny.py"
    path.write_text(APP)
    modules, sys_path = set(sys.modules), list(sys.path)
    yield path
    sys.path[:] = sys_path
    for name in set(sys.modules) - modules:
        if name.startswith("_portafunc_app_"):
            del sys.modules[name]


def event_file(tmp_path: Path, content: Any) -> str:
    path = tmp_path / "event.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def invoke(app_file: Path, event: str, function: str = "ship", provider: str = "fake") -> int:
    return main(["invoke", str(app_file), function, "--provider", provider, "--event", event])


# -- invoke ---------------------------------------------------------------------------------


def test_invoke_prints_the_provider_result(
    app_file: Path, fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(app_file, event_file(tmp_path, {"Records": [1]})) == 0
    assert fake.calls == [("tiny", "ship", {"Records": [1]})]
    assert json.loads(capsys.readouterr().out) == {"batchItemFailures": []}


def test_invoke_exits_1_when_the_function_failed(
    app_file: Path, fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.answer = ({"batchItemFailures": [{"itemIdentifier": "m1"}]}, False)
    assert invoke(app_file, event_file(tmp_path, {})) == 1
    assert json.loads(capsys.readouterr().out)["batchItemFailures"] == [{"itemIdentifier": "m1"}]


def test_invoke_reads_stdin(
    app_file: Path, fake: Fake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'[{"a": 1}]'))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert invoke(app_file, "-") == 0
    assert fake.calls[0][2] == [{"a": 1}]


def test_invoke_renders_values_json_cannot(
    app_file: Path, fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moment = datetime(2024, 5, 1, tzinfo=timezone.utc)
    fake.answer = ({"at": moment, "body": b"raw", "other": object}, True)
    assert invoke(app_file, event_file(tmp_path, {})) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["at"] == "2024-05-01T00:00:00Z"
    assert result["body"] == "raw"
    assert result["other"] == "<class 'object'>"


def test_invoke_a_handler_error_that_escapes_the_adapter(
    app_file: Path, fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.answer = RuntimeError("boom")
    assert invoke(app_file, event_file(tmp_path, {})) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" in captured.err
    assert captured.err.endswith("portafunc: ship failed: RuntimeError\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"--event .*event\.json is not JSON \(Expecting property name"),
        ("", r"--event .*event\.json is not JSON \(Expecting value"),
    ],
)
def test_invoke_a_payload_that_is_not_json(
    app_file: Path,
    fake: Fake,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    assert invoke(app_file, event_file(tmp_path, content)) == 2
    err = capsys.readouterr().err
    assert err.startswith("portafunc: error: ")
    assert err.endswith("; expected the provider's event payload as JSON\n")
    assert re.search(message, err)
    assert fake.calls == []


@pytest.mark.parametrize(
    ("function", "event", "provider", "message"),
    [
        ("ship", "missing.json", "fake", "cannot read --event missing.json: No such file"),
        ("nope", None, "fake", "app 'tiny' has no function 'nope' (ship, inserted, hello)"),
        ("ship", None, "gcp", "no portafunc adapter for 'gcp' is installed: pip install"),
    ],
)  # fmt: skip
def test_invoke_errors(
    app_file: Path,
    fake: Fake,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    function: str,
    event: str | None,
    provider: str,
    message: str,
) -> None:
    path = event or event_file(tmp_path, {})
    assert invoke(app_file, path, function, provider) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"portafunc: error: {message}")
    assert err.count("\n") == 1


def test_invoke_a_payload_the_adapter_does_not_recognise(
    app_file: Path, fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.answer = UnsupportedEvent("fake", "an object with keys a, b")
    assert invoke(app_file, event_file(tmp_path, {"a": 1, "b": 2})) == 2
    assert capsys.readouterr().err == (
        "portafunc: error: portafunc-fake does not recognise this payload: "
        "an object with keys a, b\n"
    )


@pytest.mark.parametrize(
    "argv", [["invoke", "a.py", "f", "--provider", "aws"], ["invoke", "a.py", "f", "--event", "-"]]
)
def test_invoke_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert "usage: portafunc invoke" in capsys.readouterr().err


# -- check ----------------------------------------------------------------------------------


def check(app_file: Path) -> int:
    return main(["check", str(app_file), "--provider", "fake"])


def test_check_without_findings(
    app_file: Path, fake: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(app_file) == 0
    assert capsys.readouterr().out == "no findings\n"


def test_check_with_warnings_only(
    app_file: Path, fake: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.findings = [
        Finding("warning", "ship", "redelivered after 30 s"),
        Finding("warning", None, "x"),
    ]
    assert check(app_file) == 0
    assert capsys.readouterr().out == "warning: ship: redelivered after 30 s\nwarning: x\n"


def test_check_with_an_error_exits_1(
    app_file: Path, fake: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.findings = [Finding("warning", "ship", "w"), Finding("error", "hello", "cannot")]
    assert check(app_file) == 1
    assert capsys.readouterr().out.splitlines() == ["warning: ship: w", "error: hello: cannot"]


def test_check_errors(tmp_path: Path, fake: Fake, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "missing.py"), "--provider", "fake"]) == 2
    assert "not found" in capsys.readouterr().err
    fake.findings = PortafuncError("cannot check")
    (tmp_path / "a.py").write_text("from portafunc import App\napp = App('a')\n")
    assert main(["check", str(tmp_path / "a.py"), "--provider", "fake"]) == 2
    assert capsys.readouterr().err == "portafunc: error: cannot check\n"
    with pytest.raises(SystemExit):
        main(["check", str(tmp_path / "a.py")])
    assert "the following arguments are required: --provider" in capsys.readouterr().err


# -- the installed adapters, with real payloads ---------------------------------------------

REAL = [
    ("aws", "ship", "aws/queue/sqs-batch-two-records.json"),
    ("gcp", "ship", "gcp/topic/pubsub-cloudevent-text.json"),
    ("azure", "inserted", "azure/event/eventgrid-schema-custom-topic-event-docs.json"),
]


@pytest.mark.parametrize(("name", "function", "payload"), REAL, ids=[r[0] for r in REAL])
def test_invoke_real_payloads_through_each_adapter(
    app_file: Path, capsys: pytest.CaptureFixture[str], name: str, function: str, payload: str
) -> None:
    adapter = providers.installed().get(name)
    if adapter is None or not callable(getattr(adapter, "invoke", None)):
        pytest.skip(f"the {name} adapter does not implement invoke yet")
    assert invoke(app_file, str(PAYLOADS / payload), function, name) == 0
    json.loads(capsys.readouterr().out)  # the provider-format result, as JSON


@pytest.mark.parametrize("name", ["aws", "azure", "gcp"])
def test_check_the_shop_with_each_adapter(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    adapter = providers.installed().get(name)
    if adapter is None or not callable(getattr(adapter, "check", None)):
        pytest.skip(f"the {name} adapter does not implement check yet")
    shop = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.py"
    modules, sys_path = set(sys.modules), list(sys.path)
    try:
        code = main(["check", str(shop), "--provider", name])
    finally:
        sys.path[:] = sys_path
        for module in set(sys.modules) - modules:
            if module.startswith(("_portafunc_app_", "store")):
                del sys.modules[module]
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines  # the shop deploys everywhere
    assert lines == ["no findings"] or all(line.startswith("warning: ") for line in lines)
