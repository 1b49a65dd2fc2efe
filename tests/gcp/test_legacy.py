"""Every 1st-gen (legacy) background event of the corpus, posted to the real
functions-framework app, arrives at its portafunc function as a CloudEvent.

functions-framework converts legacy events before a CloudEvent function runs; this
drives that path end to end (its Flask app, its conversion, our entry and source).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portafunc import App, ChangeEvent, Event, Message, StorageEvent
from portafunc.triggers import ACTIONS
from portafunc_gcp import testing

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "gcp"
LEGACY = sorted(PAYLOADS.rglob("*legacy*.json"))
RTDB = "google.firebase.database.ref.v1"
TYPES = {
    "firebase-rtdb-ref-delete": f"{RTDB}.deleted",
    "firebase-rtdb-ref-write": f"{RTDB}.written",
    "firebase-auth-user-create": "google.firebase.auth.user.v1.created",
}


def _app(name: str, seen: list[Any]) -> tuple[App, type]:
    """An app whose function ``f`` serves the legacy payload ``name``, and its envelope."""
    app = App("legacy")
    if name.startswith("pubsub-"):

        @app.queue("gcf-test", name="f")
        def consume(message: Message[bytes]) -> None:
            seen.append(message)

        return app, Message
    if name.startswith("gcs-"):

        @app.storage("some-bucket", events=ACTIONS, name="f")
        def on_object(event: StorageEvent) -> None:
            seen.append(event)

        return app, StorageEvent
    if name.startswith("firestore-"):

        @app.changes("gcf-test", name="f")
        def on_change(change: ChangeEvent[Any]) -> None:
            seen.append(change)

        return app, ChangeEvent

    @app.event(type=next(t for prefix, t in TYPES.items() if name.startswith(prefix)), name="f")
    def on_event(event: Event[Any]) -> None:
        seen.append(event)

    return app, Event


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.stem)
def test_a_legacy_event_reaches_its_function(path: Path) -> None:
    seen: list[Any] = []
    app, envelope = _app(path.stem, seen)
    client = testing.create_app(app, "f").test_client()
    response = client.post("/", data=path.read_bytes(), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    (delivered,) = seen
    assert isinstance(delivered, envelope)
    assert getattr(delivered, "provider", None) == "gcp"


def test_the_corpus_has_its_legacy_events() -> None:
    assert len(LEGACY) == 11
