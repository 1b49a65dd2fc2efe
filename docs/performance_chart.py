"""The benchmark tables and the chart of ``docs/performance.md``, from one run.

Input: the JSON of one pytest-benchmark run, and optionally the cold-start JSON
(``{"python", "machine", "runs", "budget", "rows": [{"provider", "portafunc_ms",
"plain_ms", ...}]}``). Output: markdown tables (one per benchmark group, then the
budgets of DESIGN §7 and whether this run met them) and a PNG chart of each provider
scenario, every row as time relative to the scenario's hand-written or bare baseline.

Every figure is a ratio between two rows of the same run; no time is compared to a
constant. Usage::

    uv run pytest tests/benchmarks --benchmark-only --benchmark-json=bench.json
    uv run python docs/performance_chart.py bench.json [--coldstart coldstart.json] \\
        [--png docs/performance.png] [--tables tables.md]

matplotlib is imported only to draw the PNG, so ``--no-png`` works without it.
"""

from __future__ import annotations

import argparse
import io
import json
import operator
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Where the chart goes unless ``--png`` says otherwise: beside this script.
DEFAULT_PNG = Path(__file__).resolve().parent / "performance.png"
TIMES = "\N{MULTIPLICATION SIGN}"

# -- the benchmark rows -----------------------------------------------------------------

_NAME = re.compile(r"^(?P<family>[^\[]+)(?:\[(?P<param>.*)\])?$")


@dataclass(frozen=True)
class Row:
    """One benchmark of the run: its group, its test name, its median in seconds."""

    group: str
    name: str
    median: float
    rounds: int

    @property
    def key(self) -> str:
        """How the budgets name this row: ``group/name``."""
        return f"{self.group}/{self.name}"

    @property
    def family(self) -> str:
        """The test function's name, without the parametrization."""
        match = _NAME.match(self.name)
        return match["family"] if match else self.name

    @property
    def param(self) -> str | None:
        """The parametrization id (``2-routes``, ``sync``), if any."""
        match = _NAME.match(self.name)
        return match["param"] if match else None


def load_rows(path: Path) -> tuple[list[Row], dict[str, Any]]:
    """The rows of a pytest-benchmark JSON file, in its order, and its machine info."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        Row(
            group=str(bench["group"] or "ungrouped"),
            name=str(bench["name"]),
            median=float(bench["stats"]["median"]),
            rounds=int(bench["stats"]["rounds"]),
        )
        for bench in data["benchmarks"]
    ]
    info = dict(data.get("machine_info") or {})
    info["datetime"] = data.get("datetime")
    commit = data.get("commit_info") or {}
    info["commit"] = commit.get("id")
    info["dirty"] = bool(commit.get("dirty"))
    return rows, info


def by_group(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """The rows per group, groups and rows in the order the run wrote them."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    return groups


# -- baselines and labels ---------------------------------------------------------------

#: Groups whose baseline is one parametrization of the same test function.
BASELINE_PARAMS = {"routing": "2-routes", "async": "sync"}
#: Elsewhere the baseline is the first row whose name holds one of these words,
#: else the fastest row.
BASELINE_WORDS = ("handwritten", "bare")


def baseline_of(row: Row, rows: Sequence[Row]) -> Row:
    """The row of ``rows`` (``row``'s group) that ``row``'s ratio is taken against."""
    param = BASELINE_PARAMS.get(row.group)
    same_test = [r for r in rows if r.family == row.family and r.param == param]
    if param is not None and same_test:
        return same_test[0]
    marked = [r for r in rows if any(word in r.name for word in BASELINE_WORDS)]
    return marked[0] if marked else min(rows, key=lambda r: r.median)


def _group_prefix(group: str, name: str) -> str:
    """The longest run of the group's words (``http_v2_``) that ``name`` starts with."""
    words = group.split("-")
    runs = (
        "_".join(words[i:j]) + "_" for i in range(len(words)) for j in range(i + 1, len(words) + 1)
    )
    return max((run for run in runs if name.startswith(run)), key=len, default="")


def label(row: Row) -> str:
    """A readable name: ``test_http_v2_powertools_validated`` -> ``powertools validated``."""
    name = row.family.removeprefix("test_")
    name = name[len(_group_prefix(row.group, name)) :] or name
    words = name.replace("handwritten", "hand-written").replace("_", " ")
    return f"{words} ({row.param})" if row.param else words


