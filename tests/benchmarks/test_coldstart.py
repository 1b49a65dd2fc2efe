"""The cold-start comparison script (``coldstart.py`` beside this file), run once.

Each provider's portafunc and plain modules are imported with one pair of fresh
processes: the test checks what the children report (five functions on each side, no
provider SDK module behind ``import portafunc``) and the report's shape, never a time.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("coldstart.py")
ROW_KEYS = {"provider", "portafunc_ms", "plain_ms", "ratio", "within_budget"}


@pytest.fixture(scope="module")
def coldstart() -> ModuleType:
    """The script, imported from its path (this folder is no package)."""
    spec = importlib.util.spec_from_file_location("coldstart_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def comparison(coldstart: ModuleType) -> tuple[list[Any], Any]:
    """Every provider with one alternated pair, and the ``import portafunc`` check."""
    rows, bare = coldstart.compare(list(coldstart.PROVIDERS), 1)
    return rows, bare


def test_every_provider_has_one_pair(
    coldstart: ModuleType, comparison: tuple[list[Any], Any]
) -> None:
    rows, _bare = comparison
    assert [row.provider for row in rows] == list(coldstart.PROVIDERS)
    for row in rows:
        assert len(row.portafunc_times) == len(row.plain_times) == 1
        assert row.ratio > 0


def test_both_modules_declare_five_functions(comparison: tuple[list[Any], Any]) -> None:
    rows, _bare = comparison
    for row in rows:
        assert (row.provider, row.portafunc.functions) == (row.provider, 5)
        assert (row.provider, row.plain.functions) == (row.provider, 5)


def test_import_portafunc_alone_loads_no_sdk(comparison: tuple[list[Any], Any]) -> None:
    _rows, bare = comparison
    assert bare.sdk_modules == ()


def test_the_sdk_check_sees_an_sdk(coldstart: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "uses_flask.py").write_text("import flask\n")
    found = coldstart.check("uses_flask", "None", tmp_path, tmp_path / "pycache")
    assert "flask" in found.sdk_modules


def test_report_has_the_chart_shape(
    coldstart: ModuleType, comparison: tuple[list[Any], Any]
) -> None:
    rows, _bare = comparison
    report = json.loads(json.dumps(coldstart.report(rows, 1)))
    assert set(report) == {"python", "machine", "runs", "budget", "rows"}
    assert report["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert (report["runs"], report["budget"]) == (1, 1.15)
    for row in report["rows"]:
        assert set(row) == ROW_KEYS
        assert row["portafunc_ms"] > 0
        assert row["plain_ms"] > 0
        assert row["within_budget"] is (row["ratio"] <= 1.15)


def test_table_has_a_line_per_provider(
    coldstart: ModuleType, comparison: tuple[list[Any], Any]
) -> None:
    rows, bare = comparison
    lines: list[str] = coldstart.table(rows, bare, 1).splitlines()
    for provider in coldstart.PROVIDERS:
        assert sum(line.startswith(f"{provider} ") for line in lines) == 1
    assert lines[-1].endswith(": none")


def test_main_writes_the_json_file(coldstart: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "coldstart.json"
    assert coldstart.main(["--runs", "1", "--provider", "aws", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [row["provider"] for row in report["rows"]] == ["aws"]
    assert set(report["rows"][0]) == ROW_KEYS
