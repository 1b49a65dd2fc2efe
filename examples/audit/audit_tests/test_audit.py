"""The audit example: changes through the TestClient and through each adapter with
realistic change batches (DynamoDB Streams, the Cosmos DB change feed, Firestore
events), then ``portafunc build`` for each cloud and the built projects recording a
change as each runtime would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (a cfn-lint dependency) ships no stubs

from portafunc import ChangeEvent
from portafunc.cli import main
from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
NEW = {"id": "o1", "status": "new", "total_cents": 1200}
PAID = {"id": "o1", "status": "paid", "total_cents": 1200}
EVERY_FIELD_OF_NEW = {"id": [None, "o1"], "status": [None, "new"], "total_cents": [None, 1200]}


def change(kind: Any, old: Any = None, new: Any = None) -> ChangeEvent[Any]:
    return ChangeEvent(table="orders", kind=kind, key={"id": "o1"}, old=old, new=new)


def trail(client: TestClient, query: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    return [(e["kind"], e["order"], e["changed"]) for e in client.get(f"/audit{query}").json()]


# -- through the TestClient --------------------------------------------------------------


def test_inserts_updates_and_deletes_are_recorded_field_by_field(client: TestClient) -> None:
    client.trigger("audit_order", change("insert", new=NEW))
    client.trigger("audit_order", change("update", old=NEW, new=PAID))
    client.trigger("audit_order", change("delete", old=PAID))
    assert trail(client) == [
        ("insert", "o1", EVERY_FIELD_OF_NEW),
        ("update", "o1", {"status": ["new", "paid"]}),
        (
            "delete",
            "o1",
            {"id": ["o1", None], "status": ["paid", None], "total_cents": [1200, None]},
        ),
    ]


def test_an_upsert_has_no_old_image(client: TestClient) -> None:
    client.trigger("audit_order", change("upsert", new=NEW))
    assert trail(client) == [("upsert", "o1", EVERY_FIELD_OF_NEW)]


def test_an_update_that_changes_nothing_is_left_out(client: TestClient) -> None:
    client.trigger("audit_order", change("update", old=PAID, new=PAID))
    assert trail(client) == []


def test_the_trail_of_one_order(client: TestClient) -> None:
    client.trigger("audit_order", change("insert", new=NEW))
    other: ChangeEvent[Any] = ChangeEvent(
        table="orders", kind="insert", key={"id": "o2"}, new=NEW | {"id": "o2"}
    )
    client.trigger("audit_order", other)
    assert [order for _, order, _ in trail(client, "?order=o2")] == ["o2"]
    assert trail(client, "?order=o9") == []


def test_an_invalid_row_is_rejected(client: TestClient) -> None:
    outcome = client.trigger("audit_order", change("insert", new={"id": "o1"}), raise_errors=False)
    assert not outcome.ok
    assert trail(client) == []


# -- through each adapter ------------------------------------------------------------------


def test_aws_dynamodb_streams_old_and_new_images(audit: ModuleType) -> None:
    from portafunc_aws import lambda_handler
    from portafunc_aws.testing import LambdaContext, dynamodb_stream_event

    key = {"id": "o1"}
    batch = [("insert", key, None, NEW), ("update", key, NEW, PAID), ("delete", key, PAID, None)]
    handler = lambda_handler(audit.app, "audit_order")
    assert handler(dynamodb_stream_event(batch), LambdaContext()) == {"batchItemFailures": []}
    assert [(e.kind, list(e.changed)) for e in audit.TRAIL] == [
        ("insert", ["id", "status", "total_cents"]),
        ("update", ["status"]),
        ("delete", ["id", "status", "total_cents"]),
    ]


def test_azure_the_cosmos_change_feed_says_upsert(audit: ModuleType) -> None:
    import portafunc_azure
    from portafunc_azure.testing import cosmos_documents, invoke

    function_app = portafunc_azure.function_app(audit.app)
    invoke(function_app, "audit_order", cosmos_documents([NEW, PAID | {"id": "o2"}]))
    assert [(e.kind, e.order, e.changed["status"]) for e in audit.TRAIL] == [
        ("upsert", "o1", [None, "new"]),
        ("upsert", "o2", [None, "paid"]),
    ]


def test_gcp_firestore_document_events(audit: ModuleType) -> None:
    from portafunc_gcp.testing import create_app, firestore_event, post_cloud_event

    client = create_app(audit.app, "audit_order").test_client()
    for event in [
        firestore_event("orders", "o1", new=NEW),
        firestore_event("orders", "o1", old=NEW, new=PAID),
        firestore_event("orders", "o1", old=PAID),
    ]:
        assert post_cloud_event(client, event).status_code == 200
    assert [(e.kind, e.order) for e in audit.TRAIL] == [
        ("insert", "o1"),
        ("update", "o1"),
        ("delete", "o1"),
    ]


# -- portafunc check and build, then the built project -----------------------------------


def test_azure_check_warns_of_upserts(capsys: pytest.CaptureFixture[str], isolated: None) -> None:
    assert main(["check", f"{EXAMPLE_DIR / 'app.py'}:app", "--provider", "azure"]) == 0
    assert "reports upserts only: kind is 'upsert'" in capsys.readouterr().out


def test_aws_a_table_with_a_stream_of_both_images(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_aws.testing import LambdaContext, dynamodb_stream_event

    project = projects.build("aws", tmp_path / "aws")
    resources: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    table = resources["Resources"]["OrdersTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    function = resources["Resources"]["AuditOrderFunction"]["Properties"]
    stream = function["Events"]["DynamoDB"]["Properties"]
    assert stream["Stream"] == {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    entry = projects.load(project / "portafunc_entry_audit_order.py")
    entry.handler(dynamodb_stream_event([("update", {"id": "o1"}, NEW, PAID)]), LambdaContext())
    assert projects.built_app(project).TRAIL[-1].changed == {"status": ["new", "paid"]}


def test_azure_a_cosmos_db_trigger_on_the_container(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch, projects: Any
) -> None:
    from portafunc_azure.testing import azure_function, cosmos_documents, invoke

    project = projects.build("azure", tmp_path / "azure")
    assert "from app import app as _app" in (project / "function_app.py").read_text()
    monkeypatch.chdir(project)
    function_app = projects.load(project / "function_app.py").app
    json_text = azure_function(function_app, "audit_order").get_function_json()
    [trigger] = json.loads(json_text)["bindings"]
    assert trigger["type"] == "cosmosDBTrigger"
    assert (trigger["containerName"], trigger["leaseContainerName"]) == ("orders", "leases")
    invoke(function_app, "audit_order", cosmos_documents([PAID]))
    assert projects.built_app(project).TRAIL[-1].kind == "upsert"


def test_gcp_a_firestore_written_trigger_on_orders(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_gcp.testing import create_app, firestore_event, post_cloud_event

    project = projects.build("gcp", tmp_path / "gcp")
    deploy = (project / "deploy.sh").read_text()
    assert "gcloud functions deploy audit-order " in deploy
    assert "--trigger-event-filters=type=google.cloud.firestore.document.v1.written" in deploy
    assert "--trigger-event-filters-path-pattern=document='orders/{id}'" in deploy
    sys.path.insert(0, str(project))  # the runtime runs main.py from its directory
    client = create_app(project / "main.py", "audit_order").test_client()
    post_cloud_event(client, firestore_event("orders", "o1", old=NEW, new=PAID))
    assert projects.built_app(project).TRAIL[-1].kind == "update"
