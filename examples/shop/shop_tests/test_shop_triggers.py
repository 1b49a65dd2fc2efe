"""The shop's storage, schedule and changes functions and its startup hook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

import pytest

from portafunc import ChangeEvent, InvalidPayload, PortafuncError, ScheduleEvent, StorageEvent
from portafunc.testing import TestClient

OrderFactory = Callable[..., dict[str, Any]]
UTC = timezone.utc


def test_every_trigger_kind_is_used(shop: ModuleType) -> None:
    kinds = {function.trigger.kind for function in shop.app.functions.values()}
    assert kinds == {
        "http", "queue", "topic", "stream", "event", "storage", "schedule", "changes",
    }  # fmt: skip


def test_startup_seeds_the_catalog_once(client: TestClient, shop: ModuleType) -> None:
    assert len(shop.prices) == 0
    client.get("/health")
    assert shop.prices.get("TEE-M") == 2500
    shop.prices.put("TEE-M", 1)
    client.get("/health")
    assert shop.prices.get("TEE-M") == 1


# -- storage: price_list -----------------------------------------------------------------


def _upload(key: str, action: Any = "created", size: int | None = 120) -> StorageEvent:
    return StorageEvent(bucket="uploads", key=key, action=action, size=size)


def test_price_list_created_and_deleted(client: TestClient, shop: ModuleType) -> None:
    assert client.trigger("price_list", _upload("2024/prices.csv")).ok
    assert shop.uploads.get("2024/prices.csv") == 120
    assert client.trigger("price_list", _upload("2024/prices.csv", "deleted", None)).ok
    assert "2024/prices.csv" not in shop.uploads


@pytest.mark.parametrize(
    "event",
    [
        _upload("prices.xlsx"),
        _upload("prices.csv", "archived"),
        _upload("prices.csv", "metadata_updated"),
    ],
    ids=["other-suffix", "archived", "metadata-updated"],
)
def test_price_list_skips_what_it_did_not_declare(
    client: TestClient, shop: ModuleType, event: StorageEvent
) -> None:
    outcome = client.trigger("price_list", event)
    assert outcome.ok
    assert len(shop.uploads) == 0


def test_storage_functions_take_a_storage_event(client: TestClient) -> None:
    with pytest.raises(PortafuncError, match="takes a StorageEvent"):
        client.trigger("price_list", {"key": "prices.csv"})
    with pytest.raises(PortafuncError, match="use trigger"):
        client.send("price_list", {"key": "prices.csv"})


# -- schedule: sweep ---------------------------------------------------------------------


def test_sweep(
    client: TestClient,
    shop: ModuleType,
    make_order: OrderFactory,
    shop_logs: pytest.LogCaptureFixture,
) -> None:
    client.post("/tenants/acme/orders", json=make_order(1))
    client.post("/tenants/acme/orders", json=make_order(2))
    client.send("payment_received", {"tenant": "acme", "order_id": 1, "amount_cents": 2400})
    tick = datetime(2024, 5, 1, 12, 5, tzinfo=UTC)
    outcome = client.trigger("sweep", ScheduleEvent(schedule="sweep", time=tick))
    assert outcome.result == 1
    assert list(shop.sweeps) == [tick]
    assert "1 unpaid order(s)" in shop_logs.messages


def test_sweep_schedule(shop: ModuleType) -> None:
    trigger = shop.app.function("sweep").trigger
    assert trigger.cron.unix() == "*/5 * * * *"
    assert trigger.cron.aws() == "cron(0/5 * * * ? *)"
    assert trigger.cron.ncrontab() == "0 */5 * * * *"


# -- changes: audit ----------------------------------------------------------------------


def test_audit(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    before, after = make_order(qty=1), make_order(qty=3)
    key = {"tenant": "acme", "id": 42}
    changes: list[ChangeEvent[Any]] = [
        ChangeEvent(table="orders", kind="insert", key=key, new=before),
        ChangeEvent(table="orders", kind="update", key=key, old=before, new=after),
        ChangeEvent(table="orders", kind="delete", key=key, old=after),
    ]
    for change in changes:
        assert client.trigger("audit", change).ok
    assert [(e.kind, e.total_before, e.total_after) for e in shop.audit_log] == [
        ("insert", None, 1200),
        ("update", 1200, 3600),
        ("delete", 3600, None),
    ]
    assert shop.audit_log[0].key == key


def test_audit_rejects_an_invalid_image(client: TestClient, shop: ModuleType) -> None:
    change = ChangeEvent[Any](table="orders", kind="upsert", key={"id": "42"}, new={"id": 42})
    outcome = client.trigger("audit", change, raise_errors=False)
    assert isinstance(outcome.error, InvalidPayload)
    assert len(shop.audit_log) == 0
