"""``RESOURCES.md``: the checklist of ``az`` commands that deploy a built project.

In order: the shell variables; the accounts and namespaces the triggers live in
(:data:`ACCOUNTS`); what each trigger reads (``resources``); the function app,
its app settings (each connection string read with ``az``) and ``func azure
functionapp publish``; then the Event Grid subscriptions, which Event Grid only
creates once the function exists; and notes (host-wide settings the functions
disagree on, the polling blob trigger's plans).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import resources
from .deployment import Deployment
from .settings import app_settings, shared
from .subscriptions import Subscription, subscription

__all__ = ["ACCOUNTS", "resources_md", "wrap"]

_GROUP = '--resource-group "$RESOURCE_GROUP"'
_ID = f"{_GROUP} --query id --output tsv"
#: Where resources live: (shell variable, what it names, the commands creating it).
ACCOUNTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "storage": (
        "STORAGE_ACCOUNT", "storage account (the app's AzureWebJobsStorage)",
        (
            'az group create --name "$RESOURCE_GROUP" --location "$LOCATION"',
            f'az storage account create --name "$STORAGE_ACCOUNT" {_GROUP} --location "$LOCATION" '
            "--sku Standard_LRS",
        ),
    ),
    "service_bus": (
        "SERVICEBUS_NAMESPACE", "Service Bus namespace (Standard: topics need it)",
        (f'az servicebus namespace create --name "$SERVICEBUS_NAMESPACE" {_GROUP} '
         '--location "$LOCATION" --sku Standard',),
    ),
    "event_hubs": (
        "EVENTHUBS_NAMESPACE", "Event Hubs namespace (Standard: consumer groups)",
        (f'az eventhubs namespace create --name "$EVENTHUBS_NAMESPACE" {_GROUP} '
         '--location "$LOCATION" --sku Standard',),
    ),
    "cosmos_db": (
        "COSMOS_ACCOUNT", "Cosmos DB account (NoSQL API)",
        (f'az cosmosdb create --name "$COSMOS_ACCOUNT" {_GROUP}',),
    ),
}  # fmt: skip
#: The command printing each connection kind's connection string.
#: Example values of the variables, from the app's name.
EXAMPLES = {
    "group": "{app}-rg",
    "app": "{app}-functions",
    "setting": "{app}",
    "storage": "{compact}storage",
    "service_bus": "{app}-bus",
    "event_hubs": "{app}-hubs",
    "cosmos_db": "{app}-cosmos",
}
CONNECTION_STRINGS = {
    "storage_queue": 'az storage account show-connection-string --name "$STORAGE_ACCOUNT" '
    f"{_GROUP} --query connectionString --output tsv",
    "service_bus": f"az servicebus namespace authorization-rule keys list {_GROUP} "
    '--namespace-name "$SERVICEBUS_NAMESPACE" --name RootManageSharedAccessKey '
    "--query primaryConnectionString --output tsv",
    "event_hubs": f"az eventhubs namespace authorization-rule keys list {_GROUP} "
    '--namespace-name "$EVENTHUBS_NAMESPACE" --name RootManageSharedAccessKey '
    "--query primaryConnectionString --output tsv",
    "cosmos_db": "az cosmosdb keys list --type connection-strings "
    f'--name "$COSMOS_ACCOUNT" {_GROUP} '
    '--query "connectionStrings[0].connectionString" --output tsv',
}
CONNECTION_STRINGS["blob"] = CONNECTION_STRINGS["storage_queue"]


def resources_md(app_name: str, deployed: Sequence[Deployment], python: str) -> str:
    """The ``RESOURCES.md`` of a project deploying ``deployed``."""
    needs = _needs(deployed)
    accounts = [
        "storage",
        *(a for a in ACCOUNTS if a != "storage" and a in {n.account for n, _ in needs}),
    ]
    subscribed = [s for d in deployed if (s := subscription(d)) is not None]
    parts = [
        _intro(app_name),
        _variables(app_name, accounts, deployed, subscribed),
        _accounts(accounts),
        _reads(needs),
        _function_app(deployed, python),
        _subscriptions(subscribed),
        _notes(deployed),
    ]
    return "\n".join(part for part in parts if part)


def _intro(app_name: str) -> str:
    return (
        f"# Azure resources for {app_name}\n\n"
        "`portafunc build --provider azure` wrote this checklist. Set the variables, then\n"
        "run each step with the Azure CLI (`az`) and Azure Functions Core Tools (`func`),\n"
        "in order: Event Grid subscribes a function only once it is deployed.\n"
    )


def _sh(*commands: str) -> str:
    return "```sh\n" + "\n".join(map(wrap, commands)) + "\n```\n"


def wrap(command: str, width: int = 100) -> str:
    """``command`` with one option per line when it is longer than ``width``: breaks go
    before each ``--option`` outside quotes and ``$(...)``."""
    if len(command) <= width or "\n" in command:
        return command
    parts, start, depth, quote = [], 0, 0, ""
    for index, char in enumerate(command):
        if char == "(" or (char == ")" and depth):
            depth += 1 if char == "(" else -1
        elif depth:
            continue
        elif char in "'\"":
            quote = "" if quote == char else quote or char
        elif char == " " and not quote and command.startswith("--", index + 1):
            parts.append(command[start:index])
            start = index + 1
    return " \\\n  ".join([*parts, command[start:]])


def _variables(
    app_name: str,
    accounts: list[str],
    deployed: Sequence[Deployment],
    subscribed: list[Subscription],
) -> str:
    settings = app_settings(deployed).items()
    lines = [
        f"RESOURCE_GROUP={_example('group', app_name)}",
        "LOCATION=westeurope",
        f"FUNCTION_APP={_example('app', app_name)}  # globally unique",
        *(f"{ACCOUNTS[a][0]}={_example(a, app_name)}  # {ACCOUNTS[a][1]}" for a in accounts),
        *(f"{name}={_example('setting', app_name)}" for name, kind in settings if kind is None),
    ]
    if any(s.source == '"$EVENTGRID_SOURCE_ID"' for s in subscribed):
        lines.append("EVENTGRID_SOURCE_ID=  # resource id of the topic publishing the events")
    return "## 1. Variables\n\n" + _sh(*lines)


def _example(what: str, app_name: str) -> str:
    """An example value of :data:`EXAMPLES` ``what`` (storage accounts: 3 to 24 lower-case
    letters and digits)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", app_name.lower()).strip("-") or "app"
    compact = slug.replace("-", "")[:17] or "app"
    return EXAMPLES[what].format(app=slug, compact=compact)


