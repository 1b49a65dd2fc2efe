"""The SQS source: queue messages, SNS and S3 notifications carried by SQS, partial batches.

Payloads: tests/payloads/aws/queue/sqs-*.json (Powertools' and aws-lambda-go's test
events, aws-lambda-java-libs' empty-body event; see SOURCES.md there).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import App, Message, StorageEvent
from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.eventbridge import EventBridge
from portafunc_aws.sources.s3 import S3
from portafunc_aws.sources.sns import SNS
from portafunc_aws.sources.sqs import SQS

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
OWNED = sorted(p.name for p in (PAYLOADS / "queue").glob("sqs-*.json"))
SOURCE = SQS()
#: Valid JSON nested deeper than Python's recursion limit can decode.
DEEP_JSON = '{"a":' + "[" * 50_000 + "]" * 50_000 + "}"


class Order(BaseModel):
    id: str
    qty: int


class Recorder:
    """An app whose functions record every envelope they receive, failing on request."""

    def __init__(self) -> None:
        self.app = App("shop")
        self.seen: list[Any] = []
        self.fail_on: set[str] = set()
        app = self.app

        @app.queue("my-queue")
        def my_queue(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("sqs-redrive-SampleDLQ-Emgp9MFSLBZm")
        def dlq(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("TestLambda")
        def test_lambda(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("SQSQueue")
        def sqs_queue(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("orders.fifo")
        def orders_fifo(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("ordered", aws={"fifo": True})
        def ordered(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.queue("typed")
        def typed(msg: Message[Order]) -> None:
            self.record(msg, msg.data.id)

        @app.topic("Test.fifo")
        def fifo_topic(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.topic("powertools265")
        def topic(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

        @app.storage("xxx")
        def uploads(event: StorageEvent) -> None:
            self.record(event, event.key)

        @app.get("/")
        def index() -> str:
            return "ok"

    def record(self, envelope: Any, key: str) -> None:
        self.seen.append(envelope)
        if key in self.fail_on:
            raise RuntimeError(f"failing {key}")

    def functions(self, pinned: str | None = None) -> Functions:
        return Functions(self.app, self.app.function(pinned) if pinned else None)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def batch(payload: Payload, arn: str, bodies: list[str]) -> dict[str, Any]:
    """A batch of records copied from the corpus's first record, one per body."""
    template = payload("queue/sqs-batch-two-records.json")["Records"][1]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record.update(messageId=f"m{index}", body=body, eventSourceARN=arn)
        records.append(record)
    return {"Records": records}


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# -- matching ---------------------------------------------------------------------------


def test_matches_exactly_its_payloads(payload: Payload) -> None:
    for path in sorted(PAYLOADS.glob("*/*.json")):
        event = payload(f"{path.parent.name}/{path.name}")
        assert SOURCE.matches(event) is (path.name in OWNED), path.name
    assert len(OWNED) == 7


@pytest.mark.parametrize("name", OWNED)
def test_owned_payloads_match_no_other_messaging_source(payload: Payload, name: str) -> None:
    event = payload(f"queue/{name}")
    assert not any(source.matches(event) for source in (SNS(), S3(), EventBridge()))


# -- every corpus payload, golden ---------------------------------------------------------


@pytest.mark.parametrize("name", OWNED)
def test_corpus_payload_golden(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
    recorder: Recorder,
    name: str,
) -> None:
    response = SOURCE.invoke(recorder.functions(), payload(f"queue/{name}"), lambda_context)
    assert response == {"batchItemFailures": []}
    assert len(recorder.seen) == len(payload(f"queue/{name}")["Records"])
    events = [as_json(envelope) for envelope in recorder.seen]
    golden(
        f"sqs/{name[:-5]}",
        {"event": events[0] if len(events) == 1 else events, "response": response},
    )


