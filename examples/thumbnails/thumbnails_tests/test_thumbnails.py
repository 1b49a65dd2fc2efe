"""The thumbnails example: storage events through the TestClient and through each
adapter with realistic events, then ``portafunc build`` for each cloud and the built
projects handling an upload as each cloud's runtime would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (a cfn-lint dependency) ships no stubs

from portafunc import StorageEvent
from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]

# -- through the TestClient --------------------------------------------------------------


def upload(key: str, size: int, action: Any = "created") -> StorageEvent:
    return StorageEvent(bucket="uploads", key=key, action=action, size=size)


def test_an_upload_gets_a_thumbnail(client: TestClient) -> None:
    outcome = client.trigger("png_thumbnail", upload("photos/cat.png", 3200))
    assert outcome.result == "thumbnails/photos/cat.png"
    assert client.get("/thumbnails/photos/cat.png").json() == {
        "source": "photos/cat.png",
        "key": "thumbnails/photos/cat.png",
        "original_size": 3200,
        "size": 200,
    }


def test_jpegs_and_pngs_are_listed_in_upload_order(client: TestClient) -> None:
    client.trigger("jpg_thumbnail", upload("b.jpg", 1600))
    client.trigger("png_thumbnail", upload("a.png", 10))
    listed = client.get("/thumbnails").json()
    assert [(t["source"], t["size"]) for t in listed] == [("b.jpg", 100), ("a.png", 1)]


def test_an_empty_upload_gets_an_empty_thumbnail(client: TestClient) -> None:
    client.trigger("png_thumbnail", upload("empty.png", 0))
    assert client.get("/thumbnails/empty.png").json()["size"] == 0


def test_a_missing_thumbnail_is_a_404(client: TestClient) -> None:
    response = client.get("/thumbnails/nope.png")
    assert response.status == 404
    assert response.json()["detail"] == "no thumbnail of nope.png"


# -- through each adapter ------------------------------------------------------------------


def test_aws_s3_notifications_and_deletions(thumbnails: ModuleType) -> None:
    from portafunc_aws import lambda_handler
    from portafunc_aws.testing import LambdaContext, s3_event

    handler = lambda_handler(thumbnails.app, "png_thumbnail")
    handler(s3_event("uploads", "holiday photos/sea.png", size=320), LambdaContext())
    handler(s3_event("uploads", "old.png", action="deleted"), LambdaContext())
    assert list(thumbnails.THUMBNAILS) == ["holiday photos/sea.png"]  # the key is decoded
    assert thumbnails.THUMBNAILS["holiday photos/sea.png"].size == 20


def test_azure_blob_created_events(thumbnails: ModuleType) -> None:
    import portafunc_azure
    from portafunc_azure.testing import blob_created, invoke

    function_app = portafunc_azure.function_app(thumbnails.app)
    invoke(function_app, "jpg_thumbnail", blob_created("uploads", "dog.jpg", size=1600))
    assert thumbnails.THUMBNAILS["dog.jpg"].original_size == 1600


def test_gcp_storage_events_deleted_ones_acknowledged_unseen(thumbnails: ModuleType) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, storage_event

    client = create_app(thumbnails.app, "png_thumbnail").test_client()
    created = post_cloud_event(client, storage_event("uploads", "g.png", size=160))
    deleted = post_cloud_event(client, storage_event("uploads", "x.png", action="deleted"))
    assert (created.status_code, deleted.status_code) == (200, 200)
    assert list(thumbnails.THUMBNAILS) == ["g.png"]


# -- portafunc build, then the built project -----------------------------------------------


def test_aws_one_lambda_per_suffix_on_one_bucket(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_aws.testing import LambdaContext, s3_event

    project = projects.build("aws", tmp_path / "aws")
    template: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    resources = template["Resources"]
    assert resources["UploadsBucket"]["Type"] == "AWS::S3::Bucket"
    for name, suffix in [("Png", ".png"), ("Jpg", ".jpg")]:
        s3 = resources[f"{name}ThumbnailFunction"]["Properties"]["Events"]["S3"]["Properties"]
        assert s3["Bucket"] == {"Ref": "UploadsBucket"}
        assert s3["Events"] == ["s3:ObjectCreated:*"]
        assert s3["Filter"]["S3Key"]["Rules"] == [{"Name": "suffix", "Value": suffix}]
    entry = projects.load(project / "portafunc_entry_jpg_thumbnail.py")
    entry.handler(s3_event("uploads", "built.jpg", size=64), LambdaContext())
    assert projects.built_app(project).THUMBNAILS["built.jpg"].size == 4


def test_azure_storage_functions_are_event_grid_triggers(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch, projects: Any
) -> None:
    from portafunc_azure.testing import azure_function, blob_created, invoke

    project = projects.build("azure", tmp_path / "azure")
    assert "from app import app as _app" in (project / "function_app.py").read_text()
    monkeypatch.chdir(project)
    function_app = projects.load(project / "function_app.py").app
    for name in ("png_thumbnail", "jpg_thumbnail"):
        bindings = json.loads(azure_function(function_app, name).get_function_json())["bindings"]
        assert [b["type"] for b in bindings] == ["eventGridTrigger"]
    invoke(function_app, "png_thumbnail", blob_created("uploads", "built.png", size=32))
    assert projects.built_app(project).THUMBNAILS["built.png"].size == 2


def test_gcp_one_deployment_per_function_filtered_on_the_bucket(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, storage_event

    project = projects.build("gcp", tmp_path / "gcp")
    deploy = (project / "deploy.sh").read_text()
    for name in ("png-thumbnail", "jpg-thumbnail"):
        assert f"gcloud functions deploy {name} " in deploy
    assert deploy.count("type=google.cloud.storage.object.v1.finalized") == 2
    assert deploy.count("--trigger-event-filters=bucket=uploads") == 2
    sys.path.insert(0, str(project))  # the runtime runs main.py from its directory
    client = create_app(project / "main.py", "jpg_thumbnail").test_client()
    post_cloud_event(client, storage_event("uploads", "built.jpg", size=16))
    post_cloud_event(client, storage_event("uploads", "notes.txt", size=16))  # not a .jpg
    assert list(projects.built_app(project).THUMBNAILS) == ["built.jpg"]
