"""Fixtures every provider's tests share: envelopes rendered as JSON, and golden files.

``as_json(envelope)`` is what a handler sees of an envelope, as JSON-able data;
``golden(name, data)`` compares ``data`` with ``golden/<name>.json`` next to the test
module (``PORTAFUNC_UPDATE_GOLDEN=1`` writes it instead: review the diff).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from portafunc import ChangeEvent, Event, HTTPRequest, Message, ScheduleEvent, StorageEvent
from portafunc.log import ContextFilter, JSONFormatter

if TYPE_CHECKING:  # the SDK is imported by the fixture, only by tests that ask for spans
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def render(envelope: Any) -> dict[str, Any]:
    """What a handler sees of ``envelope``, as JSON-able data (bytes as base64)."""
    if isinstance(envelope, HTTPRequest):
        return {
            "method": envelope.method,
            "path": envelope.path,
            "query": envelope.query.multi_items(),
            "headers": envelope.headers.multi_items(),
            "cookies": dict(envelope.cookies),
            "body": _bytes(envelope.body),
            "client_ip": envelope.client_ip,
            "request_id": envelope.request_id,
            "identity": _plain(envelope.identity),
        }
    fields: dict[type, tuple[str, ...]] = {
        Message: ("id", "body", "attributes", "source", "time", "attempt", "partition_key"),
        Event: ("id", "source", "type", "subject", "time", "data"),
        StorageEvent: ("bucket", "key", "action", "size", "etag", "content_type", "time"),
        ScheduleEvent: ("schedule", "time", "past_due"),
        ChangeEvent: ("table", "kind", "key", "old", "new", "time"),
    }
    names = next(v for k, v in fields.items() if isinstance(envelope, k))
    rendered = {name: _plain(getattr(envelope, name)) for name in names}
    return {"envelope": type(envelope).__name__, "provider": envelope.provider, **rendered}


def _bytes(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode()


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return _bytes(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def check_golden(directory: Path, name: str, data: Any) -> None:
    """Compare ``data`` with ``directory/<name>.json`` (or write it, see the module doc)."""
    path = directory / f"{name}.json"
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("PORTAFUNC_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; write it with PORTAFUNC_UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


@pytest.fixture
def as_json() -> Callable[[Any], dict[str, Any]]:
    return render


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    directory = request.path.parent / "golden"
    return lambda name, data: check_golden(directory, name, data)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """``--benchmark-only`` measures: it overrides the ``--benchmark-disable`` of the
    default options (which makes normal runs execute each benchmark once)."""
    if config.getoption("benchmark_only", default=False):
        config.option.benchmark_disable = False


# -- observability: the spans and the JSON log lines of a test ----------------------


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The spans finished during the test (one SDK provider per process, as in an app)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """JSON lines of the ``portafunc`` loggers, written with portafunc's formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(ContextFilter())
    package = logging.getLogger("portafunc")
    package.addHandler(handler)
    saved = package.level
    package.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        package.removeHandler(handler)
        package.setLevel(saved)