# -- the budgets (DESIGN §7) ------------------------------------------------------------

#: How a budget compares its measured ratio to its limit.
COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "<=": ("≤", operator.le),
    ">=": ("≥", operator.ge),
    "<": ("<", operator.lt),
}


@dataclass(frozen=True)
class Budget:
    """``subject`` OP ``limit`` x ``reference``; both name measurements (``group/row``)."""

    scenario: str
    subject: str
    subject_label: str
    reference: str
    reference_label: str
    compare: str
    limit: float

    @property
    def text(self) -> str:
        """The budget in words: ``portafunc ≤ 2x hand-written``."""
        symbol = COMPARISONS[self.compare][0]
        return f"{self.subject_label} {symbol} {self.limit:g}{TIMES} {self.reference_label}"

    def met(self, ratio: float) -> bool:
        """Whether a measured ratio ``subject / reference`` is within the budget."""
        return COMPARISONS[self.compare][1](ratio, self.limit)


def _cold_start(provider: str) -> Budget:
    return Budget(
        f"cold start ({provider})",
        f"cold-start/{provider}/portafunc",
        "portafunc",
        f"cold-start/{provider}/plain",
        "plain handler",
        "<=",
        1.15,
    )


BUDGETS: tuple[Budget, ...] = (
    Budget(
        "aws-http-v2",
        "aws-http-v2/test_http_v2_portafunc",
        "portafunc",
        "aws-http-v2/test_http_v2_handwritten",
        "hand-written",
        "<=",
        2.0,
    ),
    Budget(
        "aws-http-v2",
        "aws-http-v2/test_http_v2_powertools_validated",
        "Powertools (validated)",
        "aws-http-v2/test_http_v2_portafunc",
        "portafunc",
        ">=",
        5.0,
    ),
    Budget(
        "aws-sqs-10",
        "aws-sqs-10/test_sqs_portafunc",
        "portafunc",
        "aws-sqs-10/test_sqs_handwritten",
        "hand-written",
        "<=",
        1.5,
    ),
    Budget(
        "aws-sqs-10",
        "aws-sqs-10/test_sqs_portafunc",
        "portafunc",
        "aws-sqs-10/test_sqs_powertools_batch_processor",
        "Powertools BatchProcessor",
        "<",
        1.0,
    ),
    Budget(
        "azure-http",
        "azure-http/test_http_portafunc",
        "portafunc",
        "azure-http/test_http_handwritten",
        "hand-written",
        "<=",
        1.5,
    ),
    Budget(
        "gcp-http",
        "gcp-http/test_http_portafunc",
        "portafunc",
        "gcp-http/test_http_bare_function",
        "bare function",
        "<=",
        1.1,
    ),
    Budget(
        "gcp-pubsub",
        "gcp-pubsub/test_pubsub_portafunc",
        "portafunc",
        "gcp-pubsub/test_pubsub_bare_function",
        "bare function",
        "<=",
        1.1,
    ),
    Budget(
        "routing",
        "routing/test_handle_http[200-routes]",
        "200 routes",
        "routing/test_handle_http[2-routes]",
        "2 routes",
        "<=",
        1.5,
    ),
    Budget(
        "routing (Router.match)",
        "routing/test_router_match[200-routes]",
        "200 routes",
        "routing/test_router_match[2-routes]",
        "2 routes",
        "<=",
        1.5,
    ),
    _cold_start("aws"),
    _cold_start("azure"),
    _cold_start("gcp"),
)


def coldstart_ratio(entry: dict[str, Any]) -> float:
    """A cold-start row's ratio: its own (the median of the pairwise ratios), else
    the ratio of its two medians."""
    if entry.get("ratio") is not None:
        return float(entry["ratio"])
    return float(entry["portafunc_ms"]) / float(entry["plain_ms"])


def measurements(rows: Sequence[Row], coldstart: dict[str, Any] | None) -> dict[str, float]:
    """Every measurement a budget can name: benchmark medians and cold-start medians."""
    found = {row.key: row.median for row in rows}
    for entry in (coldstart or {}).get("rows", []):
        provider = entry["provider"]
        found[f"cold-start/{provider}/portafunc"] = float(entry["portafunc_ms"])
        found[f"cold-start/{provider}/plain"] = float(entry["plain_ms"])
    return found


