"""HTTP routing: static paths in a dict, templates in a segment tree.

Precedence is the same everywhere: a static segment beats a parameter, and a
parameter beats a greedy final ``{name:path}``. A path that matches a route but
not its method is a 405 listing the methods that would match. A GET route also
answers HEAD (the server or provider drops the body) unless the path declares HEAD."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Generic, TypeVar

from ._value import Value
from .errors import DeclarationError, HTTPError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Router", "Template", "parse_template"]

T = TypeVar("T")
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")


class Template(Value):
    """A parsed path template: its segments and ``(name, greedy)`` parameters."""

    __slots__ = ("params", "path", "segments")
    path: str
    segments: tuple[str | None, ...]  # None marks a parameter segment
    params: tuple[tuple[str, bool], ...]

    def __init__(
        self, path: str, segments: tuple[str | None, ...], params: tuple[tuple[str, bool], ...]
    ) -> None:
        self._init(path=path, segments=segments, params=params)

    @property
    def is_static(self) -> bool:
        return not self.params

    @property
    def greedy(self) -> bool:
        return bool(self.params) and self.params[-1][1]

    @property
    def shape(self) -> str:
        """The template with parameter names erased: two routes of one shape collide.

        Parameters become ``{}`` and a greedy one ``{**}``, which no literal segment can spell.
        """
        parts = ["{}" if s is None else s for s in self.segments]
        if self.greedy:
            parts[-1] = "{**}"
        return "/" + "/".join(parts)


def parse_template(path: str) -> Template:
    """Parse ``/orders/{id}`` or ``/files/{path:path}``; raise DeclarationError if malformed."""
    if not path.startswith("/"):
        raise DeclarationError(f"path {path!r} must start with '/'")
    if "?" in path or "#" in path:
        raise DeclarationError(f"path {path!r} must not contain a query or fragment")
    raw_segments = path[1:].split("/") if path != "/" else []
    segments: list[str | None] = []
    params: list[tuple[str, bool]] = []
    for index, segment in enumerate(raw_segments):
        match = _PARAM.fullmatch(segment)
        if match is None:
            if "{" in segment or "}" in segment:
                raise DeclarationError(
                    f"path {path!r}: segment {segment!r} must be literal or one whole "
                    "'{name}' parameter"
                )
            segments.append(segment)
            continue
        name, greedy = match.group(1), bool(match.group(2))
        if greedy and index != len(raw_segments) - 1:
            raise DeclarationError(f"path {path!r}: '{{{name}:path}}' must be the last segment")
        if any(name == seen for seen, _ in params):
            raise DeclarationError(f"path {path!r}: parameter {name!r} appears twice")
        segments.append(None)
        params.append((name, greedy))
    return Template(path, tuple(segments), tuple(params))


class _Route(Generic[T]):
    __slots__ = ("names", "target")

    def __init__(self, target: T, names: tuple[str, ...]) -> None:
        self.target = target
        self.names = names


class _Node(Generic[T]):
    """One segment position: static children, a parameter child, and route tables."""

    __slots__ = ("greedy", "methods", "param", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node[T]] = {}
        self.param: _Node[T] | None = None
        self.greedy: dict[str, _Route[T]] = {}
        self.methods: dict[str, _Route[T]] = {}


class Router(Generic[T]):
    """Maps (method, path) to a target (a portafunc function) and its path parameters."""

    def __init__(self) -> None:
        self._static: dict[str, dict[str, _Route[T]]] = {}
        self._root: _Node[T] = _Node()
        self._owners: dict[tuple[str, str], str] = {}

    def add(self, methods: tuple[str, ...], template: Template, target: T, owner: str) -> None:
        """Add a route; ``owner`` names it in the error if it collides with another.

        A colliding route is rejected whole: none of its methods is added.
        """
        for method in methods:
            other = self._owners.get((method, template.shape))
            if other is not None:
                raise DeclarationError(
                    f"{method} {template.path} collides with {other}, which serves the same path"
                )
        for method in methods:
            self._owners[(method, template.shape)] = owner
        route = _Route(target, tuple(name for name, _ in template.params))
        table = self._static.setdefault(template.path, {}) if template.is_static else None
        if table is None:
            table = self._leaf(template)
        for method in methods:
            table[method] = route
        if "GET" in methods:
            table.setdefault("HEAD", route)  # HEAD is GET without the body, unless declared

    def _leaf(self, template: Template) -> dict[str, _Route[T]]:
        node = self._root
        segments = template.segments[:-1] if template.greedy else template.segments
        for segment in segments:
            if segment is None:
                node.param = node.param or _Node()
                node = node.param
            else:
                node = node.static.setdefault(segment, _Node())
        return node.greedy if template.greedy else node.methods

    def match(self, method: str, path: str) -> tuple[T, dict[str, str]]:
        """The target for ``method`` and ``path``; HTTPError 404 or 405 (with ``Allow``)."""
        static = self._static.get(path)
        if static is not None:
            route = static.get(method)
            if route is not None:
                return route.target, {}
        parts = path[1:].split("/") if path.startswith("/") and path != "/" else []
        found = self._direct(method, parts)
        if found is not None:
            return found
        allowed: set[str] = set(static or ())
        for methods, values in _walk(self._root, parts, 0, ()):
            route = methods.get(method)
            if route is not None:
                return route.target, dict(zip(route.names, values, strict=False))
            allowed.update(methods)
        if allowed:
            raise HTTPError(405, headers={"allow": ", ".join(sorted(allowed))})
        raise HTTPError(404, f"no route for {path}")

    def _direct(self, method: str, parts: list[str]) -> tuple[T, dict[str, str]] | None:
        """The common case without backtracking: follow the static child, else the
        parameter, and succeed if the last node serves ``method``.

        This is the first path :func:`_walk` tries, so it finds what ``_walk`` would
        find first; anything else (a dead end, a greedy parameter) returns None.
        """
        node = self._root
        values: list[str] = []
        for segment in parts:
            child = node.static.get(segment)
            if child is None:
                child = node.param
                if child is None or not segment:
                    return None
                values.append(segment)
            node = child
        route = node.methods.get(method)
        if route is None:
            return None
        # One value per name by construction; passing zip a keyword (strict=) slows it down.
        return route.target, dict(zip(route.names, values))  # noqa: B905


def _walk(
    node: _Node[T], parts: list[str], index: int, values: tuple[str, ...]
) -> Iterator[tuple[dict[str, _Route[T]], tuple[str, ...]]]:
    """Every route table whose template matches ``parts``, in precedence order."""
    if index == len(parts):
        if node.methods:
            yield node.methods, values
        return
    segment = parts[index]
    child = node.static.get(segment)
    if child is not None:
        yield from _walk(child, parts, index + 1, values)
    if node.param is not None and segment:
        yield from _walk(node.param, parts, index + 1, (*values, segment))
    if node.greedy:
        rest = "/".join(parts[index:])
        if rest:
            yield node.greedy, (*values, rest)
