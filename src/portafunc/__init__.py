"""portafunc: write a serverless function once, run it on AWS, Azure and Google Cloud."""

from .app import App
from .batch import BatchResult
from .context import Context
from .errors import (
    BatchFailure,
    DeclarationError,
    HTTPError,
    InvalidPayload,
    NoSuchFunction,
    PortafuncError,
    UnsupportedEvent,
    UnsupportedSchedule,
)
from .events import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from .http import HTTPRequest, HTTPResponse
from .params import Cookie, Header, Query

__all__ = [
    "App",
    "BatchFailure",
    "BatchResult",
    "ChangeEvent",
    "Context",
    "Cookie",
    "DeclarationError",
    "Event",
    "HTTPError",
    "HTTPRequest",
    "HTTPResponse",
    "Header",
    "InvalidPayload",
    "Message",
    "NoSuchFunction",
    "PortafuncError",
    "Query",
    "ScheduleEvent",
    "StorageEvent",
    "UnsupportedEvent",
    "UnsupportedSchedule",
]

__version__ = "0.1.0"