def measured_ratios(coldstart: dict[str, Any] | None) -> dict[tuple[str, str], float]:
    """The ratios measured as such, by (subject, reference): each cold-start row's."""
    return {
        (f"cold-start/{e['provider']}/portafunc", f"cold-start/{e['provider']}/plain"): (
            coldstart_ratio(e)
        )
        for e in (coldstart or {}).get("rows", [])
    }


def budget_ratio(
    budget: Budget, measured: dict[str, float], ratios: dict[tuple[str, str], float]
) -> float | None:
    """``subject / reference`` of this run (a ratio measured as such first, else the
    ratio of the two medians), or None when either was not measured."""
    if (budget.subject, budget.reference) in ratios:
        return ratios[budget.subject, budget.reference]
    if budget.subject not in measured or budget.reference not in measured:
        return None
    return measured[budget.subject] / measured[budget.reference]


# -- the tables -------------------------------------------------------------------------


def _table(header: Sequence[str], align: str, lines: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table; ``align`` has one ``l`` or ``r`` per column."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(cells) + " |" for cells in (header, rule, *lines)]


def group_table(group: str, rows: Sequence[Row]) -> list[str]:
    """The markdown table of one benchmark group, ratios against its baseline."""
    lines = []
    for row in rows:
        base = baseline_of(row, rows)
        ratio = f"{row.median / base.median:.2f}{TIMES}" + (" (baseline)" if base is row else "")
        lines.append([label(row), f"{row.median * 1e6:,.2f}", ratio, f"{row.rounds:,}"])
    body = _table(["row", "median (µs)", "ratio", "rounds"], "lrrr", lines)
    return [f"### `{group}`", "", *body, ""]


def coldstart_table(coldstart: dict[str, Any]) -> list[str]:
    """The markdown table of the cold-start medians, per provider."""
    lines = [
        [
            str(entry["provider"]),
            f"{float(entry['plain_ms']):,.1f}",
            f"{float(entry['portafunc_ms']):,.1f}",
            f"{coldstart_ratio(entry):.2f}{TIMES}",
        ]
        for entry in coldstart.get("rows", [])
    ]
    body = _table(["provider", "plain (ms)", "portafunc (ms)", "ratio"], "lrrr", lines)
    about = f"Python {coldstart.get('python', '?')}, {coldstart.get('machine', '?')}"
    return [
        "### cold start",
        "",
        f"{about}; {coldstart.get('runs', '?')} alternated pairs of fresh processes, "
        "medians; the ratio is the median of the pairwise ratios.",
        "",
        *body,
        "",
    ]


def budget_table(coldstart: dict[str, Any] | None, rows: Sequence[Row]) -> list[str]:
    """The markdown table of the DESIGN §7 budgets and whether this run met them."""
    measured, ratios = measurements(rows, coldstart), measured_ratios(coldstart)
    lines = []
    for budget in BUDGETS:
        ratio = budget_ratio(budget, measured, ratios)
        shown = "not measured" if ratio is None else f"{ratio:.2f}{TIMES}"
        met = "n/a" if ratio is None else ("yes" if budget.met(ratio) else "no")
        lines.append([budget.scenario, budget.text, shown, met])
    body = _table(["scenario", "budget", "measured", "met"], "llrl", lines)
    return ["### budgets (DESIGN §7)", "", *body, ""]


def describe(info: dict[str, Any]) -> str:
    """One line naming the machine, the Python and the time of the run."""
    cpu = info.get("cpu") or {}
    parts = [
        str(cpu.get("brand_raw") or info.get("machine") or "unknown CPU"),
        f"{cpu['count']} CPUs" if cpu.get("count") else "",
        f"{info.get('python_implementation', 'Python')} {info.get('python_version', '?')}",
        str(info.get("system") or ""),
        str(info.get("datetime") or "")[:10],
        f"commit {str(info['commit'])[:7]}" if info.get("commit") else "",
        "uncommitted changes" if info.get("commit") and info.get("dirty") else "",
    ]
    return ", ".join(part for part in parts if part)


def tables(rows: Sequence[Row], info: dict[str, Any], coldstart: dict[str, Any] | None) -> str:
    """All the markdown: the run's machine, one table per group, cold start, budgets."""
    out = [f"One run: {describe(info)}. Medians; ratios against the group's baseline.", ""]
    for group, members in by_group(rows).items():
        out += group_table(group, members)
    if coldstart:
        out += coldstart_table(coldstart)
    out += budget_table(coldstart, rows)
    return "\n".join(out)


# -- the chart --------------------------------------------------------------------------

#: Groups measured against a provider's own hand-written or bare handler.
PROVIDER_PREFIXES = ("aws-", "azure-", "gcp-")


@dataclass(frozen=True)
class Bar:
    """One bar: a row's time relative to its scenario's baseline."""

    label: str
    role: str  # baseline, portafunc, powertools or other
    ratio: float
    value: str  # the absolute median, for the bar's text


@dataclass(frozen=True)
class Cluster:
    """The bars of one scenario and the budget of portafunc against its baseline."""

    title: str
    bars: tuple[Bar, ...]
    budget: float | None


def _role(row: Row, base: Row) -> str:
    if row is base:
        return "baseline"
    return next((word for word in ("portafunc", "powertools") if word in row.name), "other")


def _budget_line(subject: str, reference: str) -> float | None:
    """The limit of the ``≤``/``<`` budget of ``subject`` against ``reference``."""
    return next(
        (
            b.limit
            for b in BUDGETS
            if (b.subject, b.reference) == (subject, reference) and b.compare in ("<=", "<")
        ),
        None,
    )


def clusters(rows: Sequence[Row], coldstart: dict[str, Any] | None) -> list[Cluster]:
    """One cluster per provider group (baseline first), then one per cold start."""
    found = []
    for group, members in by_group(rows).items():
        if not group.startswith(PROVIDER_PREFIXES):
            continue
        base = baseline_of(members[0], members)
        ordered = [base, *(row for row in members if row is not base)]
        bars = tuple(
            Bar(
                label(row),
                _role(row, base),
                row.median / base.median,
                f"{row.median * 1e6:,.1f} µs",
            )
            for row in ordered
        )
        portafunc = next((row for row in members if "portafunc" in row.name), None)
        limit = _budget_line(portafunc.key, base.key) if portafunc else None
        found.append(Cluster(group, bars, limit))
    for entry in (coldstart or {}).get("rows", []):
        plain, ours = float(entry["plain_ms"]), float(entry["portafunc_ms"])
        bars = (
            Bar("plain handler", "baseline", 1.0, f"{plain:,.0f} ms"),
            Bar("portafunc", "portafunc", coldstart_ratio(entry), f"{ours:,.0f} ms"),
        )
        provider = entry["provider"]
        limit = _budget_line(f"cold-start/{provider}/portafunc", f"cold-start/{provider}/plain")
        found.append(Cluster(f"cold start ({provider})", bars, limit))
    return found


COLORS = {
    "baseline": "#9e9e9e",
    "portafunc": "#2b6cb0",
    "powertools": "#dd6b20",
    "other": "#6b8e23",
}
LEGEND = {"baseline": "hand-written / bare", "portafunc": "portafunc", "powertools": "Powertools"}
BUDGET_COLOR = "#c53030"
FIGSIZE = (9.0, 10.0)
DPI = 150
#: The PNG's palette: plenty for flat bars and anti-aliased text, a third of the size.
COLORS_PNG = 128
#: Ratios above this are drawn cut at the axis' end (their value still written), so
#: the region around 1x, where the budgets are, keeps its width.
CLIP = 5.0
#: Value texts sit on a white box, so the lines they cross stay readable.
_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}


