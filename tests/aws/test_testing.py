"""``portafunc_aws.testing``: every builder's event has the shape of the corpus payload of
its source (the keys AWS always sends, with the same JSON types) and reads back, through
Powertools' event data classes, as the values the builder was given."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.utilities.data_classes import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    DynamoDBStreamEvent,
    EventBridgeEvent,
    KinesisStreamEvent,
    LambdaFunctionUrlEvent,
    S3Event,
    S3EventBridgeNotificationEvent,
    SNSEvent,
    SQSEvent,
)
from pydantic import BaseModel

from portafunc_aws.testing import (
    LambdaContext,
    alb_event,
    attribute_value,
    dynamodb_stream_event,
    eventbridge_event,
    function_url_event,
    http_v2_event,
    kinesis_event,
    rest_event,
    s3_event,
    s3_eventbridge_event,
    scheduled_event,
    scheduler_invocation,
    sns_event,
    sns_in_sqs_event,
    sqs_event,
)

Payload = Callable[[str], dict[str, Any]]


# -- the shape check ------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def mismatches(
    built: Any,
    corpus: Any,
    *,
    ignore: Collection[str] = (),
    maps: Collection[str] = (),
    path: str = "",
) -> list[str]:
    """Where ``built`` lacks a key ``corpus`` has, or holds another JSON type there.

    A null in the corpus accepts anything (the field is nullable). Paths in ``ignore``
    are keys AWS sends only in some configurations; paths in ``maps`` are objects whose
    keys are data (headers, attributes, item images), checked to be objects only.
    """
    if path in ignore or corpus is None:
        return []
    if _kind(built) != _kind(corpus):
        return [f"{path or '<top>'}: {_kind(built)}, corpus has {_kind(corpus)}"]
    if isinstance(corpus, dict) and path not in maps:
        found: list[str] = []
        for key, value in corpus.items():
            inner = f"{path}.{key}" if path else key
            if key not in built:
                found += [] if inner in ignore else [f"{inner}: missing"]
            else:
                found += mismatches(built[key], value, ignore=ignore, maps=maps, path=inner)
        return found
    if isinstance(corpus, list) and corpus and built:
        return mismatches(built[0], corpus[0], ignore=ignore, maps=maps, path=f"{path}[]")
    return []


def test_the_shape_check_finds_missing_keys_and_other_types() -> None:
    corpus = {"a": 1, "b": {"c": "x", "d": [True]}, "e": None, "h": {"Any": 1}}
    built = {"a": 2.5, "b": {"c": "y", "d": [False]}, "e": "set", "h": {}}
    assert mismatches(built, corpus, maps={"h"}) == []
    assert mismatches({"a": "1", "b": {"d": [1]}, "h": {}}, corpus) == [
        "a: string, corpus has number",
        "b.c: missing",
        "b.d[]: number, corpus has bool",
        "e: missing",
        "h.Any: missing",
    ]


def record(event: Mapping[str, Any], index: int = 0) -> Any:
    return event["Records"][index]


# -- HTTP -----------------------------------------------------------------------------

V2_MAPS = {"headers", "queryStringParameters"}
V1_MAPS = {"headers", "multiValueHeaders", "queryStringParameters"}
V1_MAPS |= {"multiValueQueryStringParameters", "pathParameters"}


def test_http_v2_event_has_the_corpus_shape(payload: Payload) -> None:
    event = http_v2_event("POST", "/my/path", json={"a": 1}, query={"p": "1"}, cookies={"c": "1"})
    corpus = payload("http/apigw-http-v2-jwt-authorizer-cookies.json")
    ignore = {"pathParameters", "stageVariables"}  # routes with parameters, staged variables
    ignore |= {"requestContext.authentication", "requestContext.authorizer"}  # mTLS, JWT
    assert mismatches(event, corpus, ignore=ignore, maps=V2_MAPS) == []
    assert mismatches(event, payload("http/apigw-http-v2-no-authorizer.json"), ignore=ignore) == []


def test_http_v2_event_reads_back_through_powertools() -> None:
    event = APIGatewayProxyEventV2(
        http_v2_event(
            "post",
            "/orders/a1?x=1",
            json={"id": "a1", "qty": 2},
            headers=[("X-Tag", "a"), ("x-tag", "b")],
            query={"y": ["2", "3"]},
            cookies={"session": "s1", "theme": "dark"},
        )
    )
    assert (event.http_method, event.path, event.raw_path) == ("POST", "/orders/a1", "/orders/a1")
    assert event.json_body == {"id": "a1", "qty": 2}
    assert event.raw_query_string == "x=1&y=2&y=3"
    assert event.query_string_parameters == {"x": "1", "y": "2,3"}
    assert event.headers["x-tag"] == "a,b"
    assert event.headers["content-type"] == "application/json"
    assert event.headers["content-length"] == str(len(event.body or ""))
    assert event.cookies == ["session=s1", "theme=dark"]
    assert "cookie" not in event.headers  # HTTP APIs move cookies to `cookies`
    assert event.request_context.stage == "$default"
    assert event.request_context.http.source_ip == "203.0.113.10"
    assert event.request_context.account_id == "123456789012"
    epoch = event.request_context.time_epoch
    assert abs(epoch / 1000 - time.time()) < 60
    assert not event.is_base64_encoded


def test_http_v2_event_named_stage_prefixes_the_path() -> None:
    event = APIGatewayProxyEventV2(http_v2_event("GET", "/orders", stage="prod"))
    assert event.raw_path == "/prod/orders"
    assert event.request_context.http.path == "/prod/orders"
    assert event.path == "/orders"  # Powertools strips the stage, as the adapter does
    assert event.request_context.stage == "prod"


def test_http_v2_event_binary_body_is_base64_and_paths_are_decoded() -> None:
    built = http_v2_event("PUT", "/files/a%20b", body=b"\x00\xff")
    event = APIGatewayProxyEventV2(built)
    assert event.is_base64_encoded
    assert base64.b64decode(event.body or "") == b"\x00\xff"
    assert event.raw_path == "/files/a b"  # HTTP APIs decode the path themselves
    assert "body" not in http_v2_event("GET", "/")  # no body, no key
    assert "queryStringParameters" not in http_v2_event("GET", "/")
    assert http_v2_event("POST", "/", body="plain")["body"] == "plain"
    assert http_v2_event("POST", "/", json=None)["body"] == "null"  # json=None is JSON null


def test_function_url_event_has_the_corpus_shape(payload: Payload) -> None:
    event = function_url_event(
        "POST", "/hello", json={"a": 1}, query={"p": "1"}, cookies={"c": "1"}
    )
    corpus = payload("http/lambda-function-url-headers-cookies-json-body.json")
    ignore = {"requestContext.authorizer"}  # only with AWS_IAM auth
    assert mismatches(event, corpus, ignore=ignore, maps=V2_MAPS) == []


def test_function_url_event_reads_back_through_powertools() -> None:
    built = function_url_event("GET", "/a%20b", query={"q": "1"}, cookies={"foo": "bar"})
    event = LambdaFunctionUrlEvent(built)
    assert (event.http_method, event.path) == ("GET", "/a%20b")  # function URLs keep it encoded
    assert event.query_string_parameters == {"q": "1"}
    assert event.cookies == ["foo=bar"]
    assert event.headers["cookie"] == "foo=bar"  # function URLs keep the header too
    assert event.request_context.domain_name.endswith(".lambda-url.us-east-1.on.aws")
    assert "body" not in built


def test_rest_event_has_the_corpus_shape(payload: Payload) -> None:
    event = rest_event("POST", "/hello/world", json={"a": 1}, query={"name": "me"})
    corpus = payload("http/apigw-rest-v1-request-crlf-json-body.json")
    ignore = {"stageVariables", "requestContext.authorizer", "requestContext.identity"}
    assert mismatches(event, corpus, ignore=ignore, maps=V1_MAPS) == []
    # The identity fields of a caller with no IAM or Cognito identity are null.
    nulls = payload("http/apigw-rest-v1-empty-body.json")
    assert mismatches(event, nulls, ignore={"stageVariables"}, maps=V1_MAPS) == []
    assert set(nulls["requestContext"]["identity"]) <= set(event["requestContext"]["identity"])


def test_rest_event_reads_back_through_powertools() -> None:
    event = APIGatewayProxyEvent(
        rest_event(
            "post",
            "/orders",
            json={"id": "a1"},
            headers=[("X-Tag", "a"), ("X-Tag", "b")],
            query=[("tag", "x"), ("tag", "y")],
        )
    )
    assert (event.http_method, event.path, event.resource) == ("POST", "/orders", "/{proxy+}")
    assert event.json_body == {"id": "a1"}
    assert event.path_parameters == {"proxy": "orders"}
    assert event.headers["X-Tag"] == "b"  # the single-valued field keeps the last value
    assert event.multi_value_headers["X-Tag"] == ["a", "b"]
    assert event.multi_value_headers["Content-Type"] == ["application/json"]
    assert event.query_string_parameters == {"tag": "y"}
    assert event.multi_value_query_string_parameters == {"tag": ["x", "y"]}
    assert event.request_context.stage == "prod"
    assert event.request_context.path == "/prod/orders"
    assert event.request_context.identity.source_ip == "203.0.113.10"


def test_rest_event_path_parameters_name_the_resource() -> None:
    event = APIGatewayProxyEvent(
        rest_event(
            "GET", "/tenants/t1/files/a/b.txt", path_parameters={"tenant": "t1", "key": "a/b.txt"}
        )
    )
    assert event.resource == "/tenants/{tenant}/files/{key+}"
    assert event.path_parameters == {"tenant": "t1", "key": "a/b.txt"}
    root = rest_event("GET", "/", stage="dev")
    assert (root["resource"], root["pathParameters"], root["body"]) == ("/", None, None)
    assert root["queryStringParameters"] is None
    assert root["multiValueQueryStringParameters"] is None


def test_alb_event_has_the_corpus_shape(payload: Payload) -> None:
    single = alb_event("GET", "/lambda", body="Test", query={"query": "1234ABCD"})
    assert mismatches(single, payload("http/alb-target-request.json"), maps=V1_MAPS) == []
    multi = alb_event("GET", "/todos", query={"p": ["1", "2"]}, multi_value=True)
    corpus = payload("http/alb-target-request-multivalue-query.json")
    assert mismatches(multi, corpus, maps=V1_MAPS) == []
    assert "headers" not in multi
    assert "queryStringParameters" not in multi
    assert "multiValueHeaders" not in single


def test_alb_event_reads_back_through_powertools() -> None:
    event = ALBEvent(
        alb_event("POST", "/x", body=b"\x01\x02", headers={"X-Tag": "a"}, query={"q": "a b&c"})
    )
    assert (event.http_method, event.path) == ("POST", "/x")
    assert event.is_base64_encoded
    assert base64.b64decode(event["body"]) == b"\x01\x02"
    assert event.headers["x-tag"] == "a"  # lower-cased
    # The load balancer passes the query on as the client encoded it.
    assert event.query_string_parameters == {"q": "a+b%26c"}
    assert event.request_context.elb_target_group_arn.startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/"
    )
    multi = ALBEvent(alb_event("GET", "/", query=[("a", "1"), ("a", "2")], multi_value=True))
    assert multi.multi_value_query_string_parameters == {"a": ["1", "2"]}
    assert alb_event("GET", "/")["body"] == ""  # ALB always sends a body


# -- SQS and SNS ------------------------------------------------------------------------


class Order(BaseModel):
    id: str
    qty: int


def test_sqs_event_has_the_corpus_shape(payload: Payload) -> None:
    event = sqs_event(["Test message."], attributes={"text": "v", "blob": b"1"})
    corpus = payload("queue/sqs-batch-two-records.json")
    assert mismatches(record(event), record(corpus, 1), maps={"messageAttributes"}) == []
    with_attributes = record(payload("queue/sqs-message-attributes-binary-and-lists.json"))
    assert mismatches(record(event), with_attributes, maps={"messageAttributes"}) == []
    built, given = record(event)["messageAttributes"], with_attributes["messageAttributes"]
    assert mismatches(built["text"], given["Attribute1"]) == []  # a String attribute
    binary = {k: v for k, v in given["Attribute3"].items() if k != "stringListValues"}
    assert mismatches(built["blob"], binary) == []  # a Binary one (the corpus adds a list)
    fifo = sqs_event(["x"], queue="Test.fifo")
    corpus = payload("queue/sqs-fifo-with-sns-envelope.json")
    assert mismatches(record(fifo), record(corpus)) == []


def test_sqs_event_reads_back_through_powertools() -> None:
    bodies: list[Any] = ["text", b"bytes", {"id": "a1", "qty": 2}, Order(id="b2", qty=1)]
    event = SQSEvent(sqs_event(bodies, queue="orders", attributes={"k": "v", "n": 7}))
    records = list(event.records)
    assert [r.body for r in records] == [
        "text",
        "bytes",
        '{"id":"a1","qty":2}',
        '{"id":"b2","qty":1}',
    ]
    first = records[0]
    assert first.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert first.md5_of_body == hashlib.md5(b"text").hexdigest()
    text, number = first.message_attributes["k"], first.message_attributes["n"]
    assert text is not None
    assert number is not None
    assert text.string_value == "v"
    assert (number.string_value, number.data_type) == ("7", "Number")
    assert first.attributes.approximate_receive_count == "1"
    assert first.attributes.message_group_id is None
    assert len({r.message_id for r in records}) == 4
    assert len({r.receipt_handle for r in records}) == 4


def test_sqs_event_fifo_and_receive_count() -> None:
    event = SQSEvent(
        sqs_event(["a", "b"], queue="orders", fifo=True, group_id="g1", receive_count=3)
    )
    first, second = event.records
    assert first.event_source_arn.endswith(":orders.fifo")  # AWS requires the suffix
    assert first.attributes.message_group_id == "g1"
    assert first.attributes.approximate_receive_count == "3"
    assert first.attributes.message_deduplication_id == hashlib.sha256(b"a").hexdigest()
    assert int(first.attributes.sequence_number or 0) < int(second.attributes.sequence_number or 0)
    named = sqs_event(["a"], queue="jobs.fifo")
    assert record(named)["eventSourceARN"].endswith(":jobs.fifo")
    assert record(named)["attributes"]["MessageGroupId"] == "default"


def test_sqs_md5_of_message_attributes_is_the_one_sqs_computes() -> None:
    # The digest SQS returns for this attribute (localstack's test vector).
    event = sqs_event(["x"], attributes={"timestamp": 1493147359900})
    assert record(event)["md5OfMessageAttributes"] == "235c5c510d26fb653d073faed50ae77c"
    binary = record(sqs_event(["x"], attributes={"b": b"\x00"}))["messageAttributes"]["b"]
    assert (binary["binaryValue"], binary["dataType"]) == ("AA==", "Binary")
    assert "md5OfMessageAttributes" not in record(sqs_event(["x"]))
    with pytest.raises(TypeError, match="not bool"):
        sqs_event(["x"], attributes={"flag": True})


def test_sns_event_has_the_corpus_shape(payload: Payload) -> None:
    event = sns_event(["Hello from SNS!"], subject="TestInvoke", attributes={"Test": "x"})
    corpus = payload("topic/sns-notification.json")
    assert mismatches(record(event), record(corpus), maps={"Sns.MessageAttributes"}) == []


def test_sns_event_reads_back_through_powertools() -> None:
    event = SNSEvent(sns_event([{"id": "a1"}], topic="alerts", attributes={"a": "1", "b": b"\x01"}))
    sns = event.record.sns
    assert json.loads(sns.message) == {"id": "a1"}
    assert sns.topic_arn == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert sns.subject is None  # no subject: null, as SNS sends it
    assert sns.message_attributes["a"].get_type == "String"
    assert sns.message_attributes["a"].value == "1"
    assert base64.b64decode(sns.message_attributes["b"].value) == b"\x01"
    assert event.record.event_subscription_arn.startswith(sns.topic_arn + ":")
    assert sns_event(["x"], subject="Hi")["Records"][0]["Sns"]["Subject"] == "Hi"


def test_sns_in_sqs_event_has_the_corpus_shape(payload: Payload) -> None:
    event = sns_in_sqs_event(["hello"], topic="powertools265", queue="powertools265")
    corpus = payload("queue/sqs-with-sns-envelope.json")
    assert mismatches(record(event), record(corpus)) == []
    note, corpus_note = json.loads(record(event)["body"]), json.loads(record(corpus)["body"])
    assert mismatches(note, corpus_note) == []
    assert set(note) == set(corpus_note)  # no Subject, no MessageAttributes when not given
    assert record(event)["body"].startswith('{\n  "Type" : "Notification",')  # SNS's spacing


def test_sns_in_sqs_event_reads_back_through_powertools() -> None:
    event = SQSEvent(
        sns_in_sqs_event([{"id": "a1"}], topic="t", queue="q", subject="S", attributes={"k": "v"})
    )
    sqs = next(iter(event.records))
    note = json.loads(sqs.body)
    assert sqs.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:q"
    assert note["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:t"
    assert json.loads(note["Message"]) == {"id": "a1"}
    assert note["Subject"] == "S"
    assert note["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    assert sqs.md5_of_body == hashlib.md5(sqs.body.encode()).hexdigest()


# -- S3, EventBridge, schedules -----------------------------------------------------------

VERSIONED = {"s3.object.versionId"}  # only for versioned buckets
QUIRK = {"s3.object.urlDecodedKey"}  # aws-lambda-go's field; S3 never sends it


@pytest.mark.parametrize(
    ("action", "corpus_name"),
    [
        ("created", "s3-object-created-put.json"),
        ("deleted", "s3-object-removed-delete.json"),
        ("restored", "s3-object-restore-completed.json"),
        ("archived", "s3-lifecycle-transition.json"),
    ],
)
def test_s3_event_has_the_corpus_shape(action: str, corpus_name: str, payload: Payload) -> None:
    event = s3_event("bucket", "key", action=action, size=1)
    corpus = payload(f"storage/{corpus_name}")
    assert mismatches(record(event), record(corpus), ignore=VERSIONED | QUIRK) == []
    event_name = record(event)["eventName"]
    assert event_name == record(corpus)["eventName"].removeprefix("s3:")


def test_s3_event_reads_back_through_powertools() -> None:
    key = "photos/2024/a b+c:d.jpg"
    event = S3Event(s3_event("uploads", key, size=42, etag="0123456789abcdef0123456789abcdef"))
    assert event.bucket_name == "uploads"
    assert event.object_key == key  # Powertools unquote_plus-es it back
    assert event.record["s3"]["object"]["key"] == "photos/2024/a+b%2Bc%3Ad.jpg"
    obj = event.record.s3.get_object
    assert (obj.size, obj.etag) == (42, "0123456789abcdef0123456789abcdef")
    assert event.record.event_name == "ObjectCreated:Put"
    assert event.record.s3.bucket.arn == "arn:aws:s3:::uploads"
    deleted = s3_event("uploads", "k", action="deleted")
    assert record(deleted)["s3"]["object"].keys() == {"key", "sequencer"}
    copied = record(s3_event("b", "k", action="ObjectCreated:Copy"))
    assert copied["eventName"] == "ObjectCreated:Copy"  # an S3 event name is taken as is
    assert record(s3_event("b", "k", action="metadata_updated"))["eventName"] == "ObjectTagging:Put"


@pytest.mark.parametrize(
    ("action", "corpus_name"),
    [
        ("created", "s3-eventbridge-object-created.json"),
        ("deleted", "s3-eventbridge-object-deleted.json"),
    ],
)
def test_s3_eventbridge_event_has_the_corpus_shape(
    action: str, corpus_name: str, payload: Payload
) -> None:
    event = s3_eventbridge_event("example-bucket", "key", action=action, size=1)
    corpus = payload(f"storage/{corpus_name}")
    assert mismatches(event, corpus) == []
    assert event["detail-type"] == corpus["detail-type"]


def test_s3_eventbridge_event_reads_back_through_powertools() -> None:
    event = S3EventBridgeNotificationEvent(
        s3_eventbridge_event("uploads", "dir/a.txt", size=5, etag="e" * 32)
    )
    assert (event.detail_type, event.source) == ("Object Created", "aws.s3")
    assert event.detail.bucket.name == "uploads"
    assert event.detail.object.key == "dir/a.txt"
    assert (event.detail.object.size, event.detail.object.etag) == (5, "e" * 32)
    assert event.resources == ["arn:aws:s3:::uploads"]
    assert event.detail.reason == "PutObject"


def test_eventbridge_event_has_the_corpus_shape(payload: Payload) -> None:
    event = eventbridge_event("OrderPlaced", {"id": "a1"}, resources=["arn:aws:x"])
    corpus = payload("event/eventbridge-custom-event.json")
    assert mismatches(event, corpus, ignore={"replay-name"}, maps={"detail"}) == []


def test_eventbridge_event_reads_back_through_powertools() -> None:
    event = EventBridgeEvent(eventbridge_event("OrderPlaced", Order(id="a1", qty=2), source="shop"))
    assert (event.detail_type, event.source) == ("OrderPlaced", "shop")
    assert event.detail == {"id": "a1", "qty": 2}
    assert (event.account, event.region, event.version) == ("123456789012", "us-east-1", "0")
    assert event.resources == []
    parsed = datetime.fromisoformat(event.time.replace("Z", "+00:00"))
    assert abs(parsed.timestamp() - time.time()) < 60


def test_scheduled_event_has_the_corpus_shape(payload: Payload) -> None:
    event = scheduled_event("demoschedule")
    corpus = payload("schedule/eventbridge-scheduled-event-empty-detail.json")
    assert mismatches(event, corpus) == []
    readback = EventBridgeEvent(event)
    assert (readback.detail_type, readback.source, readback.detail) == (
        "Scheduled Event",
        "aws.events",
        {},
    )
    assert readback.resources == ["arn:aws:events:us-east-1:123456789012:rule/demoschedule"]


def test_scheduler_invocation_is_the_build_marker() -> None:
    assert scheduler_invocation("nightly") == {"portafunc": {"schedule": "nightly"}}
    at = datetime(2024, 5, 1, 3, 0, tzinfo=timezone.utc)
    assert scheduler_invocation("nightly", time=at) == {
        "portafunc": {"schedule": "nightly", "time": "2024-05-01T03:00:00Z"}
    }


# -- DynamoDB Streams and Kinesis ---------------------------------------------------------

STREAM_MAPS = {"dynamodb.Keys", "dynamodb.NewImage", "dynamodb.OldImage"}


@pytest.mark.parametrize(("index", "kind"), [(0, "insert"), (1, "update"), (2, "delete")])
def test_dynamodb_stream_event_has_the_corpus_shape(
    index: int, kind: str, payload: Payload
) -> None:
    old = None if kind == "insert" else {"Message": "before"}
    new = None if kind == "delete" else {"Message": "after"}
    event = dynamodb_stream_event([(kind, {"Id": 101}, old, new)], table="ExampleTableWithStream")
    corpus = payload("database/dynamodb-stream-insert-modify-remove.json")
    ignore = {"userIdentity"}  # only on deletes by TTL
    assert mismatches(record(event), record(corpus, index), ignore=ignore, maps=STREAM_MAPS) == []
    assert record(event)["eventName"] == record(corpus, index)["eventName"]
    assert record(event).get("dynamodb").keys() == record(corpus, index)["dynamodb"].keys()


def test_dynamodb_stream_event_reads_back_through_powertools() -> None:
    new = {"qty": 2, "price": Decimal("9.99"), "tags": {"a", "b"}, "blob": b"\x00\x01"}
    new |= {"note": None, "ok": True, "lines": [1, "x"], "meta": {"k": Decimal("1.5")}}
    event = DynamoDBStreamEvent(
        dynamodb_stream_event(
            [("insert", {"id": "a1"}, None, new), ("update", {"id": "a1"}, {"qty": 1}, {"qty": 2})]
        )
    )
    inserted, updated = event.records
    new["blob"] = "AAE="  # Powertools leaves binary values base64-encoded
    assert inserted.event_source_arn is not None
    assert inserted.event_source_arn.startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/"
    )
    assert inserted.dynamodb is not None
    assert updated.dynamodb is not None
    assert inserted.dynamodb.keys == {"id": "a1"}
    assert inserted.dynamodb.new_image == {"id": "a1", **new}  # images include the keys
    assert inserted.dynamodb.old_image == {}
    assert updated.dynamodb.old_image == {"id": "a1", "qty": 1}
    assert updated.event_name is not None
    assert updated.event_name.name == "MODIFY"
    assert (inserted.dynamodb.sequence_number or "") < (updated.dynamodb.sequence_number or "")
    assert inserted.dynamodb.stream_view_type is not None
    created = inserted.dynamodb.approximate_creation_date_time or 0
    assert abs(created - time.time()) < 60


def test_attribute_values_are_the_corpus_item(payload: Payload) -> None:
    corpus = record(payload("database/dynamodb-stream-all-attribute-types.json"), 1)
    image = corpus["dynamodb"]["NewImage"]
    b64 = base64.b64decode
    item = {
        "val": "data",
        "asdf1": b64("AAEqQQ=="),
        "b2": b64("test"),
        "asdf2": {b64("AAEqQQ=="), b64("QSoBAA==")},
        "key": "binary",
        "Binary": b64("AAEqQQ=="),
        "Boolean": True,
        "BinarySet": {b64("AAEqQQ==")},
        "List": ["Cookies", "Coffee", Decimal("3.14159")],
        "Map": {"Name": "Joe", "Age": 35},
        "FloatNumber": Decimal("123.45"),
        "IntegerNumber": 123,
        "NumberSet": {1234, Decimal("567.8")},
        "Null": None,
        "String": "Hello",
        "StringSet": {"Giraffe", "Zebra"},
        "EmptyStringSet": set(),
    }
    assert item.keys() == image.keys()
    for name, value in item.items():
        built, expected = attribute_value(value), image[name]
        [(tag, content)] = expected.items()
        if tag in {"SS", "NS", "BS"}:  # sets: order and repeats are not part of the value
            assert list(built) == [tag], name
            assert set(built[tag]) == set(content), name
        else:
            assert built == expected, name


def test_attribute_value_refuses_what_dynamodb_cannot_hold() -> None:
    with pytest.raises(TypeError, match="no DynamoDB attribute type"):
        attribute_value(object())
    with pytest.raises(TypeError, match="only strings, numbers or bytes"):
        attribute_value({1, "a"})
    with pytest.raises(ValueError, match="'insert', 'update' or 'delete'"):
        dynamodb_stream_event([("upsert", {"id": 1}, None, {})])


def test_kinesis_event_has_the_corpus_shape(payload: Payload) -> None:
    event = kinesis_event(["Hello, this is a test."], stream="lambda-stream")
    corpus = payload("stream/kinesis-data-stream-two-records.json")
    assert mismatches(record(event), record(corpus)) == []


def test_kinesis_event_reads_back_through_powertools() -> None:
    event = KinesisStreamEvent(kinesis_event([b"\x00", "text", {"a": 1}], partition_key="p1"))
    first, second, third = event.records
    assert first.kinesis.data_as_bytes() == b"\x00"
    assert second.kinesis.data_as_text() == "text"
    assert third.kinesis.data_as_json() == {"a": 1}
    assert first.kinesis.partition_key == "p1"
    assert first.event_source_arn == "arn:aws:kinesis:us-east-1:123456789012:stream/events"
    assert first.event_id == f"shardId-000000000000:{first.kinesis.sequence_number}"
    assert int(first.kinesis.sequence_number) < int(second.kinesis.sequence_number)


# -- LambdaContext ------------------------------------------------------------------------


def test_lambda_context_is_what_powertools_reads() -> None:
    context = LambdaContext(function_name="shop-ship", memory_limit_in_mb=256)
    model = build_lambda_context_model(context)
    assert model.function_name == "shop-ship"
    assert model.function_memory_size == 256
    assert model.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:shop-ship"
    assert model.function_request_id == context.aws_request_id
    assert context.log_group_name == "/aws/lambda/shop-ship"
    assert LambdaContext().aws_request_id != context.aws_request_id


def test_lambda_context_counts_down_to_its_deadline() -> None:
    context = LambdaContext(timeout=3)
    assert 2_000 < context.get_remaining_time_in_millis() <= 3_000
    assert LambdaContext(deadline_ms=1).get_remaining_time_in_millis() == 0
    deadline = int(time.time() * 1000) + 10_000
    assert 9_000 < LambdaContext(deadline_ms=deadline).get_remaining_time_in_millis() <= 10_000
