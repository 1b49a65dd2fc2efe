"""``azure={...}``: the typed per-function options of the Azure adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from typing_extensions import TypedDict

from portafunc.errors import DeclarationError
from portafunc.options import checked

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["DEFAULT_CONNECTIONS", "SERVICES", "AzureOptions", "service_of", "validate"]


class AzureOptions(TypedDict, total=False):
    """Options read from ``azure=`` on any decorator (all optional).

    ``service``: which Azure service carries the trigger when there is a choice:
    ``queue``: "storage_queue" (default) or "service_bus"; ``topic``: "service_bus"
    (default) or "event_grid"; ``storage``: "event_grid" (default) or "blob".
    ``connection``: the app setting holding the connection string (defaults in
    :data:`DEFAULT_CONNECTIONS`). ``auth_level``: HTTP functions' key requirement.
    ``subscription``: the Service Bus topic subscription (default: the function name).
    ``consumer_group``: the Event Hubs consumer group (default: the function name).
    ``database`` / ``lease_container``: the Cosmos DB database (default
    ``%PORTAFUNC_COSMOS_DATABASE%``) and lease container (default ``leases``).
    ``event_hub``: the Event Hub name when it differs from the declared stream.
    """

    service: Literal["storage_queue", "service_bus", "event_grid", "blob"]
    connection: str
    auth_level: Literal["anonymous", "function", "admin"]
    subscription: str
    consumer_group: str
    database: str
    lease_container: str
    event_hub: str


#: The app setting each binding reads its connection from, unless ``connection`` says.
DEFAULT_CONNECTIONS = {
    "storage_queue": "AzureWebJobsStorage",
    "blob": "AzureWebJobsStorage",
    "service_bus": "ServiceBusConnection",
    "event_hubs": "EventHubConnection",
    "cosmos_db": "CosmosDBConnection",
}

#: The services each trigger kind may use; the first is the default.
SERVICES: dict[str, tuple[str, ...]] = {
    "queue": ("storage_queue", "service_bus"),
    "topic": ("service_bus", "event_grid"),
    "storage": ("event_grid", "blob"),
}


def validate(function: Function) -> AzureOptions:
    """The function's ``azure=`` options, checked; DeclarationError for anything unknown."""
    given = checked(function, "azure", AzureOptions)
    service = given.get("service")
    choices = SERVICES.get(function.trigger.kind, ())
    if service is not None and service not in choices:
        raise DeclarationError(
            f"azure={{'service': {service!r}}} is not available for {function.trigger.kind} "
            f"functions (choose from {', '.join(choices) or 'nothing'})",
            where=function.where,
        )
    return cast("AzureOptions", dict(given))


def service_of(function: Function, options: AzureOptions) -> str:
    """The Azure service carrying ``function``'s trigger."""
    default = SERVICES.get(function.trigger.kind, (function.trigger.kind,))[0]
    return options.get("service", default)