def _draw_bar(axes: Axes, bar: Bar, at: float, xmax: float) -> None:
    """One bar and its value; a bar past ``xmax`` is cut there, its value inside it."""
    text = f"{bar.ratio:.2f}{TIMES}  ({bar.value})"
    axes.barh(at, min(bar.ratio, xmax), height=0.8, color=COLORS[bar.role], zorder=2)
    if bar.ratio > xmax:
        text += " \N{RIGHTWARDS ARROW}"
        axes.text(xmax * 0.99, at, text, ha="right", va="center", fontsize=7, color="white")
    else:
        axes.text(bar.ratio + xmax * 0.01, at, text, va="center", fontsize=7, bbox=_BOX, zorder=4)


def _draw_cluster(axes: Axes, cluster: Cluster, y: float, xmax: float) -> list[tuple[float, str]]:
    """Draw one cluster from ``y`` down: its title, its bars, its budget line."""
    budget = "" if cluster.budget is None else f"  (budget {cluster.budget:g}{TIMES})"
    axes.text(0, y, cluster.title + budget, fontweight="bold", va="center", fontsize=9)
    ticks = [(y + 1 + n, bar.label) for n, bar in enumerate(cluster.bars)]
    for (at, _), bar in zip(ticks, cluster.bars, strict=True):
        _draw_bar(axes, bar, at, xmax)
    if cluster.budget is not None:
        top, bottom = y + 0.5, ticks[-1][0] + 0.45
        axes.vlines(cluster.budget, top, bottom, colors=BUDGET_COLOR, linestyles="dashed", zorder=3)
    return ticks


