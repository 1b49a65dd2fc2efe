"""The contract every event source follows, and the parts they share.

A source is a small object with a cheap, exclusive ``matches(event)`` check and an
``invoke`` that translates the payload into the common model, runs the pipeline
and translates the result back into what Lambda expects. ``handler.lambda_handler``
walks the ordered list in ``sources/__init__.py`` once per event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from portafunc import pipeline
from portafunc.errors import (
    HTTPError,
    InvalidPayload,
    NoSuchFunction,
    PortafuncError,
    UnsupportedEvent,
)

from ..invocation import Functions, context_for

if TYPE_CHECKING:
    from portafunc.app import App, Function
    from portafunc.context import Context
    from portafunc.http import HTTPRequest, HTTPResponse

__all__ = [
    "HTTPSource",
    "Job",
    "Source",
    "deliver_records",
    "deliver_translated",
    "malformed",
    "optional_text",
    "record_jobs",
    "text",
    "translating",
    "undeliverable",
]

_logger = logging.getLogger("portafunc.aws")
R = TypeVar("R")
Event = Mapping[str, Any]
#: One record's work: translate it (may raise) into the function and envelope to deliver.
Job = Callable[[], "tuple[Function, Any] | None"]


class Source(Protocol):
    """One Lambda event source."""

    @property
    def name(self) -> str:
        """The source's short name, used in error messages."""
        ...

    def matches(self, event: Event) -> bool:
        """Whether ``event`` comes from this source; true for exactly one source."""
        ...

    def invoke(self, functions: Functions, event: Event, lambda_context: Any) -> Any:
        """Run the event through the app; return what Lambda expects back."""
        ...


def text(value: Any) -> str:
    """``value`` if it is a string; TypeError (a malformed payload) otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def optional_text(value: Any) -> str | None:
    """``value`` if it is a string, None if it is None; TypeError otherwise."""
    return None if value is None else text(value)


class translating:  # used like a function: ``with translating("sqs"):``
    """Turn a malformed payload's KeyError/TypeError/ValueError (or a malformed
    InvalidPayload, such as headers that are not text) into UnsupportedEvent.

    A class rather than a ``@contextmanager`` generator: it is entered on every
    invocation, and this costs a fraction of a generator-based one.
    """

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is None:
            return
        if isinstance(exc, InvalidPayload) and exc.malformed:  # e.g. headers that are not text
            raise malformed(self.source, exc) from exc
        if not isinstance(exc, PortafuncError) and isinstance(exc, _MALFORMED):
            raise malformed(self.source, exc) from exc


def malformed(source: str, exc: BaseException) -> UnsupportedEvent:
    """The UnsupportedEvent a malformed ``source`` payload's error stands for."""
    return UnsupportedEvent("aws", f"malformed {source} payload ({type(exc).__name__}: {exc})")


def undeliverable(item_id: str, exc: Exception) -> None:
    """Log that a record cannot be translated (the caller reports it as failed)."""
    _logger.error("record %s cannot be delivered: %s", item_id, exc)


#: A malformed payload's errors; RecursionError: JSON (or DynamoDB values) nested too deep.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)


class HTTPSource:
    """An HTTP event source: subclasses translate the request and the response."""

    name: ClassVar[str]

    def matches(self, event: Event) -> bool:
        raise NotImplementedError

    def request(self, event: Event) -> HTTPRequest:
        raise NotImplementedError

    def response(self, response: HTTPResponse, event: Event) -> dict[str, Any]:
        raise NotImplementedError

    def invoke(self, functions: Functions, event: Event, lambda_context: Any) -> Any:
        with translating(self.name):
            request = self.request(event)
        pinned = functions.pinned
        if pinned is not None and not _serves(functions.app, pinned, request):
            return self.response(pipeline.problem(HTTPError(404)), event)
        response = pipeline.handle_http(functions.app, request, context_for(lambda_context))
        return self.response(response, event)


