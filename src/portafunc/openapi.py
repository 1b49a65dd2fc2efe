"""An OpenAPI 3.1 document of an app's HTTP functions (``portafunc openapi``).

One operation per (function, method), ``operationId`` the function's name (with
``_get``, ``_post``... appended when a function serves several methods). Paths are
the route templates, a greedy ``{p:path}`` written ``{p}``. Parameters are read from
each handler's signature with the rules binding applies at declaration: path
parameters by name, ``Annotated[T, Query()]`` / ``Header()`` / ``Cookie()`` with
their defaults, and the payload parameter as the request body. Schemas come from
pydantic (validation mode for what comes in, serialization mode for what goes out),
shared under ``components/schemas``. Every operation also lists the problem-JSON
answers portafunc gives: 400, 404, 405, 422 and 500.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Annotated, Any, Literal, get_origin

from pydantic import PydanticUserError, TypeAdapter
from pydantic_core import PydanticSerializationError, to_jsonable_python

from .app import App, Function
from .context import Context
from .http import HTTPRequest, HTTPResponse
from .params import Param
from .routing import parse_template
from .triggers import HTTPTrigger

__all__ = ["document"]

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]
_GREEDY = re.compile(r"\{([A-Za-z_]\w*):path\}")
_PROBLEMS = {
    "400": ("BadRequest", "Malformed request (bad JSON, unreadable body)"),
    "404": ("NotFound", "No route matches the path"),
    "405": ("MethodNotAllowed", "The path does not serve this method (see Allow)"),
    "422": ("UnprocessableContent", "The request fails validation"),
    "500": ("InternalServerError", "The handler failed"),
}
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}
_RAW: dict[Any, tuple[str, dict[str, Any]]] = {
    bytes: ("application/octet-stream", {"type": "string", "format": "binary"}),
    str: ("text/plain", {"type": "string"}),
}


def document(app: App, *, version: str = "0.1.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s HTTP functions, as JSON-ready data."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for function in app.functions.values():
        trigger = function.trigger
        if not isinstance(trigger, HTTPTrigger):
            continue
        item = paths.setdefault(_GREEDY.sub(r"{\1}", trigger.path), {})
        for method in trigger.methods:
            suffix = f"_{method.lower()}" if len(trigger.methods) > 1 else ""
            item[method.lower()] = _operation(function, trigger, function.name + suffix, schemas)
    components = schemas.resolve(paths)
    problem = "Problem" if "Problem" not in components else "PortafuncProblem"
    components[problem] = _PROBLEM_SCHEMA
    responses = {
        name: {
            "description": description,
            "content": {
                "application/problem+json": {"schema": {"$ref": REF.format(model=problem)}}
            },
        }
        for name, description in _PROBLEMS.values()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": app.name, "version": version},
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())), "responses": responses},
    }


class _Schemas:
    """Collects the annotations to describe; resolves them in one pydantic run, so a
    model used in many places is one component."""

    def __init__(self) -> None:
        self.wanted: list[tuple[int, Mode, TypeAdapter[Any]]] = []

    def ref(self, annotation: Any, mode: Mode) -> dict[str, Any]:
        """A placeholder replaced by the annotation's schema in :meth:`resolve`
        (``{}``, any value, for a type pydantic cannot describe)."""
        try:
            adapter: TypeAdapter[Any] = TypeAdapter(annotation)
            adapter.json_schema(mode=mode)
        except PydanticUserError:
            return {}
        self.wanted.append((len(self.wanted), mode, adapter))
        return {"__schema__": len(self.wanted) - 1}

    def resolve(self, tree: Any) -> dict[str, Any]:
        """Fill the placeholders in ``tree``; return the shared component schemas."""
        if not self.wanted:
            return {}
        keyed, top = TypeAdapter.json_schemas(self.wanted, ref_template=REF)
        by_index = {index: schema for (index, _mode), schema in keyed.items()}
        _fill(tree, by_index)
        return dict(top.get("$defs", {}))


def _fill(tree: Any, schemas: dict[int, dict[str, Any]]) -> None:
    children = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else ()
    for child in children:
        if isinstance(child, dict) and "__schema__" in child:
            child.update(schemas[child.pop("__schema__")])
        else:
            _fill(child, schemas)


def _operation(
    function: Function, trigger: HTTPTrigger, operation_id: str, schemas: _Schemas
) -> dict[str, Any]:
    signature = inspect.signature(function.handler, eval_str=True)
    operation: dict[str, Any] = {"operationId": operation_id}
    summary, _, description = (inspect.getdoc(function.handler) or "").partition("\n\n")
    if summary:
        operation["summary"] = " ".join(summary.split())
    if description.strip():
        operation["description"] = description.strip()
    parameters, body = _parameters(signature, trigger, schemas)
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    success = _success(signature.return_annotation, function.status, schemas)
    operation["responses"] = success | {
        status: {"$ref": f"#/components/responses/{name}"}
        for status, (name, _) in _PROBLEMS.items()
        if status not in success
    }
    return operation


def _parameters(
    signature: inspect.Signature, trigger: HTTPTrigger, schemas: _Schemas
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The parameters and the request body, classified as binding does."""
    path_names = [name for name, _greedy in parse_template(trigger.path).params]
    path = {name: {"type": "string"} for name in path_names}
    others: list[dict[str, Any]] = []
    body = None
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if annotation is Context or (get_origin(annotation) or annotation) is HTTPRequest:
            continue
        marker = _marker(annotation)
        if marker is not None:
            others.append(_parameter(parameter, marker, schemas))
        elif parameter.name in path:
            path[parameter.name] = schemas.ref(annotation, "validation")
        else:
            body = _body(annotation, parameter.default, schemas)
    located = [{"name": n, "in": "path", "required": True, "schema": s} for n, s in path.items()]
    return located + others, body


def _marker(annotation: Any) -> Param | None:
    if get_origin(annotation) is not Annotated:
        return None
    return next((m for m in annotation.__metadata__ if isinstance(m, Param)), None)


def _parameter(parameter: inspect.Parameter, marker: Param, schemas: _Schemas) -> dict[str, Any]:
    schema = schemas.ref(parameter.annotation, "validation")
    required = parameter.default is inspect.Parameter.empty
    if not required and parameter.default is not None:
        schema |= _default(parameter.default)
    return {
        "name": marker.name_for(parameter.name),
        "in": marker.source,
        "required": required,
        "schema": schema,
    }


def _default(value: Any) -> dict[str, Any]:
    try:
        return {"default": to_jsonable_python(value)}
    except PydanticSerializationError:
        return {}


def _body(annotation: Any, default: Any, schemas: _Schemas) -> dict[str, Any]:
    content = dict(_content(annotation, "validation", schemas))
    return {"required": default is inspect.Parameter.empty, "content": content}


def _content(annotation: Any, mode: Mode, schemas: _Schemas) -> Iterator[tuple[str, Any]]:
    if annotation in (Any, object, inspect.Parameter.empty):
        yield "application/json", {}
    elif annotation in _RAW:
        media, schema = _RAW[annotation]
        yield media, {"schema": schema}
    else:
        yield "application/json", {"schema": schemas.ref(annotation, mode)}


def _success(returns: Any, status: int | None, schemas: _Schemas) -> dict[str, Any]:
    if returns is None or returns is type(None):
        code = status or 204
        return {str(code): {"description": _phrase(code)}}
    code = status or 200
    answer: dict[str, Any] = {"description": _phrase(code)}
    if returns is not inspect.Signature.empty and returns is not HTTPResponse:
        answer["content"] = dict(_content(returns, "serialization", schemas))
    return {str(code): answer}


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Response"
