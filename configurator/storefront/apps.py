from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "configurator.storefront"
    label = "storefront"
    verbose_name = "Storefront"
