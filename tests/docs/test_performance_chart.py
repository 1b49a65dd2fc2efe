"""docs/performance_chart.py: the benchmark tables and chart of docs/performance.md.

The script is not a package: it is loaded by path, and fed a small synthetic
pytest-benchmark JSON (and cold-start JSON) whose ratios are known.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "performance_chart.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMES = "\N{MULTIPLICATION SIGN}"

#: (group, name, median in µs, rounds)
BENCHMARKS = [
    ("aws-http-v2", "test_http_v2_handwritten", 10.0, 1000),
    ("aws-http-v2", "test_http_v2_portafunc", 18.0, 900),
    ("aws-http-v2", "test_http_v2_powertools_validated", 99.0, 80),
    ("aws-http-v2", "test_http_v2_powertools_unvalidated", 40.0, 300),
    ("azure-http", "test_http_handwritten", 20.0, 500),
    ("azure-http", "test_http_portafunc", 40.0, 400),
    ("gcp-pubsub", "test_pubsub_bare_function", 100.0, 50),
    ("gcp-pubsub", "test_pubsub_portafunc", 105.0, 60),
    ("routing", "test_handle_http[2-routes]", 5.0, 2000),
    ("routing", "test_handle_http[200-routes]", 6.0, 2000),
    ("routing", "test_router_match[2-routes]", 2.0, 9000),
    ("routing", "test_router_match[200-routes]", 4.0, 9000),
    # async faster than sync, so that "the fastest row" would be the wrong baseline
    ("async", "test_handle_http[async]", 4.0, 100),
    ("async", "test_handle_http[sync]", 5.0, 100),
    ("mystery", "test_mystery_slow_path", 30.0, 10),
    ("mystery", "test_mystery_fast_path", 10.0, 12),
]
COLDSTART = {
    "python": "3.11.7",
    "machine": "test machine",
    "runs": 5,
    "budget": 1.15,
    "rows": [
        # the row's own ratio (the median of pairwise ratios) wins over 110 / 100
        {"provider": "aws", "portafunc_ms": 110.0, "plain_ms": 100.0, "ratio": 1.12},
        # without one, the ratio of the medians
        {"provider": "azure", "portafunc_ms": 260.0, "plain_ms": 200.0},
    ],
}


@pytest.fixture(scope="module")
def chart() -> Iterator[ModuleType]:
    """The script as a module (registered while in use: dataclasses look it up)."""
    spec = importlib.util.spec_from_file_location("performance_chart", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture
def bench_json(tmp_path: Path) -> Path:
    benchmarks = [
        {"group": group, "name": name, "stats": {"median": us / 1e6, "rounds": rounds}}
        for group, name, us, rounds in BENCHMARKS
    ]
    info: dict[str, Any] = {"python_implementation": "CPython", "python_version": "3.11.7"}
    info |= {"system": "Linux", "cpu": {"brand_raw": "Test CPU", "count": 2}}
    data = {"machine_info": info, "benchmarks": benchmarks, "datetime": "2025-01-02T03:04:05"}
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def coldstart_json(tmp_path: Path) -> Path:
    path = tmp_path / "coldstart.json"
    path.write_text(json.dumps(COLDSTART), encoding="utf-8")
    return path


def section(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the table under ``heading``, as lists of cells (x for the sign)."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("### "):
            break
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([cell.strip().replace(TIMES, "x") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header


def run(chart: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert chart.main(argv) == 0
    return capsys.readouterr().out


@pytest.fixture
def markdown(
    chart: ModuleType, bench_json: Path, coldstart_json: Path, capsys: pytest.CaptureFixture[str]
) -> str:
    return run(chart, [str(bench_json), "--coldstart", str(coldstart_json), "--no-png"], capsys)


def test_group_table_labels_medians_ratios_rounds(markdown: str) -> None:
    assert section(markdown, "### `aws-http-v2`") == [
        ["hand-written", "10.00", "1.00x (baseline)", "1,000"],
        ["portafunc", "18.00", "1.80x", "900"],
        ["powertools validated", "99.00", "9.90x", "80"],
        ["powertools unvalidated", "40.00", "4.00x", "300"],
    ]


def test_bare_function_is_the_baseline(markdown: str) -> None:
    rows = section(markdown, "### `gcp-pubsub`")
    assert rows == [
        ["bare function", "100.00", "1.00x (baseline)", "50"],
        ["portafunc", "105.00", "1.05x", "60"],
    ]


def test_routing_rows_are_against_two_routes_of_the_same_test(markdown: str) -> None:
    ratios = {row[0]: row[2] for row in section(markdown, "### `routing`")}
    assert ratios == {
        "handle http (2-routes)": "1.00x (baseline)",
        "handle http (200-routes)": "1.20x",
        "router match (2-routes)": "1.00x (baseline)",
        "router match (200-routes)": "2.00x",
    }


def test_async_is_against_sync(markdown: str) -> None:
    ratios = {row[0]: row[2] for row in section(markdown, "### `async`")}
    assert ratios == {"handle http (async)": "0.80x", "handle http (sync)": "1.00x (baseline)"}


def test_an_unknown_group_is_against_its_fastest_row(markdown: str) -> None:
    ratios = {row[0]: row[2] for row in section(markdown, "### `mystery`")}
    assert ratios == {"slow path": "3.00x", "fast path": "1.00x (baseline)"}


def test_the_run_is_described(markdown: str) -> None:
    assert markdown.startswith("One run: Test CPU, 2 CPUs, CPython 3.11.7, Linux, 2025-01-02.")


def test_cold_start_table(markdown: str) -> None:
    assert section(markdown, "### cold start") == [
        ["aws", "100.0", "110.0", "1.12x"],
        ["azure", "200.0", "260.0", "1.30x"],
    ]


def test_budgets_met_missed_and_not_measured(markdown: str) -> None:
    budgets = {
        (row[0], row[1]): (row[2], row[3]) for row in section(markdown, "### budgets (DESIGN §7)")
    }
    assert budgets[("aws-http-v2", "portafunc ≤ 2x hand-written")] == ("1.80x", "yes")
    assert budgets[("aws-http-v2", "Powertools (validated) ≥ 5x portafunc")] == ("5.50x", "yes")
    assert budgets[("azure-http", "portafunc ≤ 1.5x hand-written")] == ("2.00x", "no")
    assert budgets[("gcp-pubsub", "portafunc ≤ 1.1x bare function")] == ("1.05x", "yes")
    assert budgets[("routing", "200 routes ≤ 1.5x 2 routes")] == ("1.20x", "yes")
    assert budgets[("routing (Router.match)", "200 routes ≤ 1.5x 2 routes")] == ("2.00x", "no")
    assert budgets[("cold start (aws)", "portafunc ≤ 1.15x plain handler")] == ("1.12x", "yes")
    assert budgets[("cold start (azure)", "portafunc ≤ 1.15x plain handler")] == ("1.30x", "no")
    assert budgets[("cold start (gcp)", "portafunc ≤ 1.15x plain handler")] == (
        "not measured",
        "n/a",
    )
    assert budgets[("gcp-http", "portafunc ≤ 1.1x bare function")] == ("not measured", "n/a")
    assert budgets[("aws-sqs-10", "portafunc < 1x Powertools BatchProcessor")][1] == "n/a"


def test_a_strict_budget_is_missed_at_its_limit(chart: ModuleType) -> None:
    budget = next(b for b in chart.BUDGETS if b.compare == "<")
    assert budget.met(0.99)
    assert not budget.met(1.0)


def test_without_cold_start_its_budgets_are_not_measured(
    chart: ModuleType, bench_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = run(chart, [str(bench_json), "--no-png"], capsys)
    assert "### cold start" not in markdown
    budgets = {row[0]: row[3] for row in section(markdown, "### budgets (DESIGN §7)")}
    assert budgets["cold start (aws)"] == "n/a"


def test_clusters_are_provider_groups_and_cold_starts(chart: ModuleType, bench_json: Path) -> None:
    rows, _ = chart.load_rows(bench_json)
    found = chart.clusters(rows, COLDSTART)
    titles = [cluster.title for cluster in found]
    assert titles == [
        "aws-http-v2",
        "azure-http",
        "gcp-pubsub",
        "cold start (aws)",
        "cold start (azure)",
    ]
    http = found[0]
    assert [(bar.label, bar.role) for bar in http.bars] == [
        ("hand-written", "baseline"),
        ("portafunc", "portafunc"),
        ("powertools validated", "powertools"),
        ("powertools unvalidated", "powertools"),
    ]
    assert [round(bar.ratio, 2) for bar in http.bars] == [1.0, 1.8, 9.9, 4.0]
    assert [cluster.budget for cluster in found] == [2.0, 1.5, 1.1, 1.15, 1.15]
    cold = [[(bar.label, round(bar.ratio, 2)) for bar in cluster.bars] for cluster in found[3:]]
    assert cold == [
        [("plain handler", 1.0), ("portafunc", 1.12)],
        [("plain handler", 1.0), ("portafunc", 1.3)],
    ]


def test_tables_to_a_file_and_the_png(
    chart: ModuleType,
    bench_json: Path,
    coldstart_json: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    png, tables = tmp_path / "out" / "chart.png", tmp_path / "tables.md"
    argv = [str(bench_json), "--coldstart", str(coldstart_json), "--png", str(png)]
    assert run(chart, [*argv, "--tables", str(tables)], capsys) == ""
    assert "### budgets (DESIGN §7)" in tables.read_text(encoding="utf-8")
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert 10_000 < len(data) < 200_000


def test_no_png_writes_none(
    chart: ModuleType, bench_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "chart.png"
    run(chart, [str(bench_json), "--png", str(png), "--no-png"], capsys)
    assert not png.exists()


def test_labels(chart: ModuleType) -> None:
    def label(group: str, name: str) -> Any:
        return chart.label(chart.Row(group, name, 1.0, 1))

    assert (
        label("aws-sqs-10", "test_sqs_powertools_batch_processor") == "powertools batch processor"
    )
    assert label("aws-rest-v1", "test_rest_v1_handwritten") == "hand-written"
    assert label("http-post", "test_portafunc_handle_http") == "portafunc handle http"
    assert label("gcp-http", "test_http") == "http"
