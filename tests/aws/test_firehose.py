"""Firehose data transformation → ``stream`` functions (portafunc_aws.sources.firehose).

Payloads: tests/payloads/aws/stream/firehose-transformation-*.json (Powertools'
fixtures of the Firehose transformation event, Direct PUT and Kinesis source; see
SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import App, Message
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
FIREHOSE = ("firehose-transformation-put", "firehose-transformation-kinesis-source")
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())


def transform_app(
    transform: Callable[[Message[bytes]], Any] = lambda message: message.body.upper(),
) -> tuple[App, list[Message[bytes]]]:
    """An app whose ``transform`` stream function records what it sees."""
    app = App("shop")
    seen: list[Message[bytes]] = []

    @app.stream("delivery-stream-name")
    def on_record(message: Message[bytes]) -> Any:
        seen.append(message)
        return transform(message)

    return app, seen


def decoded(response: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    return [
        (record["recordId"], record["result"], base64.b64decode(record["data"]))
        for record in response["records"]
    ]


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIREHOSE)
def test_corpus_payload_matches_firehose_only(name: str, payload: Payload) -> None:
    event = payload(f"stream/{name}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["firehose"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert Firehose().matches(event) == (path.stem in FIREHOSE), path


# -- translation ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIREHOSE)
def test_corpus_payload_golden(
    name: str,
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    app, seen = transform_app()
    response = Firehose().invoke(Functions(app), payload(f"stream/{name}.json"), lambda_context)
    assert decoded(response) == [
        ("record1", "Ok", b"HELLO WORLD"),
        ("record2", "Ok", b'{"HELLO": "WORLD"}'),
    ]
    golden(f"firehose/{name}", {"event": [as_json(m) for m in seen], "response": response})


def test_records_translate(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/firehose-transformation-kinesis-source.json")
    app, seen = transform_app()
    Firehose().invoke(Functions(app), event, lambda_context)
    first, second = seen
    assert (first.id, second.id) == ("record1", "record2")
    assert (first.body, second.body) == (b"Hello World", b'{"Hello": "World"}')
    assert first.source == "delivery-stream-name"
    assert first.partition_key == "4d1ad2b9-24f8-4b9d-a088-76e9947c317a"
    assert first.time == datetime(2022, 9, 24, 14, 13, 40, 148000, tzinfo=timezone.utc)
    assert (first.attributes, first.attempt) == ({}, None)
    assert first.raw is event["records"][0]


def test_direct_put_has_no_partition_key(payload: Payload, lambda_context: Any) -> None:
    app, seen = transform_app()
    Firehose().invoke(
        Functions(app), payload("stream/firehose-transformation-put.json"), lambda_context
    )
    assert [message.partition_key for message in seen] == [None, None]


class Shout(BaseModel):
    text: str


@dataclass
class Whisper:
    text: str


@pytest.mark.parametrize(
    ("result", "data"),
    [
        (None, b"Hello World"),
        (b"bytes", b"bytes"),
        (bytearray(b"array"), b"array"),
        ("t\u00e9xt", "t\u00e9xt".encode()),
        ("", b""),
        ({"a": [1, 2]}, b'{"a":[1,2]}'),
        ([1, "x"], b'[1,"x"]'),
        (3, b"3"),
        (Shout(text="HI"), b'{"text":"HI"}'),
        (Whisper(text="hi"), b'{"text":"hi"}'),
    ],
    ids=["none", "bytes", "bytearray", "str", "empty", "dict", "list", "int", "model", "dataclass"],
)
def test_the_result_is_the_transformed_record(
    result: Any, data: bytes, payload: Payload, lambda_context: Any
) -> None:
    app, _ = transform_app(lambda message: result)
    response = Firehose().invoke(
        Functions(app), payload("stream/firehose-transformation-put.json"), lambda_context
    )
    assert decoded(response)[0] == ("record1", "Ok", data)


def test_a_failure_keeps_the_original_data(payload: Payload, lambda_context: Any) -> None:
    def transform(message: Message[bytes]) -> bytes:
        if message.id == "record1":
            raise RuntimeError("cannot transform")
        return b"ok"

    event = payload("stream/firehose-transformation-put.json")
    app, seen = transform_app(transform)
    response = Firehose().invoke(Functions(app), event, lambda_context)
    assert response["records"] == [
        {"recordId": "record1", "result": "ProcessingFailed", "data": "SGVsbG8gV29ybGQ="},
        {"recordId": "record2", "result": "Ok", "data": base64.b64encode(b"ok").decode()},
    ]
    assert len(seen) == 2


def test_undecodable_data_and_unencodable_results_fail(
    payload: Payload, lambda_context: Any
) -> None:
    event = payload("stream/firehose-transformation-put.json")
    event["records"][0]["data"] = "not base64!"
    app, seen = transform_app(lambda message: object())
    response = Firehose().invoke(Functions(app), event, lambda_context)
    assert response["records"] == [
        {"recordId": "record1", "result": "ProcessingFailed", "data": "not base64!"},
        {"recordId": "record2", "result": "ProcessingFailed", "data": "eyJIZWxsbyI6ICJXb3JsZCJ9"},
    ]
    assert [message.id for message in seen] == ["record2"]


def test_data_failing_validation_fails(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("delivery-stream-name")
    def greet(data: dict[str, str]) -> dict[str, str]:
        return {key.lower(): value.lower() for key, value in data.items()}

    response = Firehose().invoke(
        Functions(app), payload("stream/firehose-transformation-put.json"), lambda_context
    )
    assert decoded(response) == [
        ("record1", "ProcessingFailed", b"Hello World"),
        ("record2", "Ok", b'{"hello":"world"}'),
    ]


def test_no_function_for_the_delivery_stream(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("other")
    def other(message: Message[bytes]) -> None: ...

    with pytest.raises(NoSuchFunction, match="delivery-stream-name"):
        Firehose().invoke(
            Functions(app), payload("stream/firehose-transformation-put.json"), lambda_context
        )


def test_pinned_function(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.stream("renamed")
    def renamed(message: Message[bytes]) -> None:
        seen.append(message.source)

    event = payload("stream/firehose-transformation-put.json")
    Firehose().invoke(Functions(app, app.function("renamed")), event, lambda_context)
    assert seen == ["delivery-stream-name", "delivery-stream-name"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda event: event["records"][0].pop("recordId"),
        lambda event: event["records"][1].pop("data"),
        lambda event: event["records"][0].update(data=None),
        lambda event: event["records"][0].update(recordId=1),
        lambda event: event["records"].append("x"),
    ],
    ids=["no id", "no data", "null data", "int id", "not an object"],
)
def test_malformed_payload_is_unsupported(
    mutate: Callable[[dict[str, Any]], Any], payload: Payload, lambda_context: Any
) -> None:
    event = payload("stream/firehose-transformation-put.json")
    mutate(event)
    app, seen = transform_app()
    with pytest.raises(UnsupportedEvent):
        Firehose().invoke(Functions(app), event, lambda_context)
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/firehose-transformation-kinesis-source.json")
    before = copy.deepcopy(event)
    app, _ = transform_app()
    Firehose().invoke(Functions(app), event, lambda_context)
    assert event == before
