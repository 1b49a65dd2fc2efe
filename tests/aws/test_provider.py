"""The aws entry point of the CLI: the Provider protocol, ``invoke`` and ``event_handler``.

Payloads: tests/payloads/aws (see SOURCES.md there) and the adapter's own builders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, Message
from portafunc.errors import DeclarationError, NoSuchFunction
from portafunc.providers import Provider
from portafunc.providers import provider as installed_provider
from portafunc_aws._provider import AWSProvider, provider
from portafunc_aws.cli.emulate import succeeded
from portafunc_aws.testing import http_v2_event, sns_event, sqs_event

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"


def corpus(relative: str) -> bytes:
    return (PAYLOADS / relative).read_bytes()


def make_app() -> App:
    """Queue and topic functions failing on the body "fail", an HTTP function failing."""
    app = App("shop")

    @app.queue("my-queue")
    def orders(msg: Message[bytes]) -> None:
        if msg.body == b"fail":
            raise ValueError("cannot ship")

    @app.topic("sns-lambda")
    def news(msg: Message[str]) -> None:
        if msg.data == "fail":
            raise ValueError("cannot read the news")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    return app


def test_the_entry_point_is_this_provider_and_implements_the_protocol() -> None:
    checked: Provider = provider  # mypy checks every method's signature
    assert installed_provider("aws") is checked
    assert isinstance(provider, AWSProvider)
    assert provider.name == "aws"


def test_describe_names_what_each_trigger_deploys() -> None:
    app = make_app()
    assert provider.describe(app.function("orders")) == "SQS queue my-queue"
    assert provider.describe(app.function("boom")) == "API Gateway HTTP API route /boom"


# -- invoke ------------------------------------------------------------------------------


def test_invoke_returns_what_lambda_returns_and_whether_it_succeeded() -> None:
    result, ok = provider.invoke(make_app(), "orders", sqs_event(["a", "b"]))
    assert (result, ok) == ({"batchItemFailures": []}, True)


def test_invoke_reports_a_batch_with_failures_as_failed() -> None:
    event = sqs_event(["fine", "fail"])
    result, ok = provider.invoke(make_app(), "orders", event)
    failed = event["Records"][1]["messageId"]
    assert (result, ok) == ({"batchItemFailures": [{"itemIdentifier": failed}]}, False)


def test_invoke_reports_an_exception_the_way_lambda_does() -> None:
    result, ok = provider.invoke(make_app(), "news", sns_event(["fail"], topic="sns-lambda"))
    assert not ok
    assert (result["errorType"], result["errorMessage"]) == ("ValueError", "cannot read the news")
    assert result["requestId"]
    assert any("raise ValueError" in line for line in result["stackTrace"])


def test_invoke_refuses_a_payload_the_adapter_does_not_know() -> None:
    payload = json.loads(corpus("other/cognito-user-pool-pre-signup.json"))
    result, ok = provider.invoke(make_app(), "orders", payload)
    assert (result["errorType"], ok) == ("UnsupportedEvent", False)
    assert "triggerSource" in result["errorMessage"]


def test_invoke_counts_an_http_5xx_as_a_failure() -> None:
    result, ok = provider.invoke(make_app(), "boom", http_v2_event("GET", "/boom"))
    assert (result["statusCode"], ok) == (500, False)
    assert "secret detail" not in result["body"]


def test_invoke_of_an_unknown_function_is_a_cli_error() -> None:
    with pytest.raises(NoSuchFunction, match="nope"):
        provider.invoke(make_app(), "nope", {})


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, True),
        ("text", True),
        ({"batchItemFailures": []}, True),
        ({"batchItemFailures": [{"itemIdentifier": "1"}]}, False),
        ({"records": [{"recordId": "1", "result": "Ok"}]}, True),
        ({"records": [{"recordId": "1", "result": "Dropped"}]}, True),
        ({"records": [{"recordId": "1", "result": "ProcessingFailed"}]}, False),
        ({"statusCode": 404}, True),
        ({"statusCode": 503}, False),
    ],
)
def test_what_counts_as_a_failed_result(result: Any, expected: bool) -> None:
    assert succeeded(result) is expected


# -- event_handler -----------------------------------------------------------------------


def test_a_corpus_batch_is_dispatched_by_its_queue() -> None:
    handle = provider.event_handler(make_app())
    assert handle(corpus("queue/sqs-batch-two-records.json"), {}) == (
        200,
        {"batchItemFailures": []},
    )


def test_a_failing_batch_answers_200_with_its_failures_as_lambda_does() -> None:
    event = sqs_event(["fail", "fine"], queue="my-queue")
    status, result = provider.event_handler(make_app())(json.dumps(event).encode(), {})
    failed = event["Records"][0]["messageId"]
    assert (status, result) == (200, {"batchItemFailures": [{"itemIdentifier": failed}]})


def test_a_corpus_notification_reaches_its_topic_function() -> None:
    handle = provider.event_handler(make_app())
    assert handle(corpus("topic/sns-notification.json"), {}) == (200, None)


def test_an_unsupported_payload_is_400() -> None:
    handle = provider.event_handler(make_app())
    status, result = handle(corpus("other/cognito-user-pool-pre-signup.json"), {})
    assert (status, result["errorType"]) == (400, "UnsupportedEvent")


def test_a_body_that_is_not_json_is_400() -> None:
    status, result = provider.event_handler(make_app())(b"{not json", {})
    assert (status, result["errorType"]) == (400, "UnsupportedEvent")
    assert "not JSON" in result["errorMessage"]


def test_a_payload_for_no_function_is_404() -> None:
    event = sns_event(["hello"], topic="elsewhere")
    status, result = provider.event_handler(make_app())(json.dumps(event).encode(), {})
    assert (status, result["errorType"]) == (404, "NoSuchFunction")
    assert "elsewhere" in result["errorMessage"]


def test_a_function_that_cannot_start_is_500(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    @app.on_startup
    def broken() -> None:
        raise RuntimeError("no database")

    status, result = provider.event_handler(app)(corpus("topic/sns-notification.json"), {})
    assert (status, result["errorType"], result["errorMessage"]) == (
        500,
        "RuntimeError",
        "no database",
    )
    assert "no database" in caplog.text


def test_an_app_with_unknown_aws_options_cannot_be_served() -> None:
    app = App("typo")

    @app.queue("jobs", aws={"fifoo": True})
    def job(msg: Message[bytes]) -> None: ...

    with pytest.raises(DeclarationError, match="fifoo"):
        provider.event_handler(app)
