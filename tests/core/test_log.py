"""Tests for portafunc.log: context filter, JSON formatter, redaction and configure()."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from portafunc.context import Context, current
from portafunc.log import (
    REDACTED_KEYS,
    ContextFilter,
    JSONFormatter,
    access_line,
    configure,
    function_logger,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

CONTEXT_ATTRS = (
    "portafunc_function",
    "portafunc_provider",
    "portafunc_invocation_id",
    "portafunc_cold_start",
    "portafunc_trace_id",
    "portafunc_span_id",
)


@contextmanager
def invocation(**fields: Any) -> Iterator[Context]:
    """Run the block as if inside an invocation with a Context built from ``fields``."""
    fields.setdefault("provider", "aws")
    ctx = Context(**fields)
    token = current.set(ctx)
    try:
        yield ctx
    finally:
        current.reset(token)


def json_handler(stream: io.StringIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(ContextFilter())
    return handler


def parse(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def make_record(msg: str = "hello", **extra: Any) -> logging.LogRecord:
    return logging.getLogger("portafunc.tests").makeRecord(
        "portafunc.tests", logging.INFO, __file__, 1, msg, (), None, extra=extra
    )


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def logger(stream: io.StringIO) -> Iterator[logging.Logger]:
    """A logger writing JSON lines, with the context filter, to ``stream`` only."""
    log = logging.getLogger("portafunc.tests.log")
    handler = json_handler(stream)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        yield log
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.NOTSET)
        log.propagate = True


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger with no handlers; its handlers and levels are restored afterwards.

    A context manager used inside the test body rather than a fixture: pytest installs its
    own capture handlers on the root logger separately for setup, call and teardown, so only
    the call phase's handlers can be saved and put back exactly.
    """
    root = logging.getLogger()
    package = logging.getLogger("portafunc")
    saved_handlers, saved_level, saved_package_level = root.handlers[:], root.level, package.level
    root.handlers = []
    try:
        yield root
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        package.setLevel(saved_package_level)


# ContextFilter


def test_filter_adds_context_fields_inside_an_invocation() -> None:
    record = make_record()
    with invocation(provider="gcp", function="greet", invocation_id="inv-1", trace_id="t-1"):
        assert ContextFilter().filter(record) is True
    assert {attr: vars(record)[attr] for attr in CONTEXT_ATTRS} == {
        "portafunc_function": "greet",
        "portafunc_provider": "gcp",
        "portafunc_invocation_id": "inv-1",
        "portafunc_cold_start": False,
        "portafunc_trace_id": "t-1",
        "portafunc_span_id": None,
    }


def test_filter_adds_nothing_outside_an_invocation() -> None:
    record = make_record()
    assert ContextFilter().filter(record) is True
    for attr in CONTEXT_ATTRS:
        assert not hasattr(record, attr)


def test_filter_keeps_attributes_already_on_the_record() -> None:
    record = make_record(portafunc_invocation_id="explicit")
    with invocation(invocation_id="from-context"):
        ContextFilter().filter(record)
    assert vars(record)["portafunc_invocation_id"] == "explicit"


# JSONFormatter


def test_json_shape_inside_an_invocation(logger: logging.Logger, stream: io.StringIO) -> None:
    with invocation(provider="azure", function="greet", invocation_id="inv-1", trace_id="t-1"):
        logger.warning("hello %s", "world", extra={"user": "ada", "count": 3})
    [line] = parse(stream)
    assert line == {
        "time": line["time"],
        "level": "WARNING",
        "severity": "WARNING",
        "logger": "portafunc.tests.log",
        "message": "hello world",
        "function": "greet",
        "provider": "azure",
        "invocation_id": "inv-1",
        "cold_start": False,
        "trace_id": "t-1",
        "operation_Id": "t-1",
        "user": "ada",
        "count": 3,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_json_shape_outside_an_invocation(logger: logging.Logger, stream: io.StringIO) -> None:
    logger.info("plain")
    [line] = parse(stream)
    assert set(line) == {"time", "level", "severity", "logger", "message"}


def test_trace_id_is_omitted_when_unknown(logger: logging.Logger, stream: io.StringIO) -> None:
    with invocation(provider="aws", invocation_id="inv-1"):
        logger.info("no trace")
    [line] = parse(stream)
    assert line["invocation_id"] == "inv-1"
    assert "trace_id" not in line
    assert "xray_trace_id" not in line


def test_time_is_utc_iso8601_with_milliseconds() -> None:
    record = make_record()
    record.created = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc).timestamp()
    assert json.loads(JSONFormatter().format(record))["time"] == "2024-05-06T07:08:09.123Z"