def _accounts(accounts: list[str]) -> str:
    items = [f"- [ ] {ACCOUNTS[a][1]}\n\n{_sh(*ACCOUNTS[a][2])}" for a in accounts]
    return "## 2. Accounts and namespaces\n\n" + "\n".join(items)


def _needs(deployed: Sequence[Deployment]) -> list[tuple[resources.Need, list[str]]]:
    """Each resource once, with the functions needing it."""
    found: dict[str, tuple[resources.Need, list[str]]] = {}
    for d in deployed:
        for need in resources.needs(d):
            found.setdefault(need.command, (need, []))[1].append(d.function.name)
    return list(found.values())


def _reads(needs: list[tuple[resources.Need, list[str]]]) -> str:
    if not needs:
        return ""
    items = [
        f"- [ ] {need.what}: for {', '.join(users)}\n\n{_sh(need.command)}" for need, users in needs
    ]
    return "## 3. What the triggers read\n\n" + "\n".join(items)


def _function_app(deployed: Sequence[Deployment], python: str) -> str:
    create = (
        f'az functionapp create --name "$FUNCTION_APP" {_GROUP} '
        '--storage-account "$STORAGE_ACCOUNT" '
        f'--flexconsumption-location "$LOCATION" --runtime python --runtime-version {python}'
    )
    settings = [
        f'"{name}=$({CONNECTION_STRINGS[kind]})"' if kind else f'"{name}=${name}"'
        for name, kind in app_settings(deployed).items()
        if name != "AzureWebJobsStorage"
    ]
    commands = [create]
    if settings:
        commands.append(
            f'az functionapp config appsettings set --name "$FUNCTION_APP" {_GROUP} '
            + " \\\n  ".join(["--settings", *settings])
        )
    commands.append('func azure functionapp publish "$FUNCTION_APP"  # from this directory')
    return "## 4. The function app\n\n" + _sh(*commands)


def _subscriptions(subscribed: list[Subscription]) -> str:
    if not subscribed:
        return ""
    ids = [f'FUNCTION_APP_ID=$(az functionapp show --name "$FUNCTION_APP" {_ID})']
    if any(s.source == '"$STORAGE_ID"' for s in subscribed):
        ids.append(f'STORAGE_ID=$(az storage account show --name "$STORAGE_ACCOUNT" {_ID})')
    items = [f"- [ ] {_describe(s)}\n\n{_sh(s.command())}" for s in subscribed]
    return "## 5. Event Grid subscriptions\n\n" + _sh(*ids) + "\n" + "\n".join(items)


def _describe(s: Subscription) -> str:
    what = f"`{s.function}`"
    if s.topic:
        what += f": every event of topic {s.topic}"
    if s.event_types:
        what += f": {', '.join(s.event_types)}"
    if s.subject_begins or s.subject_ends:
        what += f", subjects {s.subject_begins or ''}…{s.subject_ends or ''}"
    return what


def _notes(deployed: Sequence[Deployment]) -> str:
    notes = [s.note for s in shared(deployed) if s.note]
    if any(d.key == ("storage", "blob") for d in deployed):
        notes.append(
            "The blob trigger (azure={'service': 'blob'}) polls the container, which Flex "
            "Consumption does not run: create the app on a Premium or Dedicated plan instead."
        )
    return "## Notes\n\n" + "".join(f"- {note}\n" for note in notes) if notes else ""
