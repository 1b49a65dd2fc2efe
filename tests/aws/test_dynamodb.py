"""DynamoDB Streams → ``changes`` functions (portafunc_aws.sources.dynamodb).

Payloads: tests/payloads/aws/database/*.json (aws-lambda-go's, aws-lambda-java-libs'
and Powertools' fixtures of the Lambda DynamoDB Streams event; see SOURCES.md).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from portafunc import App, ChangeEvent
from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.amazon_mq import AmazonMQ
from portafunc_aws.sources.cloudwatch_logs import CloudWatchLogs
from portafunc_aws.sources.dynamodb import DynamoDBStreams
from portafunc_aws.sources.firehose import Firehose
from portafunc_aws.sources.kafka import Kafka
from portafunc_aws.sources.kinesis import Kinesis

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
DYNAMODB = (
    "dynamodb-stream-all-attribute-types",
    "dynamodb-stream-insert-modify-remove",
    "dynamodb-stream-insert-modify",
    "dynamodb-stream-tumbling-window",
)
ARN = (
    "arn:aws:dynamodb:eu-central-1:123456789012:table/ExampleTableWithStream/"
    "stream/2015-06-27T00:48:05.899"
)
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())


class Item(BaseModel):
    Id: int
    Message: str


def changes_app(
    fail: Callable[[ChangeEvent[Any]], bool] = lambda change: False, table: str = "orders"
) -> tuple[App, list[ChangeEvent[Any]]]:
    """An app whose ``audit`` changes function records what it sees."""
    app = App("shop")
    seen: list[ChangeEvent[Any]] = []

    @app.changes(table)
    def audit(change: ChangeEvent[Any]) -> None:
        seen.append(change)
        if fail(change):
            raise RuntimeError(f"cannot process {change.key}")

    return app, seen


def pinned(app: App) -> Functions:
    return Functions(app, app.function("audit"))


def batch(payload: Payload, size: int) -> dict[str, Any]:
    """A DynamoDB event of ``size`` INSERTs, sequence numbers "1000"…, key Id = index."""
    template = payload("database/dynamodb-stream-insert-modify-remove.json")["Records"][0]
    records = []
    for index in range(size):
        record = copy.deepcopy(template)
        record["dynamodb"]["SequenceNumber"] = str(1000 + index)
        record["dynamodb"]["Keys"] = {"Id": {"N": str(index)}}
        records.append(record)
    return {"Records": records}


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", DYNAMODB)
def test_corpus_payload_matches_dynamodb_only(name: str, payload: Payload) -> None:
    event = payload(f"database/{name}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["dynamodb"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert DynamoDBStreams().matches(event) == (path.stem in DYNAMODB), path


def test_empty_tumbling_window_matches_by_its_arn(payload: Payload, lambda_context: Any) -> None:
    event = {
        **payload("database/dynamodb-stream-tumbling-window.json"),
        "Records": [],
        "eventSourceARN": ARN,
    }
    assert DynamoDBStreams().matches(event)
    assert not Kinesis().matches(event)
    app, seen = changes_app()
    response = DynamoDBStreams().invoke(Functions(app), event, lambda_context)
    assert response == {"batchItemFailures": [], "state": {"1": "state1"}}
    assert seen == []


# -- translation ------------------------------------------------------------------------


@pytest.mark.parametrize("name", DYNAMODB)
def test_corpus_payload_golden(
    name: str,
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    event = payload(f"database/{name}.json")
    app, seen = changes_app()
    response = DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert len(seen) == len(event["Records"])
    assert response["batchItemFailures"] == []
    golden(f"dynamodb/{name}", {"event": [as_json(c) for c in seen], "response": response})


def test_insert_modify_remove(payload: Payload, lambda_context: Any) -> None:
    event = payload("database/dynamodb-stream-insert-modify-remove.json")
    app, seen = changes_app(table="ExampleTableWithStream")
    DynamoDBStreams().invoke(Functions(app), event, lambda_context)  # routed by table name
    insert, modify, remove = seen
    assert [c.kind for c in seen] == ["insert", "update", "delete"]
    assert {c.table for c in seen} == {"ExampleTableWithStream"}
    assert insert.key == {"Id": 101}
    assert (insert.old, insert.new) == (None, {"Message": "New item!", "Id": 101})
    assert modify.old == {"Message": "New item!", "Id": 101}
    assert modify.new == {"Message": "This item has changed", "Id": 101}
    assert (remove.old, remove.new) == ({"Message": "This item has changed", "Id": 101}, None)
    assert insert.time == datetime(2015, 4, 9, tzinfo=timezone.utc)
    assert modify.time is not None
    assert modify.time.isoformat().startswith("2021-11-01T02:40:07.123")
    assert insert.provider == "aws"
    assert insert.raw is event["Records"][0]


def test_all_attribute_types(payload: Payload, lambda_context: Any) -> None:
    app, seen = changes_app(table="Example-Table")
    event = payload("database/dynamodb-stream-all-attribute-types.json")
    DynamoDBStreams().invoke(Functions(app), event, lambda_context)
    new = seen[1].new
    assert new is not None
    assert seen[1].key == {"val": "data", "key": "binary"}
    assert new["Binary"] == b"\x00\x01*A"
    assert new["b2"] == b"\xb5\xeb-"  # "test" is valid base64
    assert new["BinarySet"] == [b"\x00\x01*A", b"\x00\x01*A"]
    assert new["Boolean"] is True
    assert new["List"] == ["Cookies", "Coffee", Decimal("3.14159")]
    assert new["Map"] == {"Name": "Joe", "Age": 35}
    assert new["FloatNumber"] == Decimal("123.45")
    assert type(new["IntegerNumber"]) is int
    assert new["NumberSet"] == [1234, Decimal("567.8")]
    assert new["Null"] is None
    assert new["StringSet"] == ["Giraffe", "Zebra"]
    assert new["EmptyStringSet"] == []


def test_table_falls_back_to_the_declared_one(payload: Payload, lambda_context: Any) -> None:
    app, seen = changes_app()
    event = payload("database/dynamodb-stream-insert-modify.json")  # eventSourceARN "source_arn"
    DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert [c.table for c in seen] == ["orders", "orders"]
    assert seen[1].time is None  # no ApproximateCreationDateTime


def test_routed_by_the_arn_in_aws_options(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.changes("orders", aws={"arn": ARN})
    def audit(change: ChangeEvent[Item]) -> None:
        seen.append(change.kind)

    event = payload("database/dynamodb-stream-insert-modify-remove.json")
    DynamoDBStreams().invoke(Functions(app), event, lambda_context)
    assert seen == ["insert", "update", "delete"]


def test_no_function_for_the_table(payload: Payload, lambda_context: Any) -> None:
    app, seen = changes_app()
    event = payload("database/dynamodb-stream-insert-modify-remove.json")
    with pytest.raises(NoSuchFunction, match="ExampleTableWithStream"):
        DynamoDBStreams().invoke(Functions(app), event, lambda_context)
    assert seen == []


def test_typed_images(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[ChangeEvent[Item]] = []

    @app.changes("ExampleTableWithStream")
    def audit(change: ChangeEvent[Item]) -> None:
        seen.append(change)

    event = payload("database/dynamodb-stream-insert-modify-remove.json")
    DynamoDBStreams().invoke(Functions(app), event, lambda_context)
    assert seen[1].old == Item(Id=101, Message="New item!")
    assert seen[1].new == Item(Id=101, Message="This item has changed")
    assert seen[2].new is None


def test_tumbling_window_returns_the_state_unchanged(payload: Payload, lambda_context: Any) -> None:
    event = payload("database/dynamodb-stream-tumbling-window.json")
    app, _ = changes_app(fail=lambda change: change.kind == "update")
    response = DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "222"}, {"itemIdentifier": "333"}],
        "state": {"1": "state1"},
    }


# -- ordered failures -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "invoked", "reported"),
    [
        ({0}, [0], ["1000", "1001", "1002", "1003"]),
        ({2}, [0, 1, 2], ["1002", "1003"]),
        ({3}, [0, 1, 2, 3], ["1003"]),
        ({1, 2}, [0, 1], ["1001", "1002", "1003"]),
        (set(), [0, 1, 2, 3], []),
    ],
    ids=["start", "middle", "end", "two", "none"],
)
def test_first_failure_stops_the_batch(
    failing: set[int],
    invoked: list[int],
    reported: list[str],
    payload: Payload,
    lambda_context: Any,
) -> None:
    app, seen = changes_app(fail=lambda change: change.key["Id"] in failing)
    response = DynamoDBStreams().invoke(pinned(app), batch(payload, 4), lambda_context)
    assert [change.key["Id"] for change in seen] == invoked
    assert failures(response) == reported


def test_image_failing_validation_fails_its_record(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.changes("orders")
    def audit(change: ChangeEvent[Item]) -> None: ...

    event = batch(payload, 3)
    event["Records"][1]["dynamodb"]["NewImage"]["Id"] = {"S": "not a number"}
    response = DynamoDBStreams().invoke(
        Functions(app, app.function("audit")), event, lambda_context
    )
    assert failures(response) == ["1001", "1002"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("eventName",), "UPSERT"),
        (("dynamodb", "NewImage", "Id"), {"N": "1.2.3"}),
        (("dynamodb", "NewImage", "Message"), {"S": ["x"]}),
        (("dynamodb", "NewImage"), [1, 2]),
        (("dynamodb", "Keys"), None),
        (("dynamodb", "ApproximateCreationDateTime"), "yesterday"),
    ],
)
def test_malformed_record_is_reported(
    path: tuple[str, ...], value: Any, payload: Payload, lambda_context: Any
) -> None:
    event = batch(payload, 2)
    target: Any = event["Records"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    app, seen = changes_app()
    response = DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert failures(response) == ["1000", "1001"]
    assert seen == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), size=st.integers(min_value=1, max_value=25))
def test_property_report_first_failure_and_everything_after(
    data: st.DataObject, size: int, payload: Payload, lambda_context: Any
) -> None:
    failing = data.draw(st.sets(st.integers(min_value=0, max_value=size - 1)))
    app, seen = changes_app(fail=lambda change: change.key["Id"] in failing)
    response = DynamoDBStreams().invoke(pinned(app), batch(payload, size), lambda_context)
    first = min(failing, default=size)
    assert failures(response) == [str(1000 + index) for index in range(first, size)]
    assert [change.key["Id"] for change in seen] == list(range(min(first + 1, size)))


# -- malformed payloads -----------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        lambda record: record.pop("dynamodb"),
        lambda record: record.pop("eventSourceARN"),
        lambda record: record["dynamodb"].pop("SequenceNumber"),
        lambda record: record["dynamodb"].update(SequenceNumber=1000),
        lambda record: record.update(eventSourceARN=["x"]),
    ],
    ids=["no dynamodb", "no arn", "no sequence", "int sequence", "list arn"],
)
def test_malformed_payload_is_unsupported(
    mutate: Callable[[dict[str, Any]], Any], payload: Payload, lambda_context: Any
) -> None:
    event = batch(payload, 2)
    mutate(event["Records"][1])
    app, seen = changes_app()
    with pytest.raises(UnsupportedEvent):
        DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload("database/dynamodb-stream-all-attribute-types.json")
    before = copy.deepcopy(event)
    app, _ = changes_app()
    DynamoDBStreams().invoke(pinned(app), event, lambda_context)
    assert event == before