def _legend(axes: Axes) -> None:
    """The colours of the roles and the budget line, in one row above the axes."""
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [Patch(color=COLORS[role], label=text) for role, text in LEGEND.items()]
    handles.append(
        Line2D([], [], color=BUDGET_COLOR, linestyle="dashed", label="budget (DESIGN §7)")
    )
    axes.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0, 1), ncol=4, fontsize=8, frameon=False
    )


def draw(found: Sequence[Cluster], caption: str, path: Path) -> None:
    """Write the horizontal grouped bar chart of ``found`` to ``path`` (PNG, Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    widest = max((bar.ratio for cluster in found for bar in cluster.bars), default=1.0)
    xmax = min(widest, CLIP) * 1.3
    ticks: list[tuple[float, str]] = []
    y = 0.0
    for cluster in found:
        ticks += _draw_cluster(axes, cluster, y, xmax)
        y += len(cluster.bars) + 2
    axes.set_yticks([at for at, _ in ticks], [name for _, name in ticks], fontsize=8)
    axes.set_ylim(y - 1, -1)
    axes.set_xlim(0, xmax)
    axes.axvline(1.0, color="#4a4a4a", linewidth=0.8, zorder=1)
    axes.set_xlabel(
        "median time relative to the hand-written / bare baseline (1.0); lower is faster"
    )
    figure.suptitle("portafunc vs hand-written vs Powertools, per scenario")
    _legend(axes)
    figure.text(0.01, 0.01, caption, fontsize=7, color="#4a4a4a", va="bottom")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    _save(figure, path)


def _save(figure: Figure, path: Path) -> None:
    """Write the figure as a PNG of ``COLORS_PNG`` colours: a few tens of KB."""
    from PIL import Image

    rendered = io.BytesIO()
    figure.savefig(rendered, format="png")
    with Image.open(rendered) as image:
        palette = image.convert("RGB").quantize(colors=COLORS_PNG)
    path.parent.mkdir(parents=True, exist_ok=True)
    palette.save(path, format="PNG", optimize=True)


def caption(info: dict[str, Any], coldstart: dict[str, Any] | None) -> str:
    """The chart's caption: where and how the figures were measured."""
    text = f"pytest-benchmark medians of one run: {describe(info)}."
    if coldstart:
        about = f"Python {coldstart.get('python', '?')}, {coldstart.get('machine', '?')}"
        runs = coldstart.get("runs", "?")
        text += f"\nCold start: {about}, {runs} alternated pairs of fresh processes."
    return text


# -- the command ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Print (or write) the tables and write the chart."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("bench_json", type=Path, help="pytest-benchmark --benchmark-json output")
    parser.add_argument("--coldstart", type=Path, help="the cold-start JSON, per provider")
    parser.add_argument(
        "--png", type=Path, default=DEFAULT_PNG, help="the chart (docs/performance.png)"
    )
    parser.add_argument(
        "--no-png", action="store_true", help="write no chart (no matplotlib needed)"
    )
    parser.add_argument("--tables", type=Path, help="write the markdown here instead of stdout")
    args = parser.parse_args(argv)
    rows, info = load_rows(args.bench_json)
    coldstart = json.loads(args.coldstart.read_text(encoding="utf-8")) if args.coldstart else None
    markdown = tables(rows, info, coldstart)
    if args.tables:
        args.tables.write_text(markdown, encoding="utf-8")
    else:
        sys.stdout.write(markdown)
    if not args.no_png:
        draw(clusters(rows, coldstart), caption(info, coldstart), args.png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
