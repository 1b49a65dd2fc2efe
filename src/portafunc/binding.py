"""Binding: each handler's signature compiled once, at declaration, into extractors.

A :class:`Binding` holds one small function per parameter, each taking the
invocation's envelope and :class:`Context` and returning the argument. Nothing
about the signature is inspected again per call.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import PydanticUserError, TypeAdapter, ValidationError

from ._value import Value
from .context import Context
from .errors import DeclarationError, InvalidPayload
from .events import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from .http import HTTPRequest
from .params import Param
from .triggers import HTTPTrigger, Trigger

__all__ = ["Binding", "Decoder", "compile_handler"]

Extractor = Callable[[Any, Context], Any]
_ENVELOPES = (HTTPRequest, Message, Event, StorageEvent, ScheduleEvent, ChangeEvent)
_SEQUENCES = (list, tuple, set, frozenset, Sequence)
_MISSING = inspect.Parameter.empty


class Binding(Value):
    """How to call one handler: positional and keyword extractors, and ``call``, which
    extracts every argument from an envelope and calls the handler with them."""

    __slots__ = ("batch", "call", "is_async", "keyword", "positional")
    positional: tuple[Extractor, ...]
    keyword: tuple[tuple[str, Extractor], ...]
    is_async: bool
    call: Extractor
    #: For a batch function (``list[Message[T]]``): validates one message's data into
    #: ``T`` (InvalidPayload if it fails) and returns it; None for other functions.
    batch: Extractor | None

    def __init__(
        self,
        positional: tuple[Extractor, ...],
        keyword: tuple[tuple[str, Extractor], ...],
        is_async: bool,
        call: Extractor,
        batch: Extractor | None = None,
    ) -> None:
        self._init(
            positional=positional, keyword=keyword, is_async=is_async, call=call, batch=batch
        )


class Decoder:
    """Turns a payload (raw bytes, or a value the provider already decoded) into ``T``.

    Validation errors are located under ``loc`` (``("body",)`` for an HTTP body).
    """

    __slots__ = ("from_bytes", "from_value", "validate_json")

    def __init__(self, annotation: Any, loc: tuple[str, ...] = ()) -> None:
        self.from_bytes: Callable[[bytes], Any]
        self.from_value: Callable[[Any], Any]
        #: pydantic's own ``validate_json`` when bytes are validated, else None.
        self.validate_json: Callable[[bytes], Any] | None = None
        if annotation is bytes:
            self.from_bytes, self.from_value = _identity, _value_to_bytes
        elif annotation is str:
            self.from_bytes, self.from_value = _utf8, _value_to_str
        elif annotation in (Any, object, _MISSING):
            self.from_bytes, self.from_value = _json, _identity
        else:
            self.validate_json, validate_python = _validators(annotation)
            self.from_bytes = _validating(self.validate_json, loc)
            self.from_value = _validating(validate_python, loc)

    def envelope(self, envelope: Message[Any] | Event[Any]) -> Any:
        body = envelope._body
        if body is None:
            return self.from_value(envelope._value)
        return self.from_bytes(body)


def compile_handler(func: Callable[..., Any], trigger: Trigger, where: str) -> Binding:
    """Compile ``func``'s signature for ``trigger``; raise DeclarationError naming ``where``."""
    signature = _signature(func, where)
    path_names = _path_names(trigger)
    positional: list[Extractor] = []
    keyword: list[tuple[str, Extractor]] = []
    payload_seen: str | None = None
    batch: Extractor | None = None
    for parameter in signature.parameters.values():
        here = f"{where}, parameter {parameter.name!r}"
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise DeclarationError("*args and **kwargs cannot be bound", where=here)
        if parameter.annotation is _MISSING:
            raise DeclarationError("needs a type annotation", where=here)
        try:
            item = _batch_item(parameter.annotation, trigger)
            special = None if item else _special(parameter, trigger, path_names, here)
            if special is not None:
                extractor = special
            else:  # the payload, or a batch of messages
                payload_seen = _only_payload(payload_seen, parameter.name)
                extractor = _as_is if item else _payload(parameter, trigger, here)
                batch = _envelope(item) if item else None
        except DeclarationError as exc:
            exc.where = exc.where or here
            raise
        if parameter.kind is parameter.KEYWORD_ONLY:
            keyword.append((parameter.name, extractor))
        else:
            positional.append(extractor)
    extractors = [*positional, *(extract for _, extract in keyword)]
    if batch is not None and any(e not in (_as_is, _context) for e in extractors):
        raise DeclarationError(
            "a batch function takes its list of messages and Context only", where=where
        )
    call = _caller(func, tuple(positional), tuple(keyword))
    is_async = inspect.iscoroutinefunction(func)
    return Binding(tuple(positional), tuple(keyword), is_async, call, batch)


