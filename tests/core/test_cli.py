"""The ``portafunc`` command line (portafunc.cli) and how it loads APP (portafunc._loader)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import portafunc
from portafunc import PortafuncError, providers
from portafunc._loader import load_app
from portafunc.app import Function
from portafunc.cli import main

SHOP = """
from pydantic import BaseModel

from helpers import QUEUE  # a sibling module: the file's directory is on sys.path
from portafunc import App, Message, ScheduleEvent, StorageEvent

app = App("shop")
other = App("other")
not_an_app = 42


class Order(BaseModel):
    id: str


@app.post("/orders", status=201, timeout=10, memory=256)
def create_order(order: Order) -> Order:
    return order


@app.queue(QUEUE, batch_size=5, max_attempts=3)
def ship(msg: Message[Order]) -> None: ...


@app.storage("uploads", events=("created", "deleted"))
def on_upload(event: StorageEvent) -> None: ...


@app.schedule("*/5 * * * *")
def every_five_minutes(event: ScheduleEvent) -> None: ...
"""


@pytest.fixture
def isolated() -> Iterator[None]:
    """Undo what loading an app does to sys.path and sys.modules."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith(("_portafunc_app_", "pfcli_", "helpers")):
            del sys.modules[name]


@pytest.fixture
def shop(tmp_path: Path, isolated: None) -> Path:
    (tmp_path / "helpers.py").write_text('QUEUE = "orders"\n')
    path = tmp_path / "shop.py"
    path.write_text(SHOP)
    return path


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


# -- loading APP --------------------------------------------------------------------------


def test_load_file_with_default_attribute(shop: Path) -> None:
    app = load_app(str(shop))
    assert app.name == "shop"
    assert list(app.functions) == ["create_order", "ship", "on_upload", "every_five_minutes"]
    assert app.function("ship").trigger.resource == "orders"


def test_load_file_with_named_attribute(shop: Path) -> None:
    assert load_app(f"{shop}:other").name == "other"


def test_load_relative_file(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(shop.parent)
    assert load_app("shop.py:app").name == "shop"
    assert load_app("./shop.py").name == "shop"


def test_each_file_load_runs_the_module_afresh(shop: Path) -> None:
    assert load_app(str(shop)) is not load_app(str(shop))


def test_load_module(tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pfcli_pkg/__init__.py", "")
    write(tmp_path, "pfcli_pkg/api.py", 'from portafunc import App\nservice = App("svc")\n')
    monkeypatch.chdir(tmp_path)  # the current directory is importable, as with python -m
    assert load_app("pfcli_pkg.api:service").name == "svc"


def test_load_module_with_default_attribute(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "pfcli_single.py", 'from portafunc import App\napp = App("single")\n')
    monkeypatch.chdir(tmp_path)
    assert load_app("pfcli_single").name == "single"


def test_dotted_attribute(tmp_path: Path, isolated: None) -> None:
    source = """
        from types import SimpleNamespace
        from portafunc import App
        holder = SimpleNamespace(app=App("nested"))
    """
    assert load_app(f"{write(tmp_path, 'nested.py', source)}:holder.app").name == "nested"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.py", r"file '.*missing\.py' not found"),
        ("no/such/dir/app.py:app", r"file '.*app\.py' not found"),
        (r"C:\apps\shop.py", r"file '.*C:\\\\apps\\\\shop\.py' not found"),
        ("pfcli_no_such_module:app", r"module 'pfcli_no_such_module' not found"),
        ("pfcli_no_such_module.sub", r"module 'pfcli_no_such_module\.sub' not found"),
        ("json:loads", r"json:loads is not a portafunc App \(got a value of type function\)"),
        ("json:JSONDecoder", r"json:JSONDecoder is not a portafunc App \(got a class\)"),
        ("json:nothing", r"'json' has no attribute 'nothing'"),
        (":app", r"':app' names no module"),
        ("not a module", r"'not a module' is neither a \.py file nor a module name"),
    ],
)
def test_loader_errors(spec: str, message: str, isolated: None) -> None:
    with pytest.raises(PortafuncError, match=message):
        load_app(spec)


def test_missing_attribute_names_the_apps_there(shop: Path) -> None:
    with pytest.raises(
        PortafuncError, match=r"has no attribute 'api' \(App objects in it: app, other\)"
    ):
        load_app(f"{shop}:api")


def test_attribute_that_is_not_an_app(shop: Path) -> None:
    with pytest.raises(
        PortafuncError,
        match=r"shop\.py:not_an_app is not a portafunc App \(got a value of type int\)",
    ):
        load_app(f"{shop}:not_an_app")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("raise ValueError('kaput')", r"cannot import '.*broken\.py': ValueError: kaput"),
        ("def (:", r"cannot import '.*broken\.py': SyntaxError: "),
        ("import pfcli_missing_dependency", r"ModuleNotFoundError: No module named 'pfcli_missing"),
        (
            "from portafunc import App\napp = App('x')\n@app.queue('')\ndef f() -> None: ...",
            r"cannot import '.*broken\.py': DeclarationError: .*broken\.py:\d+, function 'f'",
        ),
    ],
)
def test_import_errors_carry_the_original_message(
    tmp_path: Path, isolated: None, source: str, message: str
) -> None:
    path = write(tmp_path, "broken.py", source)
    with pytest.raises(PortafuncError, match=message):
        load_app(str(path))
    assert not [name for name in sys.modules if name.startswith("_portafunc_app_broken")]


