from django.apps import AppConfig


class ManufacturingConfig(AppConfig):
    name = "manufacturing"

    def ready(self) -> None:
        from django.contrib import admin

        from .admin_load import admin_site_extend

        admin_site_extend(admin.site)