def _only_payload(seen: str | None, name: str) -> str:
    if seen is not None:
        raise DeclarationError(f"only one payload parameter is allowed; {seen!r} is already one")
    return name


def _batch_item(annotation: Any, trigger: Trigger) -> Any:
    """``Message[T]`` for a batch parameter (``list[Message[T]]``), else None."""
    if get_origin(annotation) not in (list, Sequence) or len(get_args(annotation)) != 1:
        return None
    (item,) = get_args(annotation)
    if (get_origin(item) or item) is not Message:
        return None
    if trigger.kind not in ("queue", "stream"):
        raise DeclarationError(f"batch functions are queue or stream functions, not {trigger.kind}")
    return item


def _caller(
    func: Callable[..., Any],
    positional: tuple[Extractor, ...],
    keyword: tuple[tuple[str, Extractor], ...],
) -> Extractor:
    """``func`` called with its extracted arguments; the usual shapes (up to three
    positional parameters) without building an argument list per call."""
    if not keyword:
        if not positional:
            return lambda envelope, ctx: func()
        if len(positional) == 1:
            (first,) = positional
            return lambda envelope, ctx: func(first(envelope, ctx))
        if len(positional) == 2:
            first, second = positional
            return lambda envelope, ctx: func(first(envelope, ctx), second(envelope, ctx))
        if len(positional) == 3:
            first, second, third = positional
            return lambda envelope, ctx: func(
                first(envelope, ctx), second(envelope, ctx), third(envelope, ctx)
            )

    def call(envelope: Any, ctx: Context) -> Any:
        args = [extract(envelope, ctx) for extract in positional]
        kwargs = {name: extract(envelope, ctx) for name, extract in keyword}
        return func(*args, **kwargs)

    return call


def _signature(func: Callable[..., Any], where: str) -> inspect.Signature:
    try:
        return inspect.signature(func, eval_str=True)
    except (NameError, AttributeError, TypeError, SyntaxError, ValueError) as exc:
        where = _unresolvable(func, where)
        raise DeclarationError(f"cannot read the signature: {exc}", where=where) from exc


def _unresolvable(func: Callable[..., Any], where: str) -> str:
    """``where``, naming the first parameter whose string annotation does not evaluate."""
    namespace = getattr(inspect.unwrap(func), "__globals__", {})
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return where
    for parameter in parameters:
        if isinstance(parameter.annotation, str):
            try:
                eval(parameter.annotation, namespace)
            except Exception:
                return f"{where}, parameter {parameter.name!r}"
    return where


def _path_names(trigger: Trigger) -> frozenset[str]:
    if not isinstance(trigger, HTTPTrigger):
        return frozenset()
    from .routing import parse_template

    return frozenset(name for name, _greedy in parse_template(trigger.path).params)


def _special(
    parameter: inspect.Parameter, trigger: Trigger, path_names: frozenset[str], where: str
) -> Extractor | None:
    """The extractor of a parameter that is not the payload, or None."""
    annotation = parameter.annotation
    if annotation is Context:
        return _context
    origin = get_origin(annotation) or annotation
    if origin is trigger.envelope:
        return _envelope(annotation)
    if inspect.isclass(origin) and origin in _ENVELOPES:
        raise DeclarationError(
            f"{trigger.kind} functions receive {trigger.envelope.__name__}, not {origin.__name__}",
            where=where,
        )
    if origin is Annotated:
        marker = next((m for m in annotation.__metadata__ if isinstance(m, Param)), None)
        if marker is not None:
            if not isinstance(trigger, HTTPTrigger):
                raise DeclarationError(f"{marker!r} only applies to HTTP functions", where=where)
            return _http_param(parameter, marker)
    if parameter.name in path_names:
        return _path_param(parameter.name, annotation)
    return None


def _envelope(annotation: Any) -> Extractor:
    args = get_args(annotation)
    if not args:
        return _as_is
    decoder = Decoder(args[0])
    if get_origin(annotation) is ChangeEvent:
        value = decoder.from_value

        def change(event: ChangeEvent[Any], ctx: Context) -> ChangeEvent[Any]:
            old, new = event._images()
            event._with_data(
                None if old is None else value(old), None if new is None else value(new)
            )
            return event

        return change

    from_bytes, from_value = decoder.from_bytes, decoder.from_value

    def payload_envelope(envelope: Message[Any], ctx: Context) -> Message[Any]:
        body = envelope._body  # one frame less than decoder.envelope(): this is per message
        envelope._data = from_value(envelope._value) if body is None else from_bytes(body)
        return envelope

    return payload_envelope


