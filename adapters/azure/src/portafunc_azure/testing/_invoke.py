"""Call an Azure function of a FunctionApp the way the worker does.

The worker (azure_functions_runtime ``handle_event.invocation_request``) passes each
binding's value as a keyword named after the binding and, when the function has a
``context`` parameter, the invocation context; it awaits ``async def`` functions on
its one event loop and runs the others as they are; and it fails an invocation whose
function returns a value without a ``$return`` binding. What it passes depends on the
parameter's annotation: ``str`` or ``bytes`` get the data as the host sent it (its
generic binding: an Event Grid event's JSON, a queue message's text), anything else
the binding's converter's object. :func:`invoke` does the same.
FunctionApp's ``get_functions()`` builds and validates every function again on each
call (a second call fails), so functions are found in its builders instead.
"""

from __future__ import annotations

import inspect
import typing
from typing import TYPE_CHECKING, Any

import azure.functions as func

from portafunc import _aio
from portafunc.errors import NoSuchFunction, PortafuncError

from ._common import sent
from ._context import AzureContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from azure.functions.decorators.function_app import Function

__all__ = ["azure_function", "invoke", "invoke_async"]

#: What the worker passes for each trigger binding type (its converter's output).
PASSES: dict[str, tuple[type, ...]] = {
    "httpTrigger": (func.HttpRequest,),
    "queueTrigger": (func.QueueMessage,),
    "serviceBusTrigger": (func.ServiceBusMessage,),
    # azure-functions releases before CloudEvents support have no CloudEvent class.
    "eventGridTrigger": (func.EventGridEvent, *filter(None, [getattr(func, "CloudEvent", None)])),
    "blobTrigger": (func.InputStream,),
    "timerTrigger": (func.TimerRequest,),
    "cosmosDBTrigger": (func.DocumentList,),
    "eventHubTrigger": (list, func.EventHubEvent),
}


def azure_function(function_app: func.FunctionApp, name: str) -> Function:
    """The Azure function named ``name`` (its ``get_function_json()``, its trigger, its
    user function), found without ``get_functions()``; NoSuchFunction if there is none."""
    builders = function_app._function_builders
    for builder in builders:
        if builder._function.get_function_name() == name:
            return builder._function
    known = ", ".join(b._function.get_function_name() or "?" for b in builders)
    raise NoSuchFunction(f"Azure function {name!r} (the FunctionApp has: {known or 'none'})")


def _prepare(
    function_app: func.FunctionApp, name: str, obj: Any, context: Any
) -> tuple[Function, Callable[..., Any], dict[str, Any]]:
    function = azure_function(function_app, name)
    trigger = function.get_trigger()
    if trigger is None:  # FunctionApp's decorators never leave a function without one
        raise PortafuncError(f"Azure function {name!r} has no trigger")
    wrapper = function.get_user_function()
    if typing.get_type_hints(wrapper).get(trigger.name) in (str, bytes):
        obj = _as_sent(name, obj)
    else:
        expected = PASSES.get(trigger.type or "")
        if expected is not None and not isinstance(obj, expected):
            names = " or ".join(cls.__name__ for cls in expected)
            raise PortafuncError(
                f"Azure function {name!r} has a {trigger.type} binding: the worker passes "
                f"it a {names}, not {type(obj).__name__}"
            )
    args = {trigger.name: obj}
    if "context" in inspect.signature(wrapper).parameters:
        args["context"] = context if context is not None else AzureContext(name)
    return function, wrapper, args


def _as_sent(name: str, obj: Any) -> Any:
    """What the worker's generic binding passes: the data as the host sent it."""
    if isinstance(obj, (str, bytes)):
        return obj
    datum = sent(obj)
    if datum is None or datum.type not in ("string", "bytes", "json"):
        raise PortafuncError(
            f"Azure function {name!r} takes the trigger's data as the host sends it: pass "
            f"a str or bytes, or an object made by a portafunc_azure.testing builder"
        )
    return datum.value


def _checked(function: Function, result: Any) -> Any:
    if result is not None and not any(b.name == "$return" for b in function.get_bindings()):
        # What the worker does with such a result.
        raise RuntimeError(
            f"function {function.get_function_name()!r} without a $return binding "
            f"returned a non-None value"
        )
    return result


def invoke(function_app: func.FunctionApp, name: str, obj: Any, *, context: Any = None) -> Any:
    """Invoke Azure function ``name`` of ``function_app`` with the trigger's object
    ``obj`` (built with this module's builders), as the worker would, and return what
    it returns (a ``func.HttpResponse`` for HTTP functions, None for the others).

    ``context`` defaults to a fresh :class:`AzureContext` for ``name``. An
    ``async def`` function runs on portafunc's process event loop, which lives across
    invocations as the worker's loop does (this works from inside a running loop too;
    there, :func:`invoke_async` runs it on the caller's loop).
    """
    function, wrapper, args = _prepare(function_app, name, obj, context)
    if inspect.iscoroutinefunction(wrapper):
        return _checked(function, _aio.run(wrapper(**args)))
    return _checked(function, wrapper(**args))


async def invoke_async(
    function_app: func.FunctionApp, name: str, obj: Any, *, context: Any = None
) -> Any:
    """:func:`invoke` for tests already on an event loop: an ``async def`` function is
    awaited on the caller's loop."""
    function, wrapper, args = _prepare(function_app, name, obj, context)
    if inspect.iscoroutinefunction(wrapper):
        return _checked(function, await wrapper(**args))
    return _checked(function, wrapper(**args))
