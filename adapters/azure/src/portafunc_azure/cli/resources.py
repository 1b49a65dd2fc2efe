"""What each function needs that the user creates, and the ``az`` command for it:
queues, Service Bus topics and subscriptions, Event Hubs and consumer groups, Cosmos
DB database and containers, blob containers, Event Grid topics (Event Grid
subscriptions are ``subscriptions``).

Commands use shell variables (``$RESOURCE_GROUP``, ``$STORAGE_ACCOUNT``, …) that
``RESOURCES.md`` sets first (``portafunc_azure.cli.guide``); names are shell-quoted.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from .deployment import Deployment, shell_value

__all__ = ["Need", "needs"]

_GROUP = '--resource-group "$RESOURCE_GROUP"'
_SERVICE_BUS = f'{_GROUP} --namespace-name "$SERVICEBUS_NAMESPACE"'
_EVENT_HUBS = f'{_GROUP} --namespace-name "$EVENTHUBS_NAMESPACE"'
_COSMOS = f'--account-name "$COSMOS_ACCOUNT" {_GROUP}'
_STORAGE = '--account-name "$STORAGE_ACCOUNT" --auth-mode key'


@dataclass(frozen=True)
class Need:
    """A resource a function needs that the user creates: what, where, and how."""

    what: str
    #: Where it lives: "storage", "service_bus", "event_hubs", "cosmos_db", "event_grid".
    account: str
    command: str


def needs(d: Deployment) -> list[Need]:
    """What the user creates for ``d`` before deploying (Event Grid subscriptions aside)."""
    make = _NEEDS.get(d.key)
    return make(d) if make is not None else []


def _quoted(d: Deployment) -> str:
    return shlex.quote(d.function.trigger.resource)


def _in(d: Deployment, default: str) -> str:
    setting = d.connection
    return "" if setting in (None, default) else f" (in the account of app setting {setting})"


def _storage_queue(d: Deployment) -> list[Need]:
    command = f"az storage queue create --name {_quoted(d)} {_STORAGE}"
    what = f"Storage queue {d.function.trigger.resource}{_in(d, 'AzureWebJobsStorage')}"
    return [Need(what, "storage", command)]


def _attempts(d: Deployment) -> int:
    return d.function.settings.max_attempts or 10  # Service Bus' default MaxDeliveryCount


def _service_bus_queue(d: Deployment) -> list[Need]:
    command = (
        f"az servicebus queue create {_SERVICE_BUS} --name {_quoted(d)} "
        f"--max-delivery-count {_attempts(d)}"
    )
    return [Need(f"Service Bus queue {d.function.trigger.resource}", "service_bus", command)]


def _service_bus_topic(d: Deployment) -> list[Need]:
    topic = d.function.trigger.resource
    subscription = d.options.get("subscription", d.function.name)
    create = f"az servicebus topic create {_SERVICE_BUS} --name {_quoted(d)}"
    subscribe = (
        f"az servicebus topic subscription create {_SERVICE_BUS} --topic-name {_quoted(d)} "
        f"--name {shlex.quote(subscription)} --max-delivery-count {_attempts(d)}"
    )
    return [
        Need(f"Service Bus topic {topic}", "service_bus", create),
        Need(f"Service Bus subscription {subscription} of topic {topic}", "service_bus", subscribe),
    ]


def _event_hub(d: Deployment) -> list[Need]:
    hub = d.options.get("event_hub", d.function.trigger.resource)
    group = d.options.get("consumer_group", d.function.name)
    create = f"az eventhubs eventhub create {_EVENT_HUBS} --name {shlex.quote(hub)}"
    consumer = (
        f"az eventhubs eventhub consumer-group create {_EVENT_HUBS} "
        f"--eventhub-name {shlex.quote(hub)} --name {shlex.quote(group)}"
    )
    return [
        Need(f"Event Hub {hub}", "event_hubs", create),
        Need(f"Event Hubs consumer group {group} of {hub}", "event_hubs", consumer),
    ]


def _cosmos(d: Deployment) -> list[Need]:
    database, leases = shell_value(d.database), d.options.get("lease_container", "leases")
    in_database = f"az cosmosdb sql container create {_COSMOS} --database-name {database}"
    return [
        Need(
            f"Cosmos DB database {_database(d)}",
            "cosmos_db",
            f"az cosmosdb sql database create {_COSMOS} --name {database}",
        ),
        Need(
            f"Cosmos DB container {d.function.trigger.resource} (new? use your partition key)",
            "cosmos_db",
            f"{in_database} --name {_quoted(d)} --partition-key-path /id",
        ),
        Need(
            f"Cosmos DB lease container {leases}",
            "cosmos_db",
            f"{in_database} --name {shlex.quote(leases)} --partition-key-path /id",
        ),
    ]


def _database(d: Deployment) -> str:
    value = shell_value(d.database)
    return f"named by app setting {value[2:-1]}" if value.startswith('"$') else value


def _container(d: Deployment) -> list[Need]:
    command = f"az storage container create --name {_quoted(d)} {_STORAGE}"
    return [Need(f"Blob container {d.function.trigger.resource}", "storage", command)]


def _grid_topic(d: Deployment) -> list[Need]:
    command = f'az eventgrid topic create --name {_quoted(d)} {_GROUP} --location "$LOCATION"'
    return [Need(f"Event Grid topic {d.function.trigger.resource}", "event_grid", command)]


_NEEDS: dict[tuple[str, str], Callable[[Deployment], list[Need]]] = {
    ("queue", "storage_queue"): _storage_queue,
    ("queue", "service_bus"): _service_bus_queue,
    ("topic", "service_bus"): _service_bus_topic,
    ("topic", "event_grid"): _grid_topic,
    ("storage", "event_grid"): _container,
    ("storage", "blob"): _container,
    ("stream", "stream"): _event_hub,
    ("changes", "changes"): _cosmos,
}
