"""DESIGN §7 cold start: a 5-function portafunc module and its adapter against the same
module written with plain functions, each imported in fresh processes.

::

    uv run python tests/benchmarks/coldstart.py [--runs N] [--provider aws ...] [--json FILE]

For each provider both modules (the same pydantic models, five functions: an HTTP POST,
a queue consumer, a storage handler, a schedule, a change feed) are written to a
temporary directory. One warm-up run of each writes the bytecode caches (under a
temporary ``PYTHONPYCACHEPREFIX``) and reports what the module declares and which SDK
modules it loaded; then ``N`` pairs of ``python -c "import MODULE"`` are timed,
alternating which side goes first, each from the process's start until it has
imported the module (it then prints a line: its exit is not part of a cold start).
The ratio is the median of the pairwise ratios portafunc / plain; the budget is 1.15.
A last child checks that ``import portafunc`` alone loads no provider SDK module.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portafunc._coldstart import SDK_MODULES

BUDGET = 1.15
PROVIDERS = ("aws", "azure", "gcp")
#: The module name each cloud's deployment uses for its entry module.
MODULES = {"aws": "lambda_function", "azure": "function_app", "gcp": "main"}
_MARK = "__coldstart__ "
_TIMEOUT = 120.0


def _models() -> str:
    """The models and business logic of ``conftest.py`` (the benchmarks' own), as source."""
    conftest = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
    start = conftest.index("# -- the models")
    end = conftest.index("\nORDER", start)
    return "from pydantic import BaseModel, Field\n\n\n" + conftest[start:end].strip() + "\n"


MODELS = _models()

PORTAFUNC = """\
import portafunc_{provider}
from portafunc import App, ChangeEvent, Message, ScheduleEvent, StorageEvent

api = App("shop")


@api.post("/tenants/{{tenant}}/orders", status=201)
def create_order(tenant: str, order: Order) -> Receipt:
    return fulfil(tenant, order)


@api.queue("orders")
def ship(msg: Message[Order]) -> Receipt:
    return fulfil("acme", msg.data)


@api.storage("uploads")
def price_list(event: StorageEvent) -> str:
    return event.key


@api.schedule("*/5 * * * *")
def sweep(event: ScheduleEvent) -> str:
    return event.schedule


@api.changes("orders")
def audit(change: ChangeEvent[Order]) -> str | None:
    return None if change.new is None else change.new.id


{entry}
"""
ENTRIES = {
    "aws": "handler = portafunc_aws.lambda_handler(api)",
    "azure": "app = portafunc_azure.function_app(api)",
    "gcp": "globals().update(portafunc_gcp.entry_points(api))",
}

PLAIN = {
    "aws": """\
import json
from urllib.parse import unquote_plus


def create_order(event, context):
    receipt = fulfil(event["pathParameters"]["tenant"], Order.model_validate_json(event["body"]))
    headers = {"content-type": "application/json"}
    return {"statusCode": 201, "headers": headers, "body": receipt.model_dump_json()}


def ship(event, context):
    failures = []
    for record in event["Records"]:
        try:
            fulfil("acme", Order.model_validate_json(record["body"]))
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def price_list(event, context):
    return [unquote_plus(record["s3"]["object"]["key"]) for record in event["Records"]]


def sweep(event, context):
    return json.dumps({"time": event["time"]})


def audit(event, context):
    return [record["dynamodb"]["Keys"] for record in event["Records"]]
""",
    "azure": """\
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="tenants/{tenant}/orders", methods=["POST"])
def create_order(req: func.HttpRequest) -> func.HttpResponse:
    receipt = fulfil(req.route_params["tenant"], Order.model_validate_json(req.get_body()))
    body = receipt.model_dump_json()
    return func.HttpResponse(body, status_code=201, mimetype="application/json")


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def ship(msg: func.QueueMessage) -> None:
    fulfil("acme", Order.model_validate_json(msg.get_body()))


@app.event_grid_trigger(arg_name="event")
def price_list(event: func.EventGridEvent) -> None:
    print(event.subject)


@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *")
def sweep(timer: func.TimerRequest) -> None:
    print(timer.past_due)


@app.cosmos_db_trigger(arg_name="documents", connection="CosmosDBConnection", database_name="shop",
                       container_name="orders", lease_container_name="leases",
                       create_lease_container_if_not_exists=True)
def audit(documents: func.DocumentList) -> None:
    for document in documents:
        Order.model_validate(dict(document))
""",
    "gcp": """\
import base64

import flask
import functions_framework
from cloudevents.http import CloudEvent


@functions_framework.http
def create_order(request: flask.Request) -> flask.Response:
    receipt = fulfil(request.path.split("/")[2], Order.model_validate_json(request.get_data()))
    return flask.Response(receipt.model_dump_json(), 201, mimetype="application/json")


@functions_framework.cloud_event
def ship(event: CloudEvent) -> None:
    fulfil("acme", Order.model_validate_json(base64.b64decode(event.data["message"]["data"])))


@functions_framework.cloud_event
def price_list(event: CloudEvent) -> None:
    print(event.data["name"])


@functions_framework.cloud_event
def sweep(event: CloudEvent) -> None:
    print(event["time"])


@functions_framework.cloud_event
def audit(event: CloudEvent) -> None:
    print(event["subject"])
""",
}
#: How a child counts the functions a module declares (``m`` is the module).
COUNTS = {
    "portafunc": "len(m.api.functions)",
    "aws": "sum(getattr(v, '__code__', None) is not None and v.__code__.co_varnames[:2] == "
    "('event', 'context') for v in vars(m).values())",
    "azure": "len(m.app.get_functions())",
    "gcp": "len(__import__('functions_framework')._function_registry.REGISTRY_MAP)",
}
_CHECK = """\
import json, sys
import {module} as m
count = {count}
# Empty namespace packages (a -nspkg.pth makes ``google`` at startup) are not loads.
loaded = {{n.partition(".")[0] for n, v in list(sys.modules.items()) if getattr(v, "__file__", 0)}}
print({mark!r} + json.dumps([count, sorted(loaded & set({sdk!r}))]), flush=True)
"""


@dataclass(frozen=True)
class Check:
    """What one child reported: functions declared, provider SDK modules loaded."""

    functions: int | None
    sdk_modules: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One provider's pairs of fresh-process imports; times in milliseconds."""

    provider: str
    portafunc_times: tuple[float, ...]
    plain_times: tuple[float, ...]
    portafunc: Check
    plain: Check

    @property
    def ratio(self) -> float:
        """The median of the pairwise ratios portafunc / plain."""
        pairs = zip(self.portafunc_times, self.plain_times, strict=True)
        return statistics.median(pf / plain for pf, plain in pairs)

    def as_json(self) -> dict[str, Any]:
        """The row of the ``--json`` report."""
        return {
            "provider": self.provider,
            "portafunc_ms": round(statistics.median(self.portafunc_times), 1),
            "plain_ms": round(statistics.median(self.plain_times), 1),
            "ratio": round(self.ratio, 3),
            "within_budget": self.ratio <= BUDGET,
        }


def write_modules(provider: str, root: Path) -> dict[str, Path]:
    """Write the portafunc and the plain module of ``provider``; their directories by side."""
    sources = {
        "portafunc": PORTAFUNC.format(provider=provider, entry=ENTRIES[provider]),
        "plain": PLAIN[provider],
    }
    directories = {}
    for side, body in sources.items():
        directory = root / provider / side
        directory.mkdir(parents=True)
        (directory / f"{MODULES[provider]}.py").write_text(f"{MODELS}\n\n{body}")
        directories[side] = directory
    return directories


def run_child(code: str, directory: Path, cache: Path) -> tuple[float, str]:
    """Run ``python -c code`` in ``directory``: the ms from its start to its first line of
    output (the child prints once the module is imported: the process's exit is not part
    of a cold start), and its whole stdout."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(directory), env.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    argv = [sys.executable, "-c", code]
    started = time.perf_counter()
    # stderr goes to a file: a full pipe would block the child before it prints.
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            argv, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as child,
    ):
        first = child.stdout.readline() if child.stdout else ""
        elapsed = (time.perf_counter() - started) * 1000
        rest, _ = child.communicate(timeout=_TIMEOUT)
        errors.seek(0)
        stderr = errors.read()
    if child.returncode != 0:
        raise RuntimeError(f"{code!r} failed in {directory.name}:\n{stderr.strip()}")
    return elapsed, first + rest


def check(module: str, count: str, directory: Path, cache: Path) -> Check:
    """Import ``module`` in a child that reports its function ``count`` and SDK modules."""
    code = _CHECK.format(module=module, count=count, mark=_MARK, sdk=SDK_MODULES)
    _elapsed, stdout = run_child(code, directory, cache)
    line = next(line for line in stdout.splitlines() if line.startswith(_MARK))
    functions, sdk = json.loads(line.removeprefix(_MARK))
    return Check(functions, tuple(sdk))


def measure(provider: str, runs: int, root: Path, cache: Path) -> Row:
    """Warm up and check both modules of ``provider``, then time ``runs`` alternated pairs."""
    directories = write_modules(provider, root)
    module = MODULES[provider]
    checks = {
        side: check(module, COUNTS[side if side == "portafunc" else provider], where, cache)
        for side, where in directories.items()
    }
    times: dict[str, list[float]] = {"portafunc": [], "plain": []}
    for pair in range(runs):
        for side in ("plain", "portafunc") if pair % 2 == 0 else ("portafunc", "plain"):
            code = f"import {module}\nprint('imported', flush=True)"
            times[side].append(run_child(code, directories[side], cache)[0])
    return Row(
        provider, tuple(times["portafunc"]), tuple(times["plain"]),
        portafunc=checks["portafunc"], plain=checks["plain"],
    )  # fmt: skip


def compare(providers: list[str], runs: int) -> tuple[list[Row], Check]:
    """Every provider's row, and the check of ``import portafunc`` alone."""
    with tempfile.TemporaryDirectory(prefix="coldstart-") as temporary:
        root = Path(temporary)
        cache = root / "pycache"
        rows = [measure(provider, runs, root, cache) for provider in providers]
        bare = check("portafunc", "None", root, cache)
    return rows, bare


def report(rows: list[Row], runs: int) -> dict[str, Any]:
    """The ``--json`` report."""
    return {
        "python": platform.python_version(),
        "machine": platform.platform(),
        "runs": runs,
        "budget": BUDGET,
        "rows": [row.as_json() for row in rows],
    }


def table(rows: list[Row], bare: Check, runs: int) -> str:
    """The plain text table."""
    lines = [
        f"cold start, fresh processes: {runs} alternated pairs per provider,"
        f" Python {platform.python_version()}",
        f"{'provider':<9}{'portafunc ms':>13}{'plain ms':>10}{'ratio':>8}  budget {BUDGET}",
    ]
    for row in rows:
        data = row.as_json()
        verdict = "within" if data["within_budget"] else "OVER"
        lines.append(
            f"{row.provider:<9}{data['portafunc_ms']:>13.1f}{data['plain_ms']:>10.1f}"
            f"{data['ratio']:>8.3f}  {verdict}"
        )
    loaded = ", ".join(bare.sdk_modules) or "none"
    lines.append(f"SDK modules loaded by `import portafunc` alone: {loaded}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, write ``--json``; 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="alternated pairs (default 20)")
    parser.add_argument("--provider", nargs="+", choices=PROVIDERS, default=list(PROVIDERS))
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the report here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows, bare = compare(args.provider, args.runs)
    print(table(rows, bare, args.runs))
    if args.json is not None:
        args.json.write_text(json.dumps(report(rows, args.runs), indent=2) + "\n")
    declared = all(row.portafunc.functions == row.plain.functions == 5 for row in rows)
    return 0 if declared and not bare.sdk_modules else 1


if __name__ == "__main__":
    sys.exit(main())
