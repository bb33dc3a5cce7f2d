"""The order detail's `tracking`: rendered from the live factory, validated against the schema by the
autouse contract check; staff see why a job needs attention, customers only that it does."""

from __future__ import annotations

import pytest

from manufacturing.models import WorkItemState

from .conftest import item, job_for

pytestmark = pytest.mark.django_db


def test_the_order_detail_tracks_the_order_in_the_factory(factory, place, customer_client, staff_client):
    order = place({"frame": "steel"})
    planned = customer_client.get(f"/api/orders/{order.pk}/").json()["tracking"]
    assert planned["in_production"] is False
    assert planned["route"] == "Bike with batch paint"
    assert {stage["state"] for stage in planned["stages"]} == {"next"}
    assert planned["eta"]["business_days"] >= 1

    job = job_for(order, factory.batch_route)
    job.needs_attention = True
    job.attention_reason = "the paint booth refused the job 3 times"
    job.save()
    item(job, factory.stage(factory.batch_route, "frame"), WorkItemState.WAITING)
    tracking = customer_client.get(f"/api/orders/{order.pk}/").json()["tracking"]
    assert tracking["in_production"] is True
    assert [stage["state"] for stage in tracking["stages"]] == ["current", "next", "next", "next"]
    assert tracking["stages"][0]["item_state"] == "waiting"
    assert tracking["needs_attention"] is True
    assert "attention_reason" not in tracking
    assert tracking["footprint"] is None
    staff_view = staff_client.get(f"/api/orders/{order.pk}/").json()["tracking"]
    assert staff_view["attention_reason"] == "the paint booth refused the job 3 times"