def _serves(app: App, pinned: Function, request: HTTPRequest) -> bool:
    """Whether a handler pinned to ``pinned`` answers ``request`` (404 or 405 answer too)."""
    if pinned.trigger.kind != "http":
        raise NoSuchFunction(
            f"an HTTP request, for the {pinned.trigger.kind} function {pinned.name!r}"
        )
    try:
        target, _ = app.router.match(request.method, request.path)
    except HTTPError:
        return True  # the pipeline answers 404 or 405
    return target is pinned


def record_jobs(
    records: Sequence[Mapping[str, Any]],
    route_for: Callable[[str], R],
    sequence_of: Callable[[Mapping[str, Any]], str],
    work: Callable[[R, Mapping[str, Any]], tuple[Function, Any]],
) -> list[tuple[str, Job]]:
    """A job per stream record, each routed once per source ARN (Kinesis, DynamoDB)."""
    routes: dict[str, R] = {}
    jobs: list[tuple[str, Job]] = []
    for record in records:
        arn = record["eventSourceARN"]
        route = routes[arn] if arn in routes else routes.setdefault(arn, route_for(arn))
        jobs.append((sequence_of(record), partial(work, route, record)))
    return jobs


def deliver_records(
    functions: Functions, jobs: Sequence[tuple[str, Job]], ctx: Context, *, ordered: bool
) -> list[str]:
    """Deliver each record; return the ids of the failed ones.

    A record that cannot be translated fails like one whose handler raised (it is
    reported for redelivery, never dropped). With ``ordered`` the first failure
    stops the batch: it and every later record are reported, none of them invoked.
    A job returning None is acknowledged without a handler (e.g. an S3 test event).
    """
    failed: list[str] = []
    for index, (item_id, job) in enumerate(jobs):
        if _succeeds(functions, item_id, job, ctx):
            continue
        failed.append(item_id)
        if ordered:
            return failed + [later for later, _ in jobs[index + 1 :]]
    return failed


def deliver_translated(
    functions: Functions, jobs: Sequence[tuple[str, Job]], ctx: Context, *, ordered: bool
) -> list[str]:
    """:func:`deliver_records` for jobs that only translate (streams): every record is
    translated first (for ``ordered``, up to the first that cannot be), then each run of
    records for one function goes to :func:`pipeline.deliver_batch` (a batch function
    gets the run in one call); return the ids of the failed records."""
    works: list[tuple[int, Function, Any]] = []
    failed: list[int] = []
    for index, (item_id, job) in enumerate(jobs):
        try:
            work = job()
        except Exception as exc:
            undeliverable(item_id, exc)
            failed.append(index)
            if ordered:
                break
            continue
        if work is not None:
            works.append((index, *work))
    failed += _deliver_runs(functions.app, works, ctx, ordered)
    ids = [item_id for item_id, _ in jobs]
    if ordered and failed:
        return ids[min(failed) :]
    return [ids[index] for index in sorted(failed)]


def _deliver_runs(
    app: App, works: Sequence[tuple[int, Function, Any]], ctx: Context, ordered: bool
) -> list[int]:
    """Deliver each run of consecutive works for one function; the failed indexes."""
    failed: list[int] = []
    start = 0
    while start < len(works):
        function = works[start][1]
        end = start + 1
        while end < len(works) and works[end][1] is function:
            end += 1
        run = works[start:end]
        envelopes = [envelope for _, _, envelope in run]
        reported = pipeline.deliver_batch(app, function, envelopes, ctx, ordered=ordered)
        failed += [run[index][0] for index in reported]
        if ordered and reported:
            break
        start = end
    return failed


def _succeeds(functions: Functions, item_id: str, job: Job, ctx: Context) -> bool:
    try:
        work = job()
    except Exception as exc:
        undeliverable(item_id, exc)
        return False
    if work is None:
        return True
    try:
        pipeline.deliver(functions.app, work[0], work[1], ctx)
    except Exception:  # the pipeline has logged it
        return False
    return True
