"""Markers for HTTP parameters read from the query string, headers or cookies.

Use them with ``Annotated``::

    def search(q: Annotated[str, Query()], page: Annotated[int, Query()] = 1): ...
"""

from __future__ import annotations

__all__ = ["Cookie", "Header", "Param", "Query"]


class Param:
    """Where an HTTP handler parameter comes from; ``alias`` overrides its name."""

    __slots__ = ("alias",)
    source = "param"

    def __init__(self, alias: str | None = None) -> None:
        self.alias = alias

    def name_for(self, parameter: str) -> str:
        return self.alias or parameter

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.alias!r})" if self.alias else f"{type(self).__name__}()"
        )


class Query(Param):
    """A query-string parameter (``list[T]`` collects every repeated value)."""

    __slots__ = ()
    source = "query"


class Header(Param):
    """A request header; by default the parameter name with ``_`` read as ``-``."""

    __slots__ = ()
    source = "header"

    def name_for(self, parameter: str) -> str:
        return self.alias or parameter.replace("_", "-")


class Cookie(Param):
    """A request cookie."""

    __slots__ = ()
    source = "cookie"
