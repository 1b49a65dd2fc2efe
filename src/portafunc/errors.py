"""Every error portafunc raises.

The tree::

    PortafuncError
     ├── DeclarationError        a decorator was given something it cannot deploy
     │    └── UnsupportedSchedule  a cron string no provider (or not this provider) can run
     ├── HTTPError               an HTTP error status, raised by portafunc or by a handler
     ├── InvalidPayload          a payload that fails decoding or validation
     ├── BatchFailure            a batch function's items that failed, by message id
     ├── UnsupportedEvent        an adapter does not recognise a provider payload
     └── NoSuchFunction          a payload that cannot be routed to any function
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "BatchFailure",
    "DeclarationError",
    "HTTPError",
    "InvalidPayload",
    "NoSuchFunction",
    "PortafuncError",
    "UnsupportedEvent",
    "UnsupportedSchedule",
    "reason_phrase",
]


class PortafuncError(Exception):
    """The root of every error portafunc raises."""


class DeclarationError(PortafuncError):
    """A declaration portafunc cannot bind or deploy, raised at import time."""

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        super().__init__(reason, where)
        self.reason = reason
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


class UnsupportedSchedule(DeclarationError):
    """A cron expression that is malformed, or that ``provider`` cannot express."""

    def __init__(
        self, cron: str, reason: str, *, provider: str | None = None, where: str | None = None
    ) -> None:
        super().__init__(reason, where=where)
        self.cron = cron
        self.provider = provider

    def __str__(self) -> str:
        on = f" on {self.provider}" if self.provider else ""
        text = f"schedule {self.cron!r} cannot run{on}: {self.reason}"
        return f"{self.where}: {text}" if self.where else text


# Python 3.13 renamed these to their RFC 9110 names; older versions use RFC 7231's.
_RFC9110_PHRASES = {
    413: "Content Too Large",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def reason_phrase(status: int) -> str | None:
    """The RFC 9110 reason phrase of ``status``, or None for a status it does not name."""
    if status in _RFC9110_PHRASES:
        return _RFC9110_PHRASES[status]
    from http import HTTPStatus  # not at import: only error responses need it (cold start)

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


class HTTPError(PortafuncError):
    """An HTTP error response; rendered as RFC 9457 problem JSON."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})

    @property
    def title(self) -> str:
        """The status's RFC 9110 reason phrase (the same on every Python version)."""
        return reason_phrase(self.status) or "Error"

    def __str__(self) -> str:
        return f"{self.status} {self.title}" + (f": {self.detail}" if self.detail else "")


class InvalidPayload(PortafuncError):
    """A payload that is not well-formed (``malformed``) or fails validation."""

    def __init__(
        self,
        reason: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        malformed: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors: list[dict[str, Any]] = [dict(error) for error in errors]
        self.malformed = malformed

    def __str__(self) -> str:
        return self.reason


class UnsupportedEvent(PortafuncError):
    """An adapter was handed a payload it does not recognise."""

    def __init__(self, provider: str, saw: str) -> None:
        super().__init__(provider, saw)
        self.provider = provider
        self.saw = saw

    def __str__(self) -> str:
        return f"portafunc-{self.provider} does not recognise this payload: {self.saw}"


class NoSuchFunction(PortafuncError):
    """A recognised payload that no function of the app is declared for."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what

    def __str__(self) -> str:
        return f"no function is declared for {self.what}"


class BatchFailure(PortafuncError):
    """Raised by a batch function (``list[Message[T]]``) to report the messages, by id,
    that failed; the others succeeded. The adapter reports them for redelivery."""

    def __init__(self, ids: Iterable[str], reason: str = "") -> None:
        self.ids = tuple(ids)
        self.reason = reason
        super().__init__(self.ids, reason)

    def __str__(self) -> str:
        shown = ", ".join(self.ids) or "none"
        return f"failed messages: {shown}" + (f" ({self.reason})" if self.reason else "")