def test_module_whose_own_import_fails(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "pfcli_needs.py", "import pfcli_absent_dependency\n")
    monkeypatch.chdir(tmp_path)
    message = (
        r"cannot import module 'pfcli_needs': ModuleNotFoundError: No module named 'pfcli_absent"
    )
    with pytest.raises(PortafuncError, match=message):
        load_app("pfcli_needs:app")
    write(tmp_path, "pfcli_fails.py", "1 / 0\n")
    with pytest.raises(PortafuncError, match=r"'pfcli_fails': ZeroDivisionError: division by zero"):
        load_app("pfcli_fails")


# -- portafunc inspect --------------------------------------------------------------------


def test_inspect_table(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(shop)]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["FUNCTION", "TRIGGER", "SETTINGS", "AWS", "AZURE", "GCP"]
    assert [row.split()[0] for row in rows] == [
        "create_order",
        "ship",
        "on_upload",
        "every_five_minutes",
    ]
    create, ship, upload, schedule = rows
    assert "http POST /orders" in create
    assert "timeout=10s memory=256MB" in create
    assert "batch_size=5 max_attempts=3" in ship
    for expected in (
        "queue orders",
        "SQS queue orders",
        "Storage Queue orders",
        "Pub/Sub topic orders",
    ):
        assert expected in ship
    assert "storage uploads (created, deleted)" in upload
    assert "S3 bucket uploads" in upload
    assert "EventBridge schedule */5 * * * *" in schedule
    assert " - " in schedule  # no settings
    for column in ("TRIGGER", "SETTINGS", "AWS", "AZURE", "GCP"):  # aligned columns
        start = header.index(column)
        assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)
    assert all(line == line.rstrip() for line in rows)


def test_inspect_json(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(shop), "--json"]) == 0
    inventory = json.loads(capsys.readouterr().out)
    assert inventory["app"] == "shop"
    assert inventory["providers"] == ["aws", "azure", "gcp"]
    ship = inventory["functions"][1]
    assert ship["name"] == "ship"
    assert ship["trigger"] == {"kind": "queue", "resource": "orders", "description": "queue orders"}
    assert ship["settings"] == {"batch_size": 5, "max_attempts": 3}
    assert ship["where"].startswith(f"{shop}:")
    assert ship["providers"] == {
        "aws": "SQS queue orders",
        "azure": "Storage Queue orders",
        "gcp": "Pub/Sub topic orders",
    }


class FussyProvider:
    name = "fussy"

    def describe(self, function: Function) -> str:
        if function.trigger.kind == "schedule":
            raise PortafuncError("no schedules here")
        return f"fussy {function.name}"


def test_inspect_provider_that_cannot_deploy_a_function(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portafunc.cli.installed", lambda: {"fussy": FussyProvider()})
    assert main(["inspect", str(shop)]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "FUSSY"
    assert rows[0].endswith("fussy create_order")
    assert rows[-1].endswith("unsupported: no schedules here")


def test_inspect_app_without_functions(
    tmp_path: Path, isolated: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "empty.py", "from portafunc import App\napp = App('empty')\n")
    assert main(["inspect", str(path)]) == 0
    assert capsys.readouterr().out == "app 'empty' declares no functions\n"
    assert main(["inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["functions"] == []


# -- errors, --version, usage -------------------------------------------------------------


# Each command with the arguments it needs besides APP.
COMMANDS = {
    "inspect": [],
    "serve": [],
    "invoke": ["f", "--provider", "aws", "--event", "-"],
    "build": ["--provider", "aws", "--out", "never-written"],
    "openapi": [],
    "check": ["--provider", "aws"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_errors_are_one_line_and_exit_2(
    tmp_path: Path, isolated: None, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = write(tmp_path, "bad.py", "raise RuntimeError('first line\\nsecond line')\n")
    assert main([command, str(path), *COMMANDS[command]]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("portafunc: error: cannot import ")
    assert captured.err.endswith("RuntimeError: first line; second line\n")
    assert captured.err.count("\n") == 1
    assert not (tmp_path / "never-written").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_app_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert main([command, str(tmp_path / "nope.py"), *COMMANDS[command]]) == 2
    assert (
        capsys.readouterr().err
        == f"portafunc: error: file {str(tmp_path / 'nope.py')!r} not found\n"
    )


@pytest.mark.parametrize("command", ["invoke", "build", "check"])
def test_local_is_not_a_cloud(shop: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    argv = [command, str(shop), *COMMANDS[command]]
    argv[argv.index("aws")] = "local"
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "portafunc: error: --provider local runs nothing in a cloud: choose aws, azure or gcp\n"
    )


@pytest.mark.parametrize("command", ["invoke", "build", "check", "serve"])
def test_a_missing_adapter_says_what_to_install(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setattr(providers, "installed", dict)
    argv = [command, str(shop), *COMMANDS[command]]
    if "aws" not in argv:
        argv += ["--provider", "aws"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "portafunc: error: no portafunc adapter for 'aws' is installed: "
        "pip install portafunc-aws (or portafunc[aws])\n"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as exit:
        main([command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: portafunc {command} ")
    assert "APP" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"portafunc {portafunc.__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["inspect"],
        ["serve", "app.py", "--port", "65536"],
        ["serve", "app.py", "--port", "-1"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert "usage: portafunc" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command} " in out


def test_importing_portafunc_does_not_import_the_cli() -> None:
    code = (
        "import sys, portafunc; print(sorted(m for m in sys.modules if m.startswith('portafunc.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = result.stdout
    assert "portafunc.cli" not in loaded
    assert "portafunc._serve" not in loaded
    assert "portafunc._loader" not in loaded
    assert "portafunc.openapi" not in loaded
