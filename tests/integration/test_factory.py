"""The Celery factory with real worker processes on Redis and RabbitMQ (and the test database):
orders of all three modes to completed, rework and scrap-and-remake, batch release by size and by
window, two competing workers, and every order's timeline in the order of the state machine."""

from __future__ import annotations

from itertools import pairwise

import pytest

from manufacturing.models import Batch, BatchPolicy, Job, QualityCheckpoint, RouteStage, WorkItem
from orders.models import Order, OutboxMessage
from orders.states import can_transition
from tests.integration.conftest import (
    celery_broker,
    wait_for,
)
from tests.orders.conftest import place

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STANDARD: dict = {"frame": "alu"}
BATCH_GREEN = {"frame": "steel", "colour": "racing_green"}
CUSTOM = {"colour": "custom_paint"}


def place_orders(client, broker_url: str, *selections: dict, quantity: int = 1) -> list[str]:
    with celery_broker(broker_url):
        responses = [place(client, selections=chosen, quantity=quantity) for chosen in selections]
        assert all(response.status_code == 201 for response in responses), [r.json() for r in responses]
        order_ids = [response.json()["id"] for response in responses]
        # The relay publishes from a thread of its own: to this broker, while it is the app's.
        wait_for(
            lambda: not OutboxMessage.objects.filter(order__in=order_ids, sent_at__isnull=True).exists(),
            what="the relay to send",
        )
    return order_ids


def all_in(order_ids: list[str], status: str) -> bool:
    return Order.objects.filter(pk__in=order_ids, status=status).count() == len(order_ids)


def factory_state(order_ids: list[str]) -> str:
    """Where the orders stand, for a failure message."""
    lines = []
    for order in Order.objects.filter(pk__in=order_ids):
        items = WorkItem.objects.filter(job__order=order).values_list("stage__operation", "attempt", "state")
        lines.append(f"{order.id} {order.production_mode} {order.status} {list(items)}")
    return "\n".join(lines)


def wait_all_in(order_ids: list[str], status: str, *, timeout: float) -> None:
    try:
        wait_for(lambda: all_in(order_ids, status), timeout=timeout, what=f"orders {status}")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{factory_state(order_ids)}") from None


def assert_timelines_follow_the_state_machine(order_ids: list[str]) -> None:
    for order in Order.objects.filter(pk__in=order_ids):
        events = list(order.events.order_by("created_at", "id"))
        assert [event.created_at for event in events] == sorted(event.created_at for event in events)
        statuses = [event.status for event in events]
        for before, after in pairwise(statuses):
            assert before == after or can_transition(before, after), (order.id, statuses)


def assert_every_stage_ran_once(order_ids: list[str]) -> None:
    """Each work item started and finished once: one started and one completed event per item."""
    for order in Order.objects.filter(pk__in=order_ids):
        items = WorkItem.objects.filter(job__order=order).count()
        assert items > 0
        assert order.events.filter(type="stage_started").count() == items
        assert order.events.filter(type="stage_completed").count() == items
        inspections = WorkItem.objects.filter(job__order=order, inspection__isnull=False).count()
        assert order.events.filter(type="inspected").count() == inspections


def test_orders_of_all_three_modes_are_made_to_completed(factory_client, broker_url, factory):
    running = factory()
    running.worker()
    running.beat()
    order_ids = place_orders(factory_client, broker_url, STANDARD, BATCH_GREEN, CUSTOM)
    wait_all_in(order_ids, "completed", timeout=90)
    log = running.stop()
    modes = dict(Order.objects.filter(pk__in=order_ids).values_list("production_mode", "id"))
    assert set(modes) == {"standard", "batch", "custom"}, log
    assert Job.objects.get(order=modes["batch"]).batch.release_reason == "window"
    assert_timelines_follow_the_state_machine(order_ids)
    assert_every_stage_ran_once(order_ids)
    types = list(Order.objects.get(pk=modes["custom"]).events.values_list("type", flat=True))
    assert types[:3] == ["placed", "routed", "queued"] and types[-1] == "completed"


def test_a_batch_is_released_when_full_and_competing_workers_never_release_it_twice(
    factory_client, broker_url, factory
):
    BatchPolicy.objects.update(size_limit=3)
    running = factory()
    running.worker()
    running.worker()
    order_ids = place_orders(factory_client, broker_url, *[BATCH_GREEN] * 6)
    wait_all_in(order_ids, "completed", timeout=120)
    log = running.stop()
    batches = list(Batch.objects.all())
    assert len(batches) == 2, log
    assert {(batch.units, batch.release_reason, batch.state) for batch in batches} == {(3, "full", "done")}
    jobs = Job.objects.filter(order__in=order_ids)
    assert jobs.count() == 6 and not jobs.filter(batch__isnull=True).exists()
    for order in Order.objects.filter(pk__in=order_ids):
        joined = order.events.filter(type="queued", batch__gt="")
        assert joined.count() == 1 and joined.get().batch == order.job.batch.code
    assert_timelines_follow_the_state_machine(order_ids)
    assert_every_stage_ran_once(order_ids)


def test_failed_inspections_rework_then_scrap_and_remake_until_staff_must_look(
    factory_client, broker_url, factory
):
    stage = RouteStage.objects.get(
        route__product__code="city-bike", route__mode="standard", operation="assembly"
    )
    RouteStage.objects.filter(pk=stage.pk).update(defect_probability=1)
    QualityCheckpoint.objects.filter(stage__route=stage.route, stage__operation="final_inspection").update(
        max_rework=1
    )
    running = factory(ATELIER_FACTORY_MAX_REMAKES="1")
    running.worker()
    [order_id] = place_orders(factory_client, broker_url, STANDARD)
    wait_for(
        lambda: Job.objects.filter(order=order_id, needs_attention=True).exists(),
        timeout=90,
        what="the job flagged after its last scrap",
    )
    log = running.stop()
    order = Order.objects.get(pk=order_id)
    types = list(order.events.values_list("type", flat=True))
    assert (types.count("rework_started"), types.count("scrapped"), types.count("remade")) == (2, 2, 1), log
    assert order.status == "scrapped"
    assert order.job.remakes == 1
    assert_timelines_follow_the_state_machine([order_id])
    assert_every_stage_ran_once([order_id])
