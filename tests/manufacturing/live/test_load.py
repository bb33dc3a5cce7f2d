"""The queue load per work centre, the queue days ahead of a new order, and the staff API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manufacturing.load import factory_load, queue_days
from manufacturing.models import Batch, SimulationClock, WorkItemState
from products.models import Product

from .conftest import item, job_for

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
BATCH = {"frame": "steel"}


def load_of(code: str):
    return next(centre for centre in factory_load(now=NOW).work_centres if centre.code == code)


def test_running_and_waiting_work_and_the_oldest_waiting_order(factory, place):
    paint = factory.stage(factory.batch_route, "paint")
    first, second, running = (
        job_for(place(BATCH, quantity=units), factory.batch_route) for units in (1, 3, 2)
    )
    item(second, paint, WorkItemState.WAITING, enqueued_at=NOW - timedelta(seconds=40))
    item(first, paint, WorkItemState.WAITING, enqueued_at=NOW - timedelta(seconds=90))
    item(
        running,
        paint,
        WorkItemState.RUNNING,
        minutes="22",
        real_start=NOW - timedelta(seconds=11),
        due_at=NOW + timedelta(seconds=11),
    )
    booth = load_of("paint_booth")
    assert (booth.running_items, booth.running_units, booth.waiting_items, booth.waiting_units) == (
        1,
        2,
        2,
        4,
    )
    assert booth.oldest_waiting_order == first.order_id
    assert booth.oldest_waiting_age_seconds == 90
    # Waiting: (10 + 6 x 1) + (10 + 6 x 3); running: half of 22 minutes left.
    assert booth.backlog_minutes == 16 + 28 + 11
    idle = load_of("frame_shop")
    assert (idle.running_items, idle.waiting_items, idle.oldest_waiting_order, idle.backlog_minutes) == (
        0,
        0,
        None,
        0,
    )


def test_batches_forming_show_their_fill_and_age(factory, place):
    order = place(BATCH)
    Batch.objects.create(
        code="B-1",
        setup_key="frame=steel",
        product_version=order.product_version,
        route=factory.batch_route,
        work_centre=factory.centres["paint_booth"],
        size_limit=8,
        units=6,
        opened_at=NOW - timedelta(minutes=2),
        window_closes_at=NOW + timedelta(minutes=2),
    )
    Batch.objects.create(
        code="B-0",
        setup_key="frame=carbon",
        product_version=order.product_version,
        route=factory.batch_route,
        work_centre=factory.centres["paint_booth"],
        size_limit=8,
        units=8,
        state="released",
        window_closes_at=NOW,
    )
    (forming,) = load_of("paint_booth").batches_forming
    assert (forming.code, forming.units, forming.size_limit, forming.fill, forming.age_seconds) == (
        "B-1",
        6,
        8,
        0.75,
        120,
    )


def test_utilisation_counts_busy_simulated_minutes_within_the_last_simulated_hour(factory, place):
    sim_now = NOW - timedelta(days=10)
    SimulationClock.objects.create(
        real_anchor=NOW - timedelta(seconds=30), sim_anchor=sim_now - timedelta(minutes=30), scale=60
    )
    frame = factory.stage(factory.batch_route, "frame")  # the frame shop: capacity 2
    jobs = [job_for(place(BATCH), factory.batch_route) for _ in range(3)]
    # 30 of its minutes within the hour; 10 minutes running up to now; one done before the hour.
    item(
        jobs[0],
        frame,
        WorkItemState.DONE,
        sim_start=sim_now - timedelta(minutes=90),
        sim_end=sim_now - timedelta(minutes=30),
    )
    item(jobs[1], frame, WorkItemState.RUNNING, sim_start=sim_now - timedelta(minutes=10))
    item(
        jobs[2],
        frame,
        WorkItemState.DONE,
        sim_start=sim_now - timedelta(minutes=100),
        sim_end=sim_now - timedelta(minutes=61),
    )
    reading = factory_load(now=NOW)
    assert reading.sim_now == sim_now
    shop = next(centre for centre in reading.work_centres if centre.code == "frame_shop")
    assert shop.busy_minutes_last_hour == 40
    assert shop.utilisation == round(40 / 120, 4)


def test_jobs_needing_attention_are_listed_with_where_they_stand(factory, place):
    job = job_for(place(BATCH), factory.batch_route)
    job.needs_attention = True
    job.attention_reason = "paint failed 5 times: the booth's controller does not answer"
    job.save()
    item(job, factory.stage(factory.batch_route, "paint"), WorkItemState.WAITING)
    job_for(place(BATCH), factory.batch_route)
    reading = factory_load(now=NOW)
    (flagged,) = reading.attention
    assert (flagged.order_id, flagged.work_centre, flagged.reason) == (
        job.order_id,
        "paint_booth",
        job.attention_reason,
    )
    assert {centre.code: centre.attention_jobs for centre in reading.work_centres}["paint_booth"] == 1


def test_queue_days_are_the_work_ahead_on_the_route_over_capacity_and_a_working_day(factory, place, settings):
    bike = Product.objects.get(code="city-bike")
    assert queue_days(product=bike, mode="batch", now=NOW) == 0
    other = job_for(place(BATCH, quantity=5), factory.batch_route)
    # 10 + 6 x 5 = 40 minutes at the paint booth (capacity 1), 18 x 5 = 90 at assembly (capacity 3).
    item(other, factory.stage(factory.batch_route, "paint"), WorkItemState.WAITING)
    item(other, factory.stage(factory.batch_route, "assembly"), WorkItemState.WAITING)
    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 480
    assert queue_days(product=bike, mode="batch", now=NOW) == 1
    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 35
    assert queue_days(product=bike, mode="batch", now=NOW) == 2  # 40 + 30 = 70 minutes
    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 34
    assert queue_days(product=bike, mode="batch", now=NOW) == 3
    # The default standard line meets only the assembly's 30 minutes of it.
    assert queue_days(product=bike, mode="standard", now=NOW) == 1
    # No route at all (no chair route, no default batch route): no queue.
    assert queue_days(product=Product.objects.get(code="office-chair"), mode="batch", now=NOW) == 0


def test_the_load_api_is_for_staff(factory, place, api_client, customer_client, staff_client):
    item(
        job_for(place(BATCH), factory.batch_route),
        factory.stage(factory.batch_route, "paint"),
        WorkItemState.WAITING,
    )
    assert api_client.get("/api/factory/load").status_code == 401
    assert customer_client.get("/api/factory/load").status_code == 403
    response = staff_client.get("/api/factory/load")
    assert response.status_code == 200
    centres = {centre["code"]: centre for centre in response.json()["work_centres"]}
    assert set(centres) == set(factory.centres)
    assert centres["paint_booth"]["waiting_items"] == 1
    assert centres["paint_booth"]["backlog_minutes"] == "16.00"


def test_a_batch_passes_a_stage_as_one_lot_its_setup_and_minutes_counted_once(factory, place):
    paint = factory.stage(factory.batch_route, "paint")
    assembly = factory.stage(factory.batch_route, "assembly")
    orders = [place(BATCH, quantity=units) for units in (2, 3)]
    batch = Batch.objects.create(
        code="B-2",
        setup_key="frame=steel",
        product_version=orders[0].product_version,
        route=factory.batch_route,
        work_centre=factory.centres["paint_booth"],
        size_limit=8,
        units=5,
        state="in_production",
        window_closes_at=NOW,
    )
    for order in orders:
        job = job_for(order, factory.batch_route)
        job.batch = batch
        job.save()
        item(job, paint, WorkItemState.WAITING)
        # The lot's 90 minutes (18 x 5 units), recorded on each of its items, half done.
        item(
            job,
            assembly,
            WorkItemState.RUNNING,
            minutes="90",
            real_start=NOW - timedelta(seconds=45),
            due_at=NOW + timedelta(seconds=45),
        )
    # One setup of 10 minutes and 6 minutes for each of the 5 units.
    assert load_of("paint_booth").backlog_minutes == 10 + 6 * 5
    assert load_of("assembly_line").backlog_minutes == 45


def test_the_admin_queue_load_page_shows_the_same_numbers_to_staff(factory, place, client, staff, customer):
    job = job_for(place(BATCH), factory.batch_route)
    job.needs_attention = True
    job.attention_reason = "stuck at the paint booth"
    job.save()
    item(job, factory.stage(factory.batch_route, "paint"), WorkItemState.WAITING)
    client.force_login(customer)
    assert client.get("/admin/manufacturing/load/").status_code == 302  # to the admin log-in
    client.force_login(staff)
    index = client.get("/admin/").content.decode()
    assert 'href="/admin/manufacturing/load/"' in index
    page = client.get("/admin/manufacturing/load/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Paint booth" in html and "stuck at the paint booth" in html
    booth = load_of("paint_booth")
    assert f"{booth.waiting_items} ({booth.waiting_units})" in html
    assert str(job.order_id)[:8] in html
