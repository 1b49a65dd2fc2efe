"""``function_app(app)``: one Azure function per portafunc function, in one FunctionApp.

Each trigger module registers its functions with the FunctionApp's own decorators
and a thin generated wrapper. Rules the Azure worker enforces (DESIGN §6): a
wrapper's parameters are exactly its bindings' ``arg_name``s plus ``context``; it is
never ``functools.wraps``-ed onto the user's function; ``cardinality="many"`` takes
``typing.List[...]``; ``get_functions()`` is never called here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import azure.functions as func

from .options import AzureOptions, service_of, validate
from .triggers import blob, cosmos, event_grid, event_hubs, http, queue, service_bus, timer

if TYPE_CHECKING:
    from portafunc.app import App, Function

__all__ = ["function_app"]

Registrar = Callable[["func.FunctionApp", "App", "Function", AzureOptions], None]

#: (trigger kind, Azure service) → the module function registering it.
REGISTRARS: dict[tuple[str, str], Registrar] = {
    ("http", "http"): http.register,
    ("queue", "storage_queue"): queue.register,
    ("queue", "service_bus"): service_bus.register_queue,
    ("topic", "service_bus"): service_bus.register_topic,
    ("topic", "event_grid"): event_grid.register_topic,
    ("event", "event"): event_grid.register_event,
    ("storage", "event_grid"): event_grid.register_storage,
    ("storage", "blob"): blob.register,
    ("schedule", "schedule"): timer.register,
    ("changes", "changes"): cosmos.register,
    ("stream", "stream"): event_hubs.register,
}


def function_app(app: App) -> func.FunctionApp:
    """An ``azure.functions.FunctionApp`` serving every function of ``app``.

    Raises DeclarationError for unknown ``azure=`` options and UnsupportedSchedule for
    a cron expression NCRONTAB cannot express, here, at import time.
    """
    function_app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    for function in app.functions.values():
        options = validate(function)
        REGISTRARS[(function.trigger.kind, service_of(function, options))](
            function_app, app, function, options
        )
    if any(f.trigger.kind == "http" for f in app.functions.values()):
        http.register_catch_all(function_app, app)
    return function_app
