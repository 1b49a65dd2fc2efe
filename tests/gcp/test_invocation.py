"""The Context of a GCP invocation: invocation ids and trace ids.

Trace headers as Cloud Run documents them: ``traceparent`` (W3C Trace Context,
``00-<trace>-<span>-<flags>``) and ``X-Cloud-Trace-Context`` (``TRACE/SPAN;o=1``).
"""

import flask
import pytest
from cloudevents.http import CloudEvent
from werkzeug.test import EnvironBuilder

from portafunc_gcp.invocation import cloud_trace_id, context_for, traceparent_id

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),
        (f" 00-{TRACE.upper()}-00f067aa0ba902b7-00 ", TRACE),
        (f"01-{TRACE}-00f067aa0ba902b7-01-future", TRACE),  # later versions may add fields
        (f"ff-{TRACE}-00f067aa0ba902b7-01", None),  # version ff is invalid
        (f"00-{'0' * 32}-00f067aa0ba902b7-01", None),  # the all-zero id is invalid
        (f"00-{TRACE[:-1]}-00f067aa0ba902b7-01", None),
        (f"00-{TRACE[:-1]}g-00f067aa0ba902b7-01", None),
        (f"00-{TRACE}", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_traceparent_id(value: object, expected: str | None) -> None:
    assert traceparent_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{TRACE}/1027871334010811884;o=1", TRACE),
        (f"{TRACE}/1;o=0", TRACE),
        (f"{TRACE};o=1", TRACE),
        (TRACE, TRACE),
        ("105445aa7843bc8bf206b120001000/1;o=1", None),  # 30 digits
        ("not-a-trace/1;o=1", None),
        (None, None),
    ],
)
def test_cloud_trace_id(value: object, expected: str | None) -> None:
    assert cloud_trace_id(value) == expected


def test_an_http_context() -> None:
    headers = [
        ("Function-Execution-Id", "exec-1"),
        ("X-Cloud-Trace-Context", f"{TRACE}/1;o=1"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ]
    request = flask.Request(EnvironBuilder("/", headers=headers).get_environ())
    ctx = context_for(request)
    assert (ctx.provider, ctx.invocation_id, ctx.native) == ("gcp", "exec-1", request)
    assert ctx.trace_id == "0af7651916cd43dd8448eb211c80319c"  # traceparent first
    assert ctx.remaining_time() is None


def test_a_cloudevent_context() -> None:
    attributes = {"id": "ce-7", "source": "//x", "type": "t"}
    event = CloudEvent({**attributes, "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    ctx = context_for(event)
    assert (ctx.provider, ctx.invocation_id, ctx.native, ctx.trace_id) == (
        "gcp",
        "ce-7",
        event,
        TRACE,
    )
    # Outside a request, with no extension, there is no trace id.
    assert context_for(CloudEvent(attributes)).trace_id is None


def test_a_cloudevent_context_reads_the_carrying_request() -> None:
    app = flask.Flask("carrier")
    headers = {"X-Cloud-Trace-Context": f"{TRACE}/1;o=1"}
    with app.test_request_context("/", method="POST", headers=headers):
        ctx = context_for(CloudEvent({"id": "ce-8", "source": "//x", "type": "t"}))
    assert ctx.trace_id == TRACE  # read after the request ended
