"""The least a stage task can do, for ``bench_factory.py`` only (its worker loads this module with
``--include``; nothing in the project imports it): declared like every task of the factory, it
locks one row, changes it and inserts one row, in one transaction through the ORM. A finish must at
least lock its work item, change it and write its order's event; so this task's rate is the most a
stage task written with Django's ORM can reach on this Celery set-up."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from configurator.plumbing.task import atelier_task
from manufacturing.models import SimulationClock

FLOOR_TASK = "bench.floor_transaction"


@atelier_task(name=FLOOR_TASK, queue="floor")
def floor_transaction(name: str) -> None:
    with transaction.atomic():
        clock = SimulationClock.objects.select_for_update().get(pk=1)
        SimulationClock.objects.filter(pk=clock.pk).update(scale=clock.scale)
        Group.objects.create(name=name)
