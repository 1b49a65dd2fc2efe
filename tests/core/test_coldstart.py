"""``portafunc coldstart`` (portafunc._coldstart): the app's import in fresh processes.

Times are never asserted, except through budgets no run can miss or meet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portafunc._coldstart import heaviest_imports
from portafunc.cli import main

APP = """
from pydantic import BaseModel

from portafunc import App

app = App("shop")


class Order(BaseModel):
    id: str


@app.post("/orders")
def create_order(order: Order) -> Order:
    return order
"""
AZURE_GCP = {"azure", "google", "functions_framework", "flask", "cloudevents", "werkzeug"}


@pytest.fixture
def shop(tmp_path: Path) -> str:
    path = tmp_path / "shop.py"
    path.write_text(APP)
    return f"{path}:app"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["coldstart", *argv, "--runs", "2", "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def test_text_report(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coldstart", shop, "--runs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"portafunc: cold start of {shop}, 2 fresh processes"
    assert [line.split()[0] for line in lines[1:5]] == ["median", "peak", "SDK", "heaviest"]
    assert lines[3] == "SDK modules  none"
    heaviest = [line.split()[0] for line in lines[5:]]
    assert "pydantic" in heaviest
    assert 1 <= len(heaviest) <= 10


def test_json_report(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, shop)
    assert report["app"] == shop
    assert report["provider"] is None
    assert report["runs"] == 2
    assert report["min_ms"] <= report["median_ms"] <= report["max_ms"]
    assert report["peak_memory_mb"] > 0
    assert report["sdk_modules"] == []
    assert report["budget_ms"] is None
    assert report["within_budget"] is None
    imports = report["heaviest_imports"]
    assert 1 <= len(imports) <= 10
    assert all(set(item) == {"module", "cumulative_us"} for item in imports)
    assert "pydantic" in {item["module"] for item in imports}


def test_aws_loads_no_azure_or_gcp_sdk(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, shop, "--provider", "aws")
    assert report["provider"] == "aws"
    assert not AZURE_GCP & set(report["sdk_modules"])
    assert "portafunc_aws" in {item["module"] for item in report["heaviest_imports"]}


@pytest.mark.parametrize(("budget", "code", "verdict"), [("1", 1, "over"), ("100000", 0, "within")])
def test_budget(
    shop: str, budget: str, code: int, verdict: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coldstart", shop, "--runs", "2", "--budget-ms", budget]) == code
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{verdict} budget: median ")


def test_budget_in_json(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coldstart", shop, "--runs", "2", "--budget-ms", "1", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["budget_ms"], report["within_budget"]) == (1, False)


@pytest.mark.parametrize("suffix", ["shop.py:nope", "missing.py"])
def test_bad_app(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shop.py").write_text(APP)
    assert main(["coldstart", str(tmp_path / suffix), "--runs", "2"]) == 2
    assert capsys.readouterr().err.startswith("portafunc: error: ")


def test_heaviest_imports_counts_a_package_once() -> None:
    # -X importtime prints each import after those it made (post-order), indented by depth.
    stderr = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:         5 |          5 |       json",
        "import time:        10 |         15 |     pydantic.a",
        "import time:        20 |         35 |   pydantic.b",
        "import time:        40 |         75 | pydantic",
        "import time:         7 |          7 | json",
        "something else",
    ])  # fmt: skip
    assert heaviest_imports(stderr) == [("pydantic", 75), ("json", 12)]


def test_an_import_that_never_ends_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "stuck.py"
    path.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr("portafunc._coldstart._TIMEOUT", 0.5)
    assert main(["coldstart", f"{path}:app", "--runs", "1"]) != 0
    assert "took more than 0.5s" in capsys.readouterr().err
