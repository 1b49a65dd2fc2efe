"""The queue worker example: jobs through the TestClient and through each adapter with
realistic messages (failing and invalid ones included), ``portafunc check`` for GCP,
then ``portafunc build`` for each cloud with each one's dead-letter path."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (a cfn-lint dependency) ships no stubs

from portafunc import InvalidPayload
from portafunc.cli import main
from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
APP = f"{EXAMPLE_DIR / 'app.py'}:app"
RESIZE = {"id": "j1", "kind": "resize", "target": "cat.png"}
FAILING = {"id": "j2", "kind": "email", "target": "ada@example.com", "fail": True}
INVALID = {"id": "j3", "kind": "fax", "target": "+44 20 7946 0000"}

# -- through the TestClient --------------------------------------------------------------


def test_a_job_is_done(client: TestClient) -> None:
    assert client.send("work", RESIZE).result == "resize:cat.png"
    assert client.get("/jobs/done").json() == ["j1"]


def test_a_failing_job_raises_so_that_it_is_redelivered(
    worker: ModuleType, client: TestClient
) -> None:
    outcome = client.send("work", FAILING, raise_errors=False)
    assert isinstance(outcome.error, worker.JobFailed)
    assert worker.ATTEMPTS == [("j2", 1)]
    assert client.get("/jobs/done").json() == []


def test_an_invalid_job_fails_without_reaching_the_handler(
    worker: ModuleType, client: TestClient
) -> None:
    for body in (INVALID, "not json", {"id": "", "kind": "resize", "target": "x"}):
        outcome = client.send("work", body, raise_errors=False)
        assert isinstance(outcome.error, InvalidPayload)
    assert worker.ATTEMPTS == []


def test_a_batch_reports_only_its_failures(client: TestClient) -> None:
    assert client.send_batch("work", [RESIZE, FAILING, INVALID]) == ["m1", "m2"]
    assert client.get("/jobs/done").json() == ["j1"]


# -- through each adapter ------------------------------------------------------------------


def test_aws_failures_are_reported_as_batch_item_failures(worker: ModuleType) -> None:
    from portafunc_aws import lambda_handler
    from portafunc_aws.testing import LambdaContext, sqs_event

    event = sqs_event([RESIZE, FAILING, INVALID, "not json"], queue="jobs", receive_count=3)
    ids = [record["messageId"] for record in event["Records"]]
    response = lambda_handler(worker.app, "work")(event, LambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in ids[1:]]}
    assert worker.ATTEMPTS == [("j1", 3), ("j2", 3)]  # ApproximateReceiveCount


def test_azure_a_failure_raises_to_the_host(worker: ModuleType) -> None:
    import portafunc_azure
    from portafunc_azure.testing import invoke, queue_message

    function_app = portafunc_azure.function_app(worker.app)
    invoke(function_app, "work", queue_message(RESIZE, dequeue_count=2))
    with pytest.raises(worker.JobFailed):
        invoke(function_app, "work", queue_message(FAILING, dequeue_count=3))
    with pytest.raises(InvalidPayload):
        invoke(function_app, "work", queue_message(INVALID))
    assert worker.ATTEMPTS == [("j1", 2), ("j2", 3)]  # the dequeue count


def test_gcp_a_failure_is_a_500_so_pubsub_redelivers(worker: ModuleType) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

    client = create_app(worker.app, "work").test_client()
    statuses = [
        post_cloud_event(client, pubsub_event(body, topic="jobs", delivery_attempt=2)).status_code
        for body in (RESIZE, FAILING, INVALID)
    ]
    assert statuses == [200, 500, 500]
    assert worker.ATTEMPTS == [("j1", 2), ("j2", 2)]  # the delivery attempt


# -- portafunc check and build, then the built project -----------------------------------


def test_aws_a_dead_letter_queue_after_max_attempts(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_aws.testing import LambdaContext, sqs_event

    project = projects.build("aws", tmp_path / "aws")
    template: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    resources = template["Resources"]
    queue = resources["JobsQueue"]["Properties"]
    assert queue["QueueName"] == "jobs"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["JobsQueueDLQ", "Arn"]},
        "maxReceiveCount": 3,
    }
    assert resources["JobsQueueDLQ"]["Properties"]["QueueName"] == "jobs-dlq"
    sqs = resources["WorkFunction"]["Properties"]["Events"]["SQS"]["Properties"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    entry = projects.load(project / "portafunc_entry_work.py")
    response = entry.handler(sqs_event([FAILING], queue="jobs"), LambdaContext())
    assert len(response["batchItemFailures"]) == 1
    assert projects.built_app(project).ATTEMPTS == [("j2", 1)]


def test_azure_a_poison_queue_after_max_dequeue_count(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch, projects: Any
) -> None:
    from portafunc_azure.testing import azure_function, invoke, queue_message

    project = projects.build("azure", tmp_path / "azure")
    host = json.loads((project / "host.json").read_text())
    assert host["extensions"]["queues"] == {"maxDequeueCount": 3}
    monkeypatch.chdir(project)
    function_app = projects.load(project / "function_app.py").app
    [trigger] = json.loads(azure_function(function_app, "work").get_function_json())["bindings"]
    assert (trigger["type"], trigger["queueName"]) == ("queueTrigger", "jobs")
    with pytest.raises(Exception, match=r"email ada@example\.com failed"):
        invoke(function_app, "work", queue_message(FAILING, dequeue_count=3))
    assert projects.built_app(project).ATTEMPTS == [("j2", 3)]


def test_gcp_check_says_max_attempts_needs_a_dead_letter_topic(
    capsys: pytest.CaptureFixture[str], isolated: None
) -> None:
    assert main(["check", APP, "--provider", "gcp"]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    assert "work: max_attempts=3 is not deployed" in out
    assert "--dead-letter-topic=TOPIC --max-delivery-attempts=3" in out


def test_gcp_a_topic_trigger_deployed_with_retry(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

    project = projects.build("gcp", tmp_path / "gcp")
    deploy = (project / "deploy.sh").read_text()
    assert "gcloud pubsub topics create jobs" in deploy
    work = deploy[deploy.index("gcloud functions deploy work ") :]
    assert "--trigger-topic=jobs" in work
    assert "--retry" in work
    assert "max-delivery-attempts" not in deploy  # set by hand: see the check above
    sys.path.insert(0, str(project))  # the runtime runs main.py from its directory
    client = create_app(project / "main.py", "work").test_client()
    assert post_cloud_event(client, pubsub_event(FAILING, topic="jobs")).status_code == 500
    assert [job for job, _ in projects.built_app(project).ATTEMPTS] == ["j2"]
