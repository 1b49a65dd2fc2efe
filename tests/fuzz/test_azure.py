"""Fuzzing the Azure functions of ``portafunc_azure.function_app`` with mutated payloads.

Every payload of tests/payloads/azure (SOURCES.md) is a seed, except the custom-handler
HTTP request, which is an HTTP seed (conftest.py). Each example mutates the JSON the
host sends and makes the worker's argument from it the way the worker does: through
azure.functions' own converter, with ``meta.Datum`` values (an Event Grid event is
also passed as its JSON text, the wrapper's ``str`` binding). When the converter itself
raises, the argument cannot exist: that delivery is left out (``reject`` if none is
left). Each Azure function is then called as the worker calls it; it must return (None,
or an HttpResponse that is no 500: no handler raises) or raise a PortafuncError.

The Kafka extension's payloads (stream/kafka-*) go to the Event Hubs function: portafunc
has no Kafka trigger on Azure and refuses a KafkaEvent.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
import pytest
from azure.functions.blob import BlobConverter
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.http import HttpRequestConverter
from azure.functions.kafka import KafkaTriggerConverter
from azure.functions.meta import Datum
from azure.functions.queue import QueueMessageInConverter
from azure.functions.timer import TimerRequestConverter
from hypothesis import event, given, reject, settings
from hypothesis import strategies as st

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.errors import PortafuncError
from portafunc.triggers import ACTIONS
from portafunc_azure import function_app
from portafunc_azure.testing import AzureContext, azure_function

Mutate = Callable[[Any], st.SearchStrategy[Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "azure"
HTTP_SEED = "custom-handler-http-trigger-request"
SEEDS = sorted(path for path in PAYLOADS.rglob("*.json") if path.stem != HTTP_SEED)
FUZZ = settings.get_profile("portafunc-fuzz")
#: A quarter of the profile's examples per adapter go to HTTP, the rest split over seeds.
HTTP_EXAMPLES = settings(FUZZ, max_examples=math.ceil(FUZZ.max_examples / 4))
PER_SEED = settings(FUZZ, max_examples=math.ceil(FUZZ.max_examples * 3 / 4 / len(SEEDS)))
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: An EasyAuth principal, as App Service sends it: base64 of its JSON.
PRINCIPAL = base64.b64encode(
    json.dumps(
        {
            "auth_typ": "aad",
            "claims": [{"typ": "name", "val": "Ada"}],
            "name_typ": "name",
            "role_typ": "roles",
        }
    ).encode()
).decode()
#: A Datum's ``collection_*`` value, as the worker's protobuf has it.
Collection = SimpleNamespace


def _element(path: Path) -> Any:
    """A seed as the host sends it: one element of an Event Grid array."""
    value = json.loads(path.read_text(encoding="utf-8"))
    is_grid = _grid(path) and isinstance(value, list)
    return value[0] if is_grid else value


def _grid(path: Path) -> bool:
    """Whether the seed is an Event Grid event (either schema)."""
    return path.stem.startswith(("eventgrid-", "cloudevents-"))


GRID = [_element(path) for path in SEEDS if _grid(path)]
EVENT_TYPES = sorted({str(e.get("eventType") or e.get("type")) for e in GRID})
CONTAINERS = sorted(
    {found[1] for e in GRID if (found := re.search(r"/containers/([^/]+)/", e["subject"]))}
)

#: What the handlers got during the current example.
SEEN: list[Any] = []


def recorder(annotation: Any) -> Callable[[Any], str]:
    """A handler taking ``annotation`` that keeps what it gets in SEEN."""

    def record(envelope: Any) -> str:
        SEEN.append(envelope)
        return "ok"

    record.__annotations__ = {"envelope": annotation, "return": str}
    return record


def fuzz_app() -> App:
    """A function for every seed's trigger (an event function per event type, a blob
    event function per container)."""
    app = App("fuzz")
    app.http(METHODS, "/{path:path}", name="serve")(recorder(HTTPRequest))
    app.http(METHODS, "/", name="root")(recorder(HTTPRequest))
    for index, event_type in enumerate(EVENT_TYPES):
        app.event(type=event_type, name=f"event_{index}")(recorder(Event[Any]))
    for index, container in enumerate(CONTAINERS):
        app.storage(container, events=ACTIONS, name=f"blobs_{index}")(recorder(StorageEvent))
    app.topic("my-topic", azure={"service": "event_grid"}, name="grid_topic")(
        recorder(Message[bytes])
    )
    app.storage("samples", azure={"service": "blob"}, name="blob")(recorder(StorageEvent))
    app.changes("items", name="changes")(recorder(ChangeEvent[Any]))
    app.schedule("*/5 * * * *", name="tick")(recorder(ScheduleEvent))
    app.queue("orders", name="queue")(recorder(Message[bytes]))
    app.stream("events", name="stream")(recorder(Message[bytes]))
    return app


FUNCTION_APP = function_app(fuzz_app())
Call = tuple[str, str, Any]  # (Azure function, binding, argument)


def call(name: str, binding: str, argument: Any) -> str:
    """Call Azure function ``name`` as the worker does: ``"answered"`` or ``"refused: …"``."""
    wrapper = azure_function(FUNCTION_APP, name).get_user_function()
    try:
        result = wrapper(**{binding: argument}, context=AzureContext(name))
    except PortafuncError as exc:
        return f"refused: {type(exc).__name__}"
    if isinstance(result, func.HttpResponse):
        assert result.status_code != 500, result.get_body()[:300]
    else:
        assert result is None, result
    return "answered"


def _datums(metadata: Mapping[str, Any]) -> dict[str, Datum]:
    """Trigger metadata as the worker hands it to converters."""
    kinds = {str: "string", int: "int", float: "double"}
    return {
        name: Datum(value, kinds[type(value)])
        if type(value) in kinds
        else Datum(json.dumps(value), "json")
        for name, value in metadata.items()
    }


def _event_grid(value: Any) -> list[Call]:
    """The event's JSON (the ``str`` binding), and the converter's object."""
    text = json.dumps(value)
    kind = value.get("eventType") or value.get("type") if isinstance(value, dict) else None
    subject = value.get("subject") if isinstance(value, dict) else None
    container = re.search(r"/containers/([^/]+)/", subject) if isinstance(subject, str) else None
    names = [
        f"event_{EVENT_TYPES.index(kind)}" if kind in EVENT_TYPES else "event_0",
        "grid_topic",
        f"blobs_{CONTAINERS.index(container[1]) if container else 0}",
    ]
    arguments: list[Any] = [text]
    try:
        arguments.append(EventGridEventInConverter.decode(Datum(text, "json"), trigger_metadata={}))
    except Exception:
        event("the converter refused the event")
    return [(name, "event", argument) for name in names for argument in arguments]


def _cosmos(value: Any) -> list[Call]:
    batch = [value] if isinstance(value, dict) else value
    documents = CosmosDBTriggerConverter.decode(
        Datum(json.dumps(batch), "string"), trigger_metadata=None
    )
    return [("changes", "documents", documents)]


def _timer(value: Any) -> list[Call]:
    timer = TimerRequestConverter.decode(Datum(json.dumps(value), "json"), trigger_metadata={})
    return [("tick", "timer", timer)]


def _blob(value: Any) -> list[Call]:
    stream = BlobConverter.decode(Datum(b"blob_content", "bytes"), trigger_metadata=_datums(value))
    return [("blob", "blob", stream)]


def _queue(value: Any) -> list[Call]:
    body = value["Data"]["myQueueItem"]
    data = Datum(body, "string") if isinstance(body, str) else Datum(json.dumps(body), "json")
    message = QueueMessageInConverter.decode(data, trigger_metadata=_datums(value["Metadata"]))
    return [("queue", "msg", message)]


def _event_hubs(value: Any) -> list[Call]:
    """The seed's metadata (one event's) as a batch of two, as the host sends a batch."""
    system = value.get("SystemProperties")
    metadata = {
        "SystemPropertiesArray": Datum(json.dumps([system, system]), "json"),
        "PropertiesArray": Datum(json.dumps([value.get("Properties")] * 2), "json"),
        "PartitionContext": Datum(json.dumps(value.get("PartitionContext")), "json"),
        "sys": Datum(json.dumps(value.get("sys")), "json"),
    }
    data = Datum(Collection(bytes=[b"reading 0", b"reading 1"]), "collection_bytes")
    events = EventHubTriggerConverter.decode(data, trigger_metadata=metadata)
    return [("stream", "events", events)]


def _kafka(value: Any) -> list[Call]:
    items = value if isinstance(value, list) else [value]
    events = [
        KafkaTriggerConverter.decode(
            Datum(json.dumps(item), "string"),
            trigger_metadata={
                "Offset": Datum(str(item["Offset"]), "string"),
                "Partition": Datum(str(item["Partition"]), "string"),
                "Timestamp": Datum(item["Timestamp"], "string"),
                "Topic": Datum(item["Topic"], "string"),
            },
        )
        for item in items
    ]
    return [("stream", "events", events)]


#: Seed name prefix → how the worker makes the argument, and which function gets it.
BUILDERS: dict[str, Callable[[Any], list[Call]]] = {
    "eventgrid-": _event_grid,
    "cloudevents-": _event_grid,
    "cosmosdb-": _cosmos,
    "timer-": _timer,
    "blob-trigger-": _blob,
    "custom-handler-queue-": _queue,
    "eventhub-": _event_hubs,
    "kafka-": _kafka,
}


def calls(seed: Path, value: Any) -> list[Call]:
    """The deliveries of ``value``; none when the converter refuses it."""
    build = next(b for prefix, b in BUILDERS.items() if seed.stem.startswith(prefix))
    try:
        return build(value)
    except Exception:  # azure.functions' converter (or a field it needs) refused it
        return []


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
def test_every_seed_is_delivered(seed: Path) -> None:
    """The unmutated seeds reach a handler (the examples start deep in the adapter), but
    the subscription handshake (acknowledged) and the Kafka events (refused)."""
    deliveries = calls(seed, _element(seed))
    assert deliveries, "the converter refused the seed"
    SEEN.clear()
    outcomes = [call(*delivery) for delivery in deliveries]
    if seed.stem.startswith("kafka-"):
        assert outcomes == ["refused: UnsupportedEvent"]
    elif seed.stem.startswith("eventgrid-subscription-validation"):
        assert set(outcomes) == {"answered"}
        assert SEEN == []
    else:
        assert "answered" in outcomes
        assert SEEN


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
@PER_SEED
@given(data=st.data())
def test_mutated_payloads_are_answered_or_refused(
    seed: Path, data: st.DataObject, mutate: Mutate, lazily_read: Callable[[Any], list[str]]
) -> None:
    value = data.draw(mutate(_element(seed)), label="payload")
    deliveries = calls(seed, value)
    if not deliveries:
        reject()
    for name, binding, argument in deliveries:
        SEEN.clear()
        event(f"{name}: {call(name, binding, argument)}")
        assert [failure for seen in SEEN for failure in lazily_read(seen)] == [], name


def http_request(seed: Any, body: bytes) -> func.HttpRequest | None:
    """The HttpRequest the worker makes of a (mutated) HTTP seed; None if it cannot."""
    method, url, headers = seed.get("Method"), seed.get("Url"), seed.get("Headers")
    if not (isinstance(method, str) and isinstance(url, str) and isinstance(headers, dict)):
        return None
    joined = {name: _header(value) for name, value in headers.items()}
    if any(value is None for value in joined.values()):
        return None
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    rpc_http = {
        "method": Datum(method, "string"),
        "url": Datum(url, "string"),
        "headers": {name: Datum(value, "string") for name, value in joined.items() if value},
        "body": Datum(body, "bytes"),
        "params": {},
        "query": {name: Datum(value, "string") for name, value in query},
    }
    try:
        request: func.HttpRequest = HttpRequestConverter.decode(
            Datum(rpc_http, "http"), trigger_metadata=None
        )
    except Exception:  # azure.functions' converter refused it
        return None
    return request


def _header(value: Any) -> str | None:
    """A header as the host sends it: one string, repeated values comma-joined."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    return value if isinstance(value, str) else None


@HTTP_EXAMPLES
@given(data=st.data())
def test_mutated_http_requests_are_answered_or_refused(
    data: st.DataObject,
    http_seeds: list[tuple[str, dict[str, Any]]],
    mutate: Mutate,
    as_bytes: Callable[[str], st.SearchStrategy[bytes]],
    lazily_read: Callable[[Any], list[str]],
) -> None:
    _, seed = data.draw(st.sampled_from(http_seeds), label="seed")
    headers = {**seed["Headers"], "X-MS-CLIENT-PRINCIPAL": [PRINCIPAL]}
    value = data.draw(mutate({**seed, "Headers": headers}), label="request")
    text = value.get("Body") if isinstance(value, dict) else None
    body = data.draw(as_bytes(text if isinstance(text, str) else json.dumps(text)), label="body")
    request = http_request(value, body) if isinstance(value, dict) else None
    if request is None:
        reject()
    for function in ("serve", "portafunc_catch_all"):
        SEEN.clear()
        event(f"{function}: {call(function, 'req', request)}")
        assert [failure for seen in SEEN for failure in lazily_read(seen)] == [], function
