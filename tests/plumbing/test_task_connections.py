"""A Celery worker keeps its database connection from one task to the next (Celery's Django fix-up
would close it around every task), and drops it as Django does around a request."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from configurator.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


class Task:
    """What the hooks read of a task: its request."""

    def __init__(self, *, eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=eager)


def run_task_signals(*, eager: bool = False) -> None:
    """What a worker does around a task: the fix-up's hooks and the signals' receivers."""
    task = Task(eager=eager)
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    fixup.on_task_postrun(sender=task)
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="on SQLite a connection lasts one task or request (CONN_MAX_AGE 0)"
)
def test_a_worker_keeps_a_healthy_connection_from_one_task_to_the_next():
    # A connection of its own: one an earlier test in this process left behind may be broken.
    connection.close()
    connection.ensure_connection()
    kept = connection.connection
    run_task_signals()
    run_task_signals()
    assert connection.connection is kept


def test_a_connection_that_had_an_error_and_is_unusable_is_dropped_after_the_task(monkeypatch):
    connection.ensure_connection()
    connection.errors_occurred = True
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    run_task_signals()
    assert connection.connection is None


def test_a_connection_older_than_conn_max_age_is_dropped_after_the_task():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    run_task_signals()
    assert connection.connection is None


def test_an_eager_task_leaves_its_callers_connection_alone():
    connection.ensure_connection()
    kept = connection.connection
    connection.close_at = time.monotonic() - 1
    run_task_signals(eager=True)
    assert connection.connection is kept
