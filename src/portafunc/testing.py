"""Test an app without a cloud: the same pipeline every adapter runs.

::

    client = TestClient(app)
    assert client.post("/orders", json={"id": "a", "qty": 1}).status == 201
    client.send("ship", {"id": "a", "qty": 1})
"""

from __future__ import annotations

import json as _json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from pydantic_core import to_json

from . import pipeline
from .app import App, Function
from .context import Context
from .datastructures import Headers
from .errors import PortafuncError
from .events import Event, Message
from .http import HTTPRequest, HTTPResponse
from .triggers import EventTrigger, HTTPTrigger

__all__ = ["Outcome", "TestClient", "TestResponse"]

_UNSET: Any = object()
QueryArg = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


class TestResponse:
    """An HTTP response as a test sees it."""

    __test__ = False
    __slots__ = ("body", "headers", "status")

    def __init__(self, response: HTTPResponse) -> None:
        self.status = response.status
        self.headers = Headers(response.headers)
        self.body = response.body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return _json.loads(self.body)

    def __repr__(self) -> str:
        return f"<TestResponse {self.status}>"


@dataclass(frozen=True)
class Outcome:
    """What a delivery came to: ``ok``, the handler's ``result`` or its ``error``."""

    ok: bool
    result: Any = None
    error: BaseException | None = None


class TestClient:
    """Drive an app's functions the way a provider would, with no provider."""

    __test__ = False

    def __init__(self, app: App, raise_server_exceptions: bool = False) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions

    # -- HTTP ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        query: QueryArg = None,
    ) -> TestResponse:
        """Send one HTTP request through the app; the path may carry a query string."""
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        body = b""
        if json is not _UNSET:
            body = to_json(json)
            if not any(key.lower() == "content-type" for key, _ in pairs):
                pairs.append(("content-type", "application/json"))
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        path, _, raw_query = path.partition("?")
        if query:
            extra = urlencode(list(query.items()) if isinstance(query, Mapping) else query, True)
            raw_query = f"{raw_query}&{extra}" if raw_query else extra
        request = HTTPRequest(
            method, path, headers=pairs, query=raw_query, body=body, client_ip="127.0.0.1",
            request_id=uuid.uuid4().hex, raw={"method": method, "path": path, "query": raw_query},
        )  # fmt: skip
        response = TestResponse(self._http(request))
        if request.method == "HEAD":  # as a server would, send the headers only
            response.body = b""
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    def _http(self, request: HTTPRequest) -> HTTPResponse:
        ctx = _context(request.request_id)
        return pipeline.handle_http(
            self.app, request, ctx, raise_server_exceptions=self.raise_server_exceptions
        )

    # -- everything else ----------------------------------------------------------------

    def send(
        self,
        function: str | Callable[..., Any],
        data: Any,
        attributes: Mapping[str, str] | None = None,
        *,
        raise_errors: bool = True,
    ) -> Outcome:
        """Deliver ``data`` (bytes, text, or anything JSON-serialisable) to a message or
        event function. A failure raises the handler's exception (or InvalidPayload),
        or with ``raise_errors=False`` comes back as an outcome whose ``ok`` is False."""
        target = self._function(function)
        body = _bytes(data)
        now = datetime.now(timezone.utc)
        envelope: Message[Any] | Event[Any]
        if isinstance(target.trigger, EventTrigger):
            envelope = Event(
                id=uuid.uuid4().hex, source="portafunc.testing", type=target.trigger.type,
                body=body, time=now,
            )  # fmt: skip
        elif target.trigger.envelope is Message:
            envelope = Message(
                id=uuid.uuid4().hex, body=body, attributes=dict(attributes or {}),
                source=target.trigger.resource, time=now, attempt=1,
            )  # fmt: skip
        else:
            raise PortafuncError(
                f"{target.name} is a {target.trigger.kind} function; use trigger() with a "
                f"{target.trigger.envelope.__name__}"
            )
        return self._deliver(target, envelope, raise_errors)

    def send_batch(
        self,
        function: str | Callable[..., Any],
        items: Sequence[Any],
        attributes: Mapping[str, str] | None = None,
        *,
        ordered: bool = False,
    ) -> list[str]:
        """Deliver ``items`` as one batch of messages (ids ``"m0"``, ``"m1"``, …) to a
        queue or stream function, as an adapter delivers a provider's batch, and return
        the ids of the messages that failed (with ``ordered``, as a FIFO queue or a
        stream reports them: the first failure and everything after it)."""
        target = self._function(function)
        if target.trigger.envelope is not Message:
            raise PortafuncError(f"{target.name} is a {target.trigger.kind} function, not a queue")
        now = datetime.now(timezone.utc)
        given = dict(attributes or {})
        source = target.trigger.resource
        batch: list[Message[Any]] = [
            Message(
                id=f"m{n}", body=_bytes(item), attributes=given, source=source, time=now, attempt=1
            )
            for n, item in enumerate(items)
        ]
        ctx = _context(uuid.uuid4().hex)
        failed = pipeline.deliver_batch(self.app, target, batch, ctx, ordered=ordered)
        return [batch[index].id for index in failed]

    def trigger(
        self, function: str | Callable[..., Any], event: Any, *, raise_errors: bool = True
    ) -> Outcome:
        """Deliver a ready-made envelope (StorageEvent, ScheduleEvent, ChangeEvent, …)."""
        target = self._function(function)
        if isinstance(target.trigger, HTTPTrigger):
            if not isinstance(event, HTTPRequest):
                raise PortafuncError(f"{target.name} is an HTTP function; pass an HTTPRequest")
            response = TestResponse(self._http(event))
            return Outcome(ok=response.status < 500, result=response)
        if not isinstance(event, target.trigger.envelope):
            raise PortafuncError(
                f"{target.name} is a {target.trigger.kind} function; it takes a "
                f"{target.trigger.envelope.__name__}, not {type(event).__name__}"
            )
        return self._deliver(target, event, raise_errors)

    def _deliver(self, function: Function, envelope: Any, raise_errors: bool) -> Outcome:
        ctx = _context(uuid.uuid4().hex)
        try:
            result = pipeline.deliver(self.app, function, envelope, ctx)
        except Exception as exc:
            if raise_errors:
                raise
            return Outcome(ok=False, error=exc)
        return Outcome(ok=True, result=result)

    def _function(self, function: str | Callable[..., Any]) -> Function:
        if isinstance(function, str):
            return self.app.function(function)
        for declared in self.app.functions.values():
            if declared.handler is function:
                return declared
        return self.app.function(getattr(function, "__name__", repr(function)))


def _bytes(data: Any) -> bytes:
    """A message body: bytes as they are, text as UTF-8, anything else as JSON."""
    if isinstance(data, bytes):
        return data
    return data.encode() if isinstance(data, str) else to_json(data)


def _context(invocation_id: str) -> Context:
    return Context(provider="local", invocation_id=invocation_id, trace_id=uuid.uuid4().hex)
