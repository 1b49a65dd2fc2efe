"""Azure surfaces every failure for redelivery (DESIGN §3).

Storage Queue and Service Bus deliver one message per invocation: a failure raises
out of the function, so the host retries it and then moves it to the poison queue or
dead-letter queue. Event Hubs and Cosmos DB deliver ordered batches whose checkpoint
the host advances even on failure: the function stops at the first failure and
raises, and it carries a retry policy (``max_retry_count`` = ``max_attempts`` - 1).
"""

from collections.abc import Callable
from types import SimpleNamespace

import azure.functions as func
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from portafunc import App, BatchFailure, BatchResult, ChangeEvent, InvalidPayload, Message
from portafunc_azure import function_app
from portafunc_azure.testing import (
    azure_function,
    cosmos_documents,
    event_hub_events,
    invoke,
    queue_message,
    service_bus_message,
)

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Item(BaseModel):
    n: int
    qty: int = Field(gt=0)  # the fixture's kit.item(n, "invalid") gives qty 0


def shop(kit: SimpleNamespace, record: Callable[[int], None]) -> func.FunctionApp:
    app = App("shop")

    @app.queue("orders")
    def storage_queue(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.queue("payments", azure={"service": "service_bus"})
    def service_bus(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.stream("events", max_attempts=4)
    def event_hub(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.changes("orders", max_attempts=4)
    def cosmos(change: ChangeEvent[Item]) -> None:
        assert change.new is not None
        record(change.new.n)

    return function_app(app)


def outcome(call: Callable[[], object]) -> type[BaseException] | None:
    try:
        call()
    except Exception as exc:  # the property is about which one
        return type(exc)
    return None


@PROPERTY
@given(fate=st.sampled_from(["ok", "raises", "invalid"]), bus=st.booleans())
def test_a_failed_message_raises_for_the_host_to_retry(
    kit: SimpleNamespace, fate: str, bus: bool
) -> None:
    recorder = kit.Recorder([fate])
    functions = shop(kit, recorder)
    data = kit.item(0, fate)
    message = service_bus_message(data) if bus else queue_message(data)
    raised = outcome(lambda: invoke(functions, "service_bus" if bus else "storage_queue", message))
    assert raised is {"ok": None, "raises": RuntimeError, "invalid": InvalidPayload}[fate]
    assert recorder.seen == ([] if fate == "invalid" else [0])


@PROPERTY
@given(data=st.data(), cosmos=st.booleans())
def test_an_ordered_batch_stops_at_its_first_failure_and_raises(
    kit: SimpleNamespace, data: st.DataObject, cosmos: bool
) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid"))
    recorder = kit.Recorder(batch)
    functions = shop(kit, recorder)
    items = [kit.item(n, fate) for n, fate in enumerate(batch)]
    if cosmos:
        documents = [{"id": str(item["n"]), **item} for item in items]
        raised = outcome(lambda: invoke(functions, "cosmos", cosmos_documents(documents)))
    else:
        raised = outcome(lambda: invoke(functions, "event_hub", event_hub_events(items)))
    reported, invoked = kit.ordered(batch)
    assert (raised is not None) == bool(reported)
    assert recorder.seen == invoked


@pytest.mark.parametrize("name", ["event_hub", "cosmos"])
def test_ordered_sources_carry_a_retry_policy(kit: SimpleNamespace, name: str) -> None:
    function = azure_function(shop(kit, kit.Recorder()), name)
    retry = function.get_settings_dict("retry_policy")
    assert retry is not None
    assert (retry["strategy"], retry["max_retry_count"]) == ("exponential_backoff", "3")


@pytest.mark.parametrize("name", ["storage_queue", "service_bus"])
def test_queues_rely_on_the_hosts_own_redelivery(kit: SimpleNamespace, name: str) -> None:
    function = azure_function(shop(kit, kit.Recorder()), name)
    assert function.get_settings_dict("retry_policy") is None


@PROPERTY
@given(data=st.data(), asynchronous=st.booleans())
def test_an_event_hubs_batch_function_gets_one_call_and_raises_its_failures(
    kit: SimpleNamespace, data: st.DataObject, asynchronous: bool
) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid"))
    calls: list[list[int]] = []
    app = App("shop")

    def report(given: list[Message[Item]]) -> BatchResult:
        calls.append([msg.data.n for msg in given])
        return BatchResult(failed=[msg.id for msg in given if batch[msg.data.n] == "raises"])

    async def readings_async(given: list[Message[Item]]) -> BatchResult:
        return report(given)

    def readings(given: list[Message[Item]]) -> BatchResult:
        return report(given)

    app.stream("events", name="readings")(readings_async if asynchronous else readings)

    items = [kit.item(n, fate) for n, fate in enumerate(batch)]
    raised = outcome(lambda: invoke(function_app(app), "readings", event_hub_events(items)))
    stop = next((n for n, fate in enumerate(batch) if fate == "invalid"), len(batch))
    assert calls == ([list(range(stop))] if stop else [])
    assert (raised is BatchFailure) == any(fate != "ok" for fate in batch)
    assert raised in (None, BatchFailure)
