"""Each task goes to the queue ``atelier_task`` declares, through Celery's ``task_routes`` (a queue
set as a task attribute is deprecated since Celery 5.7 and ignored by Celery 6)."""

from __future__ import annotations

import warnings

from celery.utils.deprecated import CDeprecationWarning

from configurator.celery import app
from configurator.plumbing.task import atelier_task


def routed_queue(name: str, **options: str) -> str:
    return app.amqp.router.route(dict(options), name, (), {})["queue"].name


def test_a_task_goes_to_the_queue_it_was_declared_on():
    app.loader.import_default_modules()
    assert routed_queue("manufacturing.start_job") == "standard"
    assert routed_queue("manufacturing.finish_stage") == "standard"
    assert routed_queue("manufacturing.route_order") == "default"


def test_the_sender_may_name_another_queue():
    app.loader.import_default_modules()
    assert routed_queue("manufacturing.start_job", queue="batch") == "batch"


def test_a_task_declared_nowhere_goes_to_the_default_queue():
    assert routed_queue("tests.nobody_declared_this") == "default"


def test_declaring_a_task_raises_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CDeprecationWarning)

        @atelier_task(name="tests.declared_on_custom", queue="custom")
        def declared_on_custom() -> None:
            """Nothing to do."""

        declared_on_custom.bind(app)
    assert routed_queue("tests.declared_on_custom") == "custom"
