"""The CloudEvents GCP delivers, and functions-framework's own app, for your own tests.

Each builder takes the few values a test cares about and fills in the rest the way
Eventarc does: ids, times of now, sources in project ``my-project``, base64 where Pub/Sub
uses it, int64 fields as strings. A test then runs an entry point in functions-framework
and posts the event to it, as Eventarc would::

    client = create_app(app, "ship").test_client()
    response = post_cloud_event(client, pubsub_event({"id": "a1", "qty": 2}, topic="orders"))
    assert response.status_code == 200

``create_app`` takes a portafunc App (served through a generated ``main.py`` calling
``portafunc_gcp.entry_points``) or the path of a ``main.py``, and clears
functions-framework's process-wide registry first. ``post_cloud_event`` sends binary
mode (Eventarc's) or structured mode; ``post_json`` sends what functions-framework
converts into CloudEvents: Pub/Sub push bodies (:func:`pubsub_push`) and 1st-gen
background events (:func:`pubsub_legacy_event`, :func:`storage_legacy_event`).

Message data given as ``bytes`` is sent as is, ``str`` as UTF-8, anything else as JSON
(pydantic models too). A ``schedule`` function receives a :func:`pubsub_event` (Cloud
Scheduler publishes to a topic); an ``event`` function any :func:`cloud_event`.

One module per family: ``_events`` (Pub/Sub, Cloud Storage, any CloudEvent, push bodies,
background events), ``_firestore`` (document events and typed values), ``_app``
(functions-framework's app and test client).
"""

from ._app import create_app, post_cloud_event, post_json
from ._common import PROJECT
from ._events import (
    cloud_event,
    pubsub_event,
    pubsub_legacy_event,
    pubsub_push,
    storage_event,
    storage_legacy_event,
)
from ._firestore import GeoPoint, Reference, firestore_event, firestore_value

__all__ = [
    "PROJECT",
    "GeoPoint",
    "Reference",
    "cloud_event",
    "create_app",
    "firestore_event",
    "firestore_value",
    "post_cloud_event",
    "post_json",
    "pubsub_event",
    "pubsub_legacy_event",
    "pubsub_push",
    "storage_event",
    "storage_legacy_event",
]
