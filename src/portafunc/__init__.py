"""portafunc: write a serverless function once, run it on AWS, Azure and Google Cloud."""

from .app import App
from .context import Context
from .errors import (
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
