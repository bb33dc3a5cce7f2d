"""rundemo's choice of broker: the embedded Redis is for a development run only, never a silent
fallback for a broker that was named or for production settings."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from configurator.storefront.management.commands.rundemo import Command

DEAD_BROKER = "redis://127.0.0.1:1/0"


def test_a_named_broker_that_does_not_answer_stops_the_run(settings):
    settings.CELERY_BROKER_URL = DEAD_BROKER
    settings.ATELIER_BROKER_CONFIGURED = True
    with pytest.raises(CommandError, match="No embedded Redis is started because CELERY_BROKER_URL names it"):
        Command().broker()


def test_production_settings_never_fall_back_to_an_embedded_redis(settings):
    settings.CELERY_BROKER_URL = DEAD_BROKER
    settings.ATELIER_BROKER_CONFIGURED = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="No embedded Redis is started because DEBUG is off"):
        Command().broker()


def test_a_broker_that_answers_is_used_as_it_is(settings, monkeypatch):
    monkeypatch.setattr(
        "configurator.storefront.management.commands.rundemo.broker_problem", lambda url: None
    )
    settings.CELERY_BROKER_URL = "redis://broker.example:6379/3"
    assert Command().broker() == ("redis://broker.example:6379/3", None)