def _payload(parameter: inspect.Parameter, trigger: Trigger, where: str) -> Extractor:
    http = isinstance(trigger, HTTPTrigger)
    decoder = Decoder(parameter.annotation, ("body",) if http else ())
    if http:
        from_bytes = decoder.from_bytes
        default = parameter.default
        if default is _MISSING:
            validate_json = decoder.validate_json
            if validate_json is not None:
                return _body(validate_json)
            return lambda request, ctx: from_bytes(request._body)
        # An optional body: a request without one gets the parameter's default.
        return lambda request, ctx: from_bytes(request._body) if request._body else default
    if trigger.envelope in (Message, Event):
        return lambda envelope, ctx: decoder.envelope(envelope)
    raise DeclarationError(
        f"{trigger.kind} functions take no payload parameter; annotate it as "
        f"{trigger.envelope.__name__}",
        where=where,
    )


def _body(validate_json: Callable[[bytes], Any]) -> Extractor:
    """The request body validated into the payload type (one frame: this is per request)."""

    def body(request: HTTPRequest, ctx: Context) -> Any:
        try:
            return validate_json(request._body)
        except ValidationError as exc:
            raise _invalid(exc, ("body",)) from None

    return body


def _path_param(name: str, annotation: Any) -> Extractor:
    if annotation is str:  # the common case: the value as routed, without a call more
        return lambda request, ctx: request._path_params[name]
    convert = _converter(annotation, ("path", name))
    return lambda request, ctx: convert(request._path_params[name])


def _http_param(parameter: inspect.Parameter, marker: Param) -> Extractor:
    base, *metadata = get_args(parameter.annotation)
    # Other metadata (pydantic's Field constraints) stays; pydantic ignores the marker.
    annotation = parameter.annotation if len(metadata) > 1 else base
    name = marker.name_for(parameter.name)
    default = parameter.default
    loc = (marker.source, name)
    convert = _converter(annotation, loc)
    many = _collects(base)

    def read(request: HTTPRequest) -> Any:
        if marker.source == "cookie":
            return request.cookies.get(name)
        source = request.query if marker.source == "query" else request.headers
        if many:
            return source.getlist(name) or None
        return source.get(name)

    def extract(request: HTTPRequest, ctx: Context) -> Any:
        value = read(request)
        if value is None:
            if default is _MISSING:
                raise InvalidPayload(
                    f"missing {marker.source} {name!r}",
                    errors=[{"type": "missing", "loc": loc, "msg": "Field required"}],
                )
            return default
        return convert(value)

    return extract


def _collects(annotation: Any) -> bool:
    """Whether a query or header parameter takes every value (``list[int] | None``)."""
    union = get_origin(annotation) in (Union, UnionType)
    options = get_args(annotation) if union else (annotation,)
    return any((get_origin(option) or option) in _SEQUENCES for option in options)


def _converter(annotation: Any, loc: tuple[str, ...]) -> Callable[[Any], Any]:
    if annotation is str:
        return _identity
    return _validating(_validators(annotation)[1], loc)


def _validators(annotation: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """pydantic's compiled ``validate_json`` and ``validate_python`` for ``annotation``."""
    try:
        validator = TypeAdapter(annotation).validator
        return validator.validate_json, validator.validate_python
    except PydanticUserError as exc:
        reason = str(exc).partition("\n")[0]
        raise DeclarationError(f"pydantic cannot validate {annotation!r}: {reason}") from exc


def _validating(validate: Callable[[Any], Any], loc: tuple[str, ...]) -> Callable[[Any], Any]:
    """``validate``, raising InvalidPayload with its errors located under ``loc``."""

    def run(value: Any) -> Any:
        try:
            return validate(value)
        except ValidationError as exc:
            raise _invalid(exc, loc) from None

    return run


def _invalid(exc: ValidationError, loc: tuple[str, ...]) -> InvalidPayload:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    malformed = any(error["type"] == "json_invalid" for error in errors)
    reason = "malformed JSON" if malformed else f"{exc.error_count()} validation error(s)"
    located = [{**error, "loc": (*loc, *error["loc"])} for error in errors]
    return InvalidPayload(reason, errors=located, malformed=malformed)


def _identity(value: Any) -> Any:
    return value


def _as_is(envelope: Any, ctx: Context) -> Any:
    return envelope


def _context(envelope: Any, ctx: Context) -> Context:
    return ctx


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise InvalidPayload(f"malformed JSON: {exc}", malformed=True) from None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidPayload(f"payload is not UTF-8: {exc}", malformed=True) from None


def _value_to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def _value_to_str(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