def test_output_is_one_line_even_for_multiline_messages(
    logger: logging.Logger, stream: io.StringIO
) -> None:
    logger.info("first\nsecond")
    assert stream.getvalue().count("\n") == 1
    assert parse(stream)[0]["message"] == "first\nsecond"


def test_extras_do_not_replace_fixed_keys(logger: logging.Logger, stream: io.StringIO) -> None:
    logger.info("msg", extra={"level": "fake", "time": "fake"})
    [line] = parse(stream)
    assert line["level"] == "INFO"
    assert line["time"] != "fake"


@pytest.mark.parametrize(
    ("provider", "key", "value"),
    [
        ("aws", "xray_trace_id", "abc"),
        ("azure", "operation_Id", "abc"),
        ("gcp", "logging.googleapis.com/trace", "projects/my-proj/traces/abc"),
    ],
)
def test_trace_is_written_where_each_cloud_correlates_it(
    logger: logging.Logger,
    stream: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    key: str,
    value: str,
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-proj")
    with invocation(provider=provider, trace_id="abc"):
        logger.info("traced")
    assert parse(stream)[0][key] == value


def test_gcp_trace_key_needs_the_project(
    logger: logging.Logger, stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    with invocation(provider="gcp", trace_id="abc"):
        logger.info("traced")
    [line] = parse(stream)
    assert line["trace_id"] == "abc"
    assert "logging.googleapis.com/trace" not in line


# Redaction


def test_redacted_keys() -> None:
    expected = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
    assert expected == REDACTED_KEYS


def test_secrets_are_redacted_at_top_level_case_insensitively(
    logger: logging.Logger, stream: io.StringIO
) -> None:
    logger.info("req", extra={"Authorization": "Bearer x", "COOKIE": "c=1", "accept": "a"})
    [line] = parse(stream)
    assert line["Authorization"] == "[redacted]"
    assert line["COOKIE"] == "[redacted]"
    assert line["accept"] == "a"


def test_secrets_are_redacted_in_nested_mappings(
    logger: logging.Logger, stream: io.StringIO
) -> None:
    headers = {"Authorization": "Bearer x", "Accept": "a"}
    deep = {"request": {"headers": {"X-Api-Key": "k", "Set-Cookie": "s"}, "path": "/"}}
    listed = [{"proxy-authorization": "p"}]
    logger.info("req", extra={"headers": headers, "deep": deep, "listed": listed})
    [line] = parse(stream)
    assert line["headers"] == {"Authorization": "[redacted]", "Accept": "a"}
    assert line["deep"] == {
        "request": {"headers": {"X-Api-Key": "[redacted]", "Set-Cookie": "[redacted]"}, "path": "/"}
    }
    assert line["listed"] == [{"proxy-authorization": "[redacted]"}]


def test_redaction_does_not_mutate_the_logged_objects(logger: logging.Logger) -> None:
    headers = {"Authorization": "Bearer x", "nested": {"cookie": "c"}}
    logger.info("req", extra={"headers": headers})
    assert headers == {"Authorization": "Bearer x", "nested": {"cookie": "c"}}


# Values JSON cannot hold


class Opaque:
    def __str__(self) -> str:
        return "opaque!"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")


def test_non_serialisable_extras_are_rendered_as_text(
    logger: logging.Logger, stream: io.StringIO
) -> None:
    when = datetime(2024, 1, 2, tzinfo=timezone.utc)
    logger.info("odd", extra={"obj": Opaque(), "when": when, "nested": {"o": Opaque(), 1: "int"}})
    [line] = parse(stream)
    assert line["obj"] == "opaque!"
    assert line["when"] == str(when)
    assert line["nested"] == {"o": "opaque!", "1": "int"}


def test_values_without_str_fall_back_to_repr(logger: logging.Logger, stream: io.StringIO) -> None:
    logger.info("odd", extra={"bad": Unprintable()})
    assert parse(stream)[0]["bad"].startswith("<")


def test_circular_extras_do_not_crash(logger: logging.Logger, stream: io.StringIO) -> None:
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop
    logger.info("cycle", extra={"loop": loop})
    assert parse(stream)[0]["loop"] == {"name": "loop", "self": "[circular]"}


# Exceptions


def test_exception_is_formatted(logger: logging.Logger, stream: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    [line] = parse(stream)
    assert line["level"] == "ERROR"
    assert line["message"] == "failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: boom")


def test_no_exception_key_without_exc_info(logger: logging.Logger, stream: io.StringIO) -> None:
    logger.error("no active exception", exc_info=True)
    assert "exception" not in parse(stream)[0]


# function_logger and access_line


def test_function_logger_name() -> None:
    assert function_logger("shop", "checkout") is logging.getLogger("portafunc.shop.checkout")


def test_access_line(logger: logging.Logger, stream: io.StringIO) -> None:
    access_line(logger, status=200, duration_ms=12.34567)
    [line] = parse(stream)
    assert line["level"] == "INFO"
    assert line["message"] == "invocation finished"
    assert line["status"] == 200
    assert line["duration_ms"] == 12.35


# configure()


def test_configure_without_root_handlers_adds_one_json_handler(stream: io.StringIO) -> None:
    with bare_root() as root:
        configure(logging.DEBUG, stream)
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        assert handler.stream is stream
        assert isinstance(handler.formatter, JSONFormatter)
        assert logging.getLogger("portafunc").level == logging.DEBUG

        with invocation(provider="gcp", function="greet", invocation_id="inv-1"):
            function_logger("app", "greet").debug("hi")
    [line] = parse(stream)
    assert line["logger"] == "portafunc.app.greet"
    assert line["invocation_id"] == "inv-1"


def test_configure_defaults_to_stderr_and_info() -> None:
    with bare_root() as root:
        configure()
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        assert handler.stream is sys.stderr
        assert logging.getLogger("portafunc").level == logging.INFO


def test_configure_is_idempotent(stream: io.StringIO) -> None:
    with bare_root() as root:
        configure(stream=stream)
        configure(stream=stream)
        [handler] = root.handlers
        assert sum(isinstance(f, ContextFilter) for f in handler.filters) == 1


def test_configure_keeps_existing_handlers_and_formatters(stream: io.StringIO) -> None:
    formatter = logging.Formatter("%(portafunc_invocation_id)s %(message)s")
    existing = logging.StreamHandler(stream)
    existing.setFormatter(formatter)
    with bare_root() as root:
        root.addHandler(existing)
        configure()
        configure()

        assert root.handlers == [existing]
        assert existing.formatter is formatter
        assert sum(isinstance(f, ContextFilter) for f in existing.filters) == 1
        with invocation(invocation_id="inv-7"):
            function_logger("app", "fn").info("hello")
    assert stream.getvalue() == "inv-7 hello\n"


def test_bare_root_restores_the_root_logger() -> None:
    root = logging.getLogger()
    before = root.handlers[:]
    with bare_root():
        configure(stream=io.StringIO())
    assert root.handlers == before


# Isolation between concurrent invocations


def test_each_thread_logs_its_own_invocation(logger: logging.Logger, stream: io.StringIO) -> None:
    threads = 20
    barrier = threading.Barrier(threads, timeout=30)

    def work(index: int) -> None:
        with invocation(invocation_id=f"inv-{index}"):
            barrier.wait()
            for _ in range(5):
                logger.info("working", extra={"worker": index})
                barrier.wait()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, range(threads)))

    lines = parse(stream)
    assert len(lines) == threads * 5
    for line in lines:
        assert line["invocation_id"] == f"inv-{line['worker']}"
    assert {line["invocation_id"] for line in lines} == {f"inv-{i}" for i in range(threads)}