def test_batch_of_two(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    first, second = recorder.seen
    assert first.id == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert first.body == b"Test message."
    assert first.attributes == {"testAttr": "100"}  # a Number attribute's stringValue
    assert first.source == "my-queue"
    assert first.time.isoformat() == "2018-12-17T21:37:29.183000+00:00"
    assert first.attempt == 1
    assert first.partition_key is None
    assert first.provider == "aws"
    assert first.raw is event["Records"][0]
    assert json.loads(second.data) == {"message": "foo1"}
    assert second.attributes == {}


def test_system_attributes_stay_in_raw(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    SOURCE.invoke(recorder.functions(), payload("queue/sqs-dlq-redrive.json"), lambda_context)
    (msg,) = recorder.seen
    assert msg.attributes == {}
    assert msg.attempt == 2
    assert msg.body == b"hello world"
    assert msg.source == "sqs-redrive-SampleDLQ-Emgp9MFSLBZm"
    assert msg.raw["attributes"]["DeadLetterQueueSourceArn"].endswith("SampleQueue-RNvLCpwGmLi7")


def test_empty_body(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    SOURCE.invoke(recorder.functions(), payload("queue/sqs-empty-body.json"), lambda_context)
    (msg,) = recorder.seen
    assert msg.body == b""
    assert msg.id == "d9144555-9a4f-4ec3-99a0-fc4e625a8db2"
    assert msg.time.isoformat() == "2020-10-06T09:15:09.495000+00:00"


def test_binary_and_list_attributes(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-message-attributes-binary-and-lists.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    (msg,) = recorder.seen
    assert msg.attributes == {
        "Attribute3": b"1100",  # binaryValue "MTEwMA==" decoded
        "Attribute2": "123",
        "Attribute1": "AttributeValue1",
    }
    assert msg.attempt == 2
    assert msg.source == "SQSQueue"


def test_list_only_attributes_and_undecodable_binary(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = batch(payload, "arn:aws:sqs:us-east-1:1:my-queue", ["x"])
    event["Records"][0]["messageAttributes"] = {
        "strings": {"dataType": "String", "stringListValues": ["a", "b"]},
        "blobs": {"dataType": "Binary", "binaryListValues": ["MA==", "MQ=="]},
        "custom": {"dataType": "Binary.gzip", "binaryValue": "not base64!"},
        "empty": {"dataType": "String"},
    }
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen[0].attributes == {
        "strings": ["a", "b"],
        "blobs": [b"0", b"1"],
        "custom": "not base64!",  # kept as received rather than failing the message
        "empty": [],
    }


@pytest.mark.parametrize(
    "attributes", [{"broken": {"stringValue": "no dataType"}}, ["x"], {"a": "b"}]
)
def test_attributes_are_built_on_first_read(
    payload: Payload, lambda_context: Any, recorder: Recorder, attributes: Any
) -> None:
    event = batch(payload, "arn:aws:sqs:us-east-1:1:my-queue", ["x"])
    event["Records"][0]["messageAttributes"] = attributes
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == []  # the handler never read them
    with pytest.raises(UnsupportedEvent, match="SQS message attributes"):
        _ = recorder.seen[0].attributes


def test_sns_envelope_in_sqs(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("queue/sqs-with-sns-envelope.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    (msg,) = recorder.seen
    assert msg.id == "d88d4479-6ec0-54fe-b63f-1cf9df4bb16e"  # the SNS MessageId
    assert json.loads(msg.data) == {"message": "hello world", "username": "lessa"}
    assert msg.source == "powertools265"  # the topic
    assert msg.time.isoformat() == "2021-01-19T10:07:07.287000+00:00"  # SNS Timestamp
    assert msg.attempt == 1  # SQS's receive count
    assert msg.raw is event["Records"][0]


def test_fifo_sns_envelope_keeps_the_message_group(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    SOURCE.invoke(
        recorder.functions(), payload("queue/sqs-fifo-with-sns-envelope.json"), lambda_context
    )
    (msg,) = recorder.seen
    assert msg.source == "Test.fifo"
    assert msg.partition_key == "powertools-test"
    assert msg.id == "a7c9d2fa-77fa-5184-9de9-89391027cc7d"


def test_s3_notification_in_sqs(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("queue/sqs-with-s3-notification.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    (storage,) = recorder.seen
    assert (storage.bucket, storage.key, storage.action) == ("xxx", "test.pdf", "created")
    assert storage.size == 104681
    assert storage.etag == "2e3ad1e983318bbd8e73b080e2997980"
    assert storage.content_type is None
    assert storage.time.isoformat() == "2023-04-12T20:43:38.021000+00:00"
    assert storage.raw == json.loads(event["Records"][0]["body"])["Records"][0]


def s3_in_sns_in_sqs(payload: Payload) -> dict[str, Any]:
    """SNS→SQS carrying an S3 notification: built from the corpus's two payloads."""
    event = payload("queue/sqs-with-sns-envelope.json")
    s3_body = payload("queue/sqs-with-s3-notification.json")["Records"][0]["body"]
    envelope = json.loads(event["Records"][0]["body"])
    envelope.update(Message=s3_body, TopicArn="arn:aws:sns:eu-west-1:231436140809:uploads")
    event["Records"][0]["body"] = json.dumps(envelope)
    return event


def test_s3_in_sns_in_sqs(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    response = SOURCE.invoke(recorder.functions(), s3_in_sns_in_sqs(payload), lambda_context)
    assert response == {"batchItemFailures": []}
    (storage,) = recorder.seen
    assert (storage.bucket, storage.key, storage.action) == ("xxx", "test.pdf", "created")


def test_s3_test_event_is_acknowledged(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    test_event = json.dumps(payload("storage/s3-test-event-notification.json"))
    event = batch(payload, "arn:aws:sqs:us-east-1:1:s3-events", [test_event])
    assert SOURCE.invoke(recorder.functions(), event, lambda_context) == {"batchItemFailures": []}
    pinned = recorder.functions("uploads")
    assert SOURCE.invoke(pinned, event, lambda_context) == {"batchItemFailures": []}
    assert recorder.seen == []


def test_s3_test_event_inside_sns_is_acknowledged(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = s3_in_sns_in_sqs(payload)
    envelope = json.loads(event["Records"][0]["body"])
    envelope["Message"] = json.dumps(payload("storage/s3-test-event-notification.json"))
    event["Records"][0]["body"] = json.dumps(envelope)
    assert SOURCE.invoke(recorder.functions(), event, lambda_context) == {"batchItemFailures": []}
    assert recorder.seen == []


def several_s3_records(payload: Payload, keys: list[str]) -> dict[str, Any]:
    event = payload("queue/sqs-with-s3-notification.json")
    body = json.loads(event["Records"][0]["body"])
    template = body["Records"][0]
    body["Records"] = [copy.deepcopy(template) for _ in keys]
    for record, key in zip(body["Records"], keys, strict=True):
        record["s3"]["object"]["key"] = key
    event["Records"][0]["body"] = json.dumps(body)
    return event


def test_several_s3_records_fail_their_sqs_record_together(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = several_s3_records(payload, ["a", "b", "c"])
    assert failures(SOURCE.invoke(recorder.functions(), event, lambda_context)) == []
    assert [e.key for e in recorder.seen] == ["a", "b", "c"]
    recorder.seen.clear()
    recorder.fail_on = {"b"}
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["ca3e7a89-c358-40e5-8aa0-5da01403c267"]
    assert [e.key for e in recorder.seen] == ["a", "b", "c"]  # every one attempted


def test_undeclared_s3_action_is_acknowledged(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-with-s3-notification.json")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    event["Records"][0]["body"] = json.dumps(body)
    assert SOURCE.invoke(recorder.functions(), event, lambda_context) == {"batchItemFailures": []}
    assert recorder.seen == []


# -- partial batches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        ({"m0"}, ["m0"]),
        ({"m2"}, ["m2"]),
        ({"m4"}, ["m4"]),
        ({"m0", "m2", "m4"}, ["m0", "m2", "m4"]),
        (set(), []),
    ],
)
def test_partial_batch_reports_exactly_the_failures(
    payload: Payload,
    lambda_context: Any,
    recorder: Recorder,
    failing: set[str],
    expected: list[str],
) -> None:
    recorder.fail_on = failing
    event = batch(payload, "arn:aws:sqs:us-east-2:123456789012:my-queue", ["b"] * 5)
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == expected
    assert [m.id for m in recorder.seen] == ["m0", "m1", "m2", "m3", "m4"]


def test_invalid_data_is_a_failure_never_dropped(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    bodies = ['{"id": "a", "qty": 1}', '{"id": "b"}', "not json", '{"id": "d", "qty": 4}']
    event = batch(payload, "arn:aws:sqs:us-east-2:123456789012:typed", bodies)
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["m1", "m2"]
    assert [m.data.id for m in recorder.seen] == ["a", "d"]


@pytest.mark.parametrize("queue", ["orders.fifo", "ordered"])
@pytest.mark.parametrize(("failing", "expected"), [("m0", 0), ("m1", 1), ("m3", 3)])
def test_fifo_stops_at_the_first_failure(
    payload: Payload,
    lambda_context: Any,
    recorder: Recorder,
    queue: str,
    failing: str,
    expected: int,
) -> None:
    recorder.fail_on = {failing}
    event = batch(payload, f"arn:aws:sqs:us-east-2:123456789012:{queue}", ["b"] * 4)
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == [f"m{i}" for i in range(expected, 4)]
    assert [m.id for m in recorder.seen] == [f"m{i}" for i in range(expected + 1)]


def test_fifo_invalid_data_stops_the_batch(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = batch(payload, "arn:aws:sqs:us-east-2:123456789012:orders.fifo", ["a", "b"])
    event["Records"][0]["body"] = 42  # not a string: the record cannot be translated
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["m0", "m1"]
    assert recorder.seen == []


# -- pinned and routed --------------------------------------------------------------------


def test_pinned_queue_function_reads_any_body_as_is(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-with-sns-envelope.json")
    SOURCE.invoke(recorder.functions("my_queue"), event, lambda_context)
    (msg,) = recorder.seen
    assert msg.id == "79406a00-bf15-46ca-978c-22c3613fcb30"  # the SQS messageId
    assert json.loads(msg.data)["Type"] == "Notification"
    assert msg.source == "powertools265"  # the queue's name


def test_pinned_topic_function_reads_the_notification(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-fifo-with-sns-envelope.json")
    SOURCE.invoke(recorder.functions("topic"), event, lambda_context)  # declared: powertools265
    (msg,) = recorder.seen
    assert msg.id == "a7c9d2fa-77fa-5184-9de9-89391027cc7d"
    assert msg.source == "Test.fifo"


def test_pinned_topic_function_under_raw_message_delivery(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    SOURCE.invoke(recorder.functions("topic"), event, lambda_context)
    assert [m.body for m in recorder.seen] == [b"Test message.", b'{"message": "foo1"}']
    assert recorder.seen[0].source == "my-queue"


def test_a_body_nested_too_deep_is_no_notification(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    """Found by tests/fuzz: RecursionError escaped the invocation (the whole batch)."""
    event = batch(payload, "arn:aws:sqs:us-east-2:123456789012:unknown", [DEEP_JSON, "x"])
    response = SOURCE.invoke(recorder.functions("topic"), event, lambda_context)
    assert failures(response) == []  # raw message delivery: the body as it is
    assert [message.body for message in recorder.seen] == [DEEP_JSON.encode(), b"x"]
    response = SOURCE.invoke(recorder.functions("uploads"), event, lambda_context)
    assert failures(response) == ["m0", "m1"]  # neither is an S3 notification


def test_pinned_storage_function(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    pinned = recorder.functions("uploads")
    for event in (payload("queue/sqs-with-s3-notification.json"), s3_in_sns_in_sqs(payload)):
        assert SOURCE.invoke(pinned, event, lambda_context) == {"batchItemFailures": []}
    assert [e.key for e in recorder.seen] == ["test.pdf", "test.pdf"]


def test_pinned_storage_function_refuses_other_bodies(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    response = SOURCE.invoke(recorder.functions("uploads"), event, lambda_context)
    assert failures(response) == [r["messageId"] for r in event["Records"]]
    event = payload("queue/sqs-with-sns-envelope.json")
    response = SOURCE.invoke(recorder.functions("uploads"), event, lambda_context)
    assert failures(response) == ["79406a00-bf15-46ca-978c-22c3613fcb30"]
    assert recorder.seen == []


def test_pinned_function_of_another_kind(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    with pytest.raises(NoSuchFunction, match="'index' is a http function"):
        SOURCE.invoke(recorder.functions("index"), event, lambda_context)


def test_routed_by_arn_option(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[Message[bytes]] = []

    @app.queue("orders", aws={"arn": "arn:aws:sqs:us-east-2:123456789012:my-queue"})
    def orders(msg: Message[bytes]) -> None:
        seen.append(msg)

    event = payload("queue/sqs-batch-two-records.json")
    SOURCE.invoke(Functions(app), event, lambda_context)
    assert [m.source for m in seen] == ["my-queue", "my-queue"]


def test_unknown_queue(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = batch(payload, "arn:aws:sqs:us-east-2:123456789012:unknown", ["a", '{"b": 1}'])
    with pytest.raises(NoSuchFunction, match=r"SQS queue 'arn:aws:sqs:.*:unknown'"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)


def test_unknown_topic(payload: Payload, lambda_context: Any) -> None:
    with pytest.raises(NoSuchFunction, match=r"SNS topic 'arn:aws:sns:.*:powertools265'"):
        SOURCE.invoke(
            Functions(App("empty")), payload("queue/sqs-with-sns-envelope.json"), lambda_context
        )


def test_unknown_bucket(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/sqs-with-s3-notification.json")
    with pytest.raises(NoSuchFunction, match="S3 bucket 'xxx'"):
        SOURCE.invoke(Functions(App("empty")), event, lambda_context)


def test_unroutable_records_of_a_routable_batch_fail_alone(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    sns_record = payload("queue/sqs-with-sns-envelope.json")["Records"][0]
    other = copy.deepcopy(sns_record)
    envelope = json.loads(other["body"])
    envelope["TopicArn"] = "arn:aws:sns:eu-west-1:231436140809:undeclared"
    other.update(body=json.dumps(envelope), messageId="other")
    response = SOURCE.invoke(recorder.functions(), {"Records": [other, sns_record]}, lambda_context)
    assert failures(response) == ["other"]
    assert [m.source for m in recorder.seen] == ["powertools265"]


# -- malformed payloads -------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("Records"),
        lambda e: e.update(Records={}),
        lambda e: e.update(Records=[]),
        lambda e: e["Records"][0].pop("messageId"),
        lambda e: e["Records"][1].update(messageId=7),
        lambda e: e["Records"][0].pop("eventSourceARN"),
        lambda e: e["Records"][0].update(eventSourceARN=None),
    ],
)
def test_malformed_batches_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    mutate(event)
    with pytest.raises(UnsupportedEvent, match="malformed sqs payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.pop("body"),
        lambda r: r.update(body=None),
        lambda r: r.update(attributes={"SentTimestamp": "yesterday"}),
        lambda r: r.update(attributes={"ApproximateReceiveCount": "many"}),
        lambda r: r.update(attributes="x"),
        lambda r: r.update(attributes={"MessageGroupId": 3}),
    ],
)
def test_malformed_records_are_reported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    mutate(event["Records"][0])
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["059f36b4-87a3-44ab-83d2-661975830a7d"]
    assert [m.id for m in recorder.seen] == ["2e1424d4-f796-459a-8184-9c92662be6da"]


def test_a_malformed_record_is_logged_with_its_id(
    payload: Payload,
    lambda_context: Any,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    event["Records"][0].pop("body")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    [line] = [r.getMessage() for r in caplog.records if "cannot be delivered" in r.getMessage()]
    assert line.startswith("record 059f36b4-87a3-44ab-83d2-661975830a7d cannot be delivered")
    assert line.endswith("malformed sqs payload (KeyError: 'body')")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n.pop("MessageId"),
        lambda n: n.update(Message=None),
        lambda n: n.update(TopicArn=5),
        lambda n: n.update(Timestamp=20210119),
        lambda n: n.update(MessageAttributes="x"),
    ],
)
def test_malformed_sns_envelopes_are_reported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("queue/sqs-with-sns-envelope.json")
    envelope = json.loads(event["Records"][0]["body"])
    mutate(envelope)
    event["Records"][0]["body"] = json.dumps(envelope)
    ok = payload("queue/sqs-with-sns-envelope.json")["Records"][0]
    ok["messageId"] = "ok"
    event["Records"].append(ok)
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["79406a00-bf15-46ca-978c-22c3613fcb30"]
    assert len(recorder.seen) == 1


def test_malformed_s3_records_are_reported(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("queue/sqs-with-s3-notification.json")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["object"]["size"] = "big"
    event["Records"][0]["body"] = json.dumps(body)
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert failures(response) == ["ca3e7a89-c358-40e5-8aa0-5da01403c267"]
    assert recorder.seen == []
