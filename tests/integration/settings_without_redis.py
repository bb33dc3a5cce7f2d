"""The project's settings on a machine where no Redis answers at the default broker address (port 1
on the loopback: nothing listens there, the connection is refused at once)."""

from configurator.settings import *  # noqa: F403

CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
