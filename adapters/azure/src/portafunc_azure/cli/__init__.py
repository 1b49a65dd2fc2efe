"""What the ``portafunc`` CLI does with an app on Azure (``portafunc_azure._provider``).

- ``deployment``: each function's Azure service, options and connection setting;
- ``resources``: what each function needs that the user creates (queues, hubs, …);
- ``subscriptions``: the Event Grid subscription of each Event Grid function;
- ``check``: what Azure cannot express or does differently (``portafunc check``);
- ``payloads``: provider payloads given as JSON made into what the worker passes;
- ``emulate``: ``portafunc invoke`` and ``serve --provider azure`` (HTTP);
- ``events``: ``serve --provider azure``'s raw payloads (Event Grid events);
- ``settings``: ``host.json`` and ``local.settings.json``;
- ``guide``: ``RESOURCES.md``, the ``az`` commands of what the triggers need;
- ``build``: the project ``portafunc build --provider azure`` writes.

Nothing here runs in a deployed function.
"""
