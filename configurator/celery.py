"""The Celery application: ``celery -A configurator worker``."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configurator.settings")

app = Celery("atelier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def database_connections_tidy(task: Any = None, **_: Any) -> None:
    """Around every task, what Django does around every request: drop a connection that had an
    error, fails its health check or is older than ``CONN_MAX_AGE``, and keep the others (the
    fix-up that would close them all is held back by ``CELERY_DB_REUSE_MAX``). An eager task runs
    inside its caller's transaction and is left alone, as the fix-up leaves it."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
