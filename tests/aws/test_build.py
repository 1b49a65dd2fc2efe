"""``build --provider aws``: the SAM template, the handler modules, the requirements.

The template of an app with every trigger kind is a golden file
(golden/sam/every-trigger.json; ``PORTAFUNC_UPDATE_GOLDEN=1`` rewrites it), and every
template built here passes ``cfn-lint`` (the linter's own console script, run as a
subprocess, as a user runs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import App, ChangeEvent, Event, HTTPRequest, Message, ScheduleEvent, StorageEvent
from portafunc._loader import load_app
from portafunc.errors import DeclarationError, PortafuncError, UnsupportedSchedule
from portafunc.providers import BuildSpec
from portafunc_aws import __version__
from portafunc_aws._provider import provider
from portafunc_aws.cli.build import entry_source, requirements
from portafunc_aws.cli.events import S3_DETAIL_TYPES, S3_EVENTS, SCHEDULE_TIME
from portafunc_aws.cli.template import template
from portafunc_aws.sources.s3 import ACTIONS, EVENTBRIDGE_ACTIONS
from portafunc_aws.testing import LambdaContext

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.py"
SPEC = BuildSpec("app:app", ("pydantic==2.9.2",))
PER_FUNCTION = BuildSpec("app:app", (), options={"http": "per-function"})
LEDGER_STREAM = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/2024-01-01T00:00:00.000"
)


class Item(BaseModel):
    id: str
    qty: int = 0


def every_trigger() -> App:
    """An app with every trigger kind, settings, options and existing resources."""
    app = App("every")

    @app.get("/items/{item_id}")
    def get_item(item_id: str) -> Item:
        return Item(id=item_id)

    @app.post("/files/{rest:path}", status=201, timeout=10, memory=512)
    def put_file(rest: str, request: HTTPRequest) -> str:
        return rest

    @app.queue("jobs", batch_size=50, max_attempts=3, timeout=60, aws={"architecture": "arm64"})
    def job(msg: Message[Item]) -> None: ...

    @app.queue("orders.fifo", batch_size=10)
    def ordered(msg: Message[Item]) -> None: ...

    @app.queue("legacy", aws={"arn": "arn:aws:sqs:us-east-1:123456789012:legacy-jobs"})
    def legacy(msg: Message[bytes]) -> None: ...

    @app.topic("alerts", max_attempts=2)
    def alert(msg: Message[str]) -> None: ...

    @app.stream("clicks", batch_size=100, max_attempts=3, memory=256)
    def click(msg: Message[Item]) -> None: ...

    @app.stream("payments", aws={"arn": "arn:aws:kafka:us-east-1:123456789012:cluster/pay/a-1"})
    def payment(msg: Message[Item]) -> None: ...

    layer = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3"

    @app.event(type="OrderPlaced", aws={"reserved_concurrency": 5, "layers": [layer]})
    def order_placed(event: Event[Item]) -> None: ...

    @app.storage("uploads", events=("created", "deleted"), prefix="in/", suffix=".csv")
    def upload(event: StorageEvent) -> None: ...

    @app.storage("uploads", events=("archived", "restored", "metadata_updated"), prefix="old/")
    def archived(event: StorageEvent) -> None: ...

    @app.storage("shared", aws={"arn": "arn:aws:s3:::shared-bucket"}, prefix="a*", suffix=".json")
    def shared(event: StorageEvent) -> None: ...

    @app.schedule("0 3 * * 1-5")
    def nightly(event: ScheduleEvent) -> None: ...

    @app.changes("items")
    def item_changed(change: ChangeEvent[Item]) -> None: ...

    @app.changes("ledger", aws={"arn": LEDGER_STREAM})
    def ledger_changed(change: ChangeEvent[Item]) -> None: ...

    return app


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("cfn-lint.exe" if os.name == "nt" else "cfn-lint")
    return subprocess.run(
        [str(script), "--format", "parseable", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def resources(app: App, spec: BuildSpec = SPEC) -> dict[str, Any]:
    found: dict[str, Any] = template(app, spec)["Resources"]
    return found


# -- the template ------------------------------------------------------------------------


def test_the_template_of_every_trigger_kind_is_golden(golden: Any) -> None:
    golden("sam/every-trigger", template(every_trigger(), SPEC))


@pytest.mark.parametrize(
    ("name", "spec"),
    [("every-trigger", SPEC), ("every-trigger-per-function", PER_FUNCTION), ("shop", SPEC)],
)
def test_built_templates_pass_cfn_lint(name: str, spec: BuildSpec, tmp_path: Path) -> None:
    app = load_app(f"{SHOP}:app") if name == "shop" else every_trigger()
    provider.build(app, spec, tmp_path)
    result = cfn_lint(tmp_path / "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_would_catch_a_broken_template(tmp_path: Path) -> None:
    provider.build(every_trigger(), SPEC, tmp_path)
    path = tmp_path / "template.yaml"
    path.write_text(path.read_text().replace("VisibilityTimeout: 360", "VisibilityTimeout: -1"))
    assert cfn_lint(path).returncode != 0


def test_one_function_serves_every_http_route_behind_the_default_route() -> None:
    declared = resources(every_trigger())
    http = declared["HTTPFunction"]["Properties"]
    assert http["Handler"] == "portafunc_entry.handler"
    assert http["Events"] == {
        "HttpApi": {
            "Type": "HttpApi",
            "Properties": {"Path": "$default", "Method": "ANY", "PayloadFormatVersion": "2.0"},
        }
    }
    assert (http["Timeout"], http["MemorySize"]) == (10, 512)  # the largest of the routes
    assert "GetItemFunction" not in declared


def test_per_function_http_gives_a_route_per_method_with_greedy_paths() -> None:
    declared = resources(every_trigger(), PER_FUNCTION)
    assert "HTTPFunction" not in declared
    get_item = declared["GetItemFunction"]["Properties"]
    assert get_item["Handler"] == "portafunc_entry_get_item.handler"
    assert {name: e["Properties"] for name, e in get_item["Events"].items()} == {
        "HttpGet": {"Path": "/items/{item_id}", "Method": "GET"},
        "HttpHead": {"Path": "/items/{item_id}", "Method": "HEAD"},
    }
    put_file = declared["PutFileFunction"]["Properties"]
    assert put_file["Events"]["HttpPost"]["Properties"]["Path"] == "/files/{rest+}"


def test_queues_get_a_dead_letter_queue_and_report_partial_batches() -> None:
    declared = resources(every_trigger())
    queue = declared["JobsQueue"]["Properties"]
    assert queue["QueueName"] == "jobs"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["JobsQueueDLQ", "Arn"]},
        "maxReceiveCount": 3,
    }
    assert queue["VisibilityTimeout"] == 360  # six times the function's timeout
    assert declared["JobsQueueDLQ"]["Properties"]["QueueName"] == "jobs-dlq"
    sqs = declared["JobFunction"]["Properties"]["Events"]["SQS"]["Properties"]
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (sqs["BatchSize"], sqs["MaximumBatchingWindowInSeconds"]) == (50, 1)
    assert declared["JobFunction"]["Properties"]["Architectures"] == ["arm64"]
    fifo = declared["OrdersFifoQueue"]["Properties"]
    assert (fifo["QueueName"], fifo["FifoQueue"], fifo["RedrivePolicy"]["maxReceiveCount"]) == (
        "orders.fifo",
        True,
        5,
    )
    assert declared["OrdersFifoQueueDLQ"]["Properties"]["QueueName"] == "orders-dlq.fifo"


def test_existing_resources_are_referenced_not_created() -> None:
    declared = resources(every_trigger())
    assert not any("Legacy" in name and "Queue" in name for name in declared)
    sqs = declared["LegacyFunction"]["Properties"]["Events"]["SQS"]["Properties"]
    assert sqs["Queue"] == "arn:aws:sqs:us-east-1:123456789012:legacy-jobs"
    dynamodb = declared["LedgerChangedFunction"]["Properties"]["Events"]["DynamoDB"]
    assert dynamodb["Properties"]["Stream"] == LEDGER_STREAM
    assert "LedgerTable" not in declared


def test_streams_retry_then_send_the_batch_to_an_on_failure_queue() -> None:
    declared = resources(every_trigger())
    kinesis = declared["ClickFunction"]["Properties"]["Events"]["Kinesis"]["Properties"]
    assert kinesis["MaximumRetryAttempts"] == 2  # max_attempts=3: the first try and 2 retries
    assert kinesis["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert kinesis["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["ClickFunctionFailures", "Arn"]
    }
    assert declared["ClickFunctionFailures"]["Type"] == "AWS::SQS::Queue"
    table = declared["ItemsTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    msk = declared["PaymentFunction"]["Properties"]["Events"]["MSK"]["Properties"]
    assert msk["Topics"] == ["payments"]


def test_asynchronous_functions_retry_then_keep_the_event_in_a_failures_queue() -> None:
    declared = resources(every_trigger())
    config = declared["AlertFunction"]["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 1  # max_attempts=2
    assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    event = declared["OrderPlacedFunction"]["Properties"]
    assert event["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert event["Events"]["EventBridge"]["Properties"]["Pattern"] == {
        "detail-type": ["OrderPlaced"]
    }
    assert event["ReservedConcurrentExecutions"] == 5


def test_storage_events_map_each_action_with_key_filters() -> None:
    declared = resources(every_trigger())
    s3 = declared["UploadFunction"]["Properties"]["Events"]["S3"]["Properties"]
    assert s3["Bucket"] == {"Ref": "UploadsBucket"}
    assert s3["Events"] == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"]
    assert s3["Filter"] == {
        "S3Key": {
            "Rules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]
        }
    }
    rule = declared["SharedFunction"]["Properties"]["Events"]["S3Rule"]["Properties"]["Pattern"]
    assert rule["detail"] == {
        "bucket": {"name": ["shared-bucket"]},
        "object": {"key": [{"wildcard": "a\\**.json"}]},
    }


@pytest.mark.parametrize("action", sorted(S3_EVENTS))
def test_the_s3_events_of_an_action_are_read_back_as_that_action(action: str) -> None:
    for event_type in S3_EVENTS[action]:
        name = event_type.removeprefix("s3:").removesuffix(":*")
        assert ACTIONS.get(name, ACTIONS.get(name.partition(":")[0])) == action
    assert all(EVENTBRIDGE_ACTIONS[detail] == action for detail in S3_DETAIL_TYPES[action])


def test_a_schedule_fires_through_its_input_marker_at_the_scheduled_time() -> None:
    app = App("ticks")
    seen: list[ScheduleEvent] = []

    @app.schedule("0 3 * * 1-5")
    def nightly(event: ScheduleEvent) -> None:
        seen.append(event)

    schedule = resources(app)["NightlyFunction"]["Properties"]["Events"]["Schedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "cron(0 3 ? * 2-6 *)"
    # What EventBridge Scheduler sends: the input, its placeholder filled in.
    sent = json.loads(schedule["Input"].replace(SCHEDULE_TIME, "2024-05-06T03:00:00Z"))
    assert provider.invoke(app, "nightly", sent) == (None, True)
    assert [(e.schedule, e.time) for e in seen] == [
        ("nightly", datetime(2024, 5, 6, 3, tzinfo=timezone.utc))
    ]


def test_names_that_become_one_logical_id_are_refused() -> None:
    app = App("clash")

    @app.queue("a-b", name="send_mail")
    def first(msg: Message[bytes]) -> None: ...

    @app.queue("a_b", name="send-mail")
    def second(msg: Message[bytes]) -> None: ...

    with pytest.raises(PortafuncError, match="SendMailFunction"):
        template(app, SPEC)


def test_a_schedule_aws_cannot_run_is_refused(tmp_path: Path) -> None:
    app = App("either")

    @app.schedule("0 0 1 * 1")
    def monthly_or_monday(event: ScheduleEvent) -> None: ...

    with pytest.raises(UnsupportedSchedule, match="aws"):
        provider.build(app, SPEC, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_aws_options_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    app = App("typo")

    @app.queue("jobs", aws={"fifoo": True})
    def job(msg: Message[bytes]) -> None: ...

    with pytest.raises(DeclarationError, match="fifoo"):
        provider.build(app, SPEC, tmp_path)
    assert list(tmp_path.iterdir()) == []


# -- the files ---------------------------------------------------------------------------


def test_build_writes_the_template_requirements_and_a_handler_per_deployment(
    tmp_path: Path,
) -> None:
    written = provider.build(every_trigger(), SPEC, tmp_path)
    assert written[:2] == ["template.yaml", "requirements.txt"]
    assert "portafunc_entry.py" in written
    assert "portafunc_entry_get_item.py" not in written  # served by portafunc_entry
    assert "portafunc_entry_nightly.py" in written
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)
    handlers = {
        r["Properties"]["Handler"].removesuffix(".handler") + ".py"
        for r in template(every_trigger(), SPEC)["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert handlers == set(written[2:])


def test_generated_handlers_import_the_app_and_serve_their_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "myapp.py").write_text(
        "from portafunc import App, Message\n"
        "app = App('mine')\n"
        "@app.get('/hello')\n"
        "def hello() -> str:\n"
        "    return 'hi'\n"
        "@app.queue('jobs')\n"
        "def job(msg: Message[str]) -> None:\n"
        "    assert msg.data == 'ok'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "myapp", raising=False)
    app = load_app(f"{tmp_path / 'myapp.py'}:app")
    provider.build(app, BuildSpec("myapp:app", ()), tmp_path)
    from portafunc_aws.testing import http_v2_event, sqs_event

    http = _module(tmp_path / "portafunc_entry.py").handler
    response = http(http_v2_event("GET", "/hello"), LambdaContext())
    assert (response["statusCode"], response["body"]) == (200, "hi")
    job = _module(tmp_path / "portafunc_entry_job.py").handler
    failures = job(sqs_event(["ok", "not ok"], queue="any-name"), LambdaContext())
    assert len(failures["batchItemFailures"]) == 1  # pinned: any queue's messages reach it


def _module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_entry_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entry_sources_pin_their_function_and_import_the_app() -> None:
    source = entry_source("shop.app:application.api", "shop", "ship")
    assert "from shop.app import application\n" in source
    assert "handler = portafunc_aws.lambda_handler(application.api, 'ship')\n" in source
    assert "lambda_handler(app)\n" in entry_source("app", "shop", None)
    with pytest.raises(PortafuncError, match="module:attribute"):
        entry_source("examples/shop/app.py:app", "shop", None)


def test_requirements_add_the_installed_adapter_unless_pinned_already() -> None:
    assert requirements(("pydantic==2.9.2",)) == f"pydantic==2.9.2\nportafunc-aws=={__version__}\n"
    pinned = ("Portafunc_AWS[powertools]==0.1.0",)
    assert requirements(pinned) == "Portafunc_AWS[powertools]==0.1.0\n"
