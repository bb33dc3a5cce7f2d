from __future__ import annotations

import json

import pytest

from manufacturing.documents import DEMO_FACTORY
from manufacturing.loading import factory_import
from manufacturing.models import Job, Route, WorkCentre, WorkItem
from orders.services import OrderRequest, order_place
from tests.orders.conftest import SHIPPING


@pytest.fixture
def factory_document() -> dict:
    """The demo factory document, a fresh copy to change."""
    return json.loads(DEMO_FACTORY.read_text())


@pytest.fixture
def demo_factory(demo_catalogue, factory_document):
    """The demo catalogue and the demo factory, imported."""
    return factory_import(document=factory_document)


@pytest.fixture
def work_item_on(customer):
    """A work item of a fresh city-bike order at a stage of the given route, as production makes
    one (what a route's stages and work centres cannot be removed under)."""

    def make(route: Route, operation: str, work_centre: WorkCentre | None = None) -> WorkItem:
        order = order_place(
            actor=customer, request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections={})
        )
        job = Job.objects.create(
            order=order, route=route, operations=[s.operation for s in route.stages.all()]
        )
        stage = route.stages.get(operation=operation)
        return WorkItem.objects.create(
            job=job, stage=stage, work_centre=work_centre or stage.work_centre, units=1
        )

    return make
