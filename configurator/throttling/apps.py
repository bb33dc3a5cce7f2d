from django.apps import AppConfig


class ThrottlingConfig(AppConfig):
    name = "configurator.throttling"
    label = "throttling"
    verbose_name = "Throttling"
