"""The queue load page of the admin (``/admin/manufacturing/load/``): for staff, the numbers of
``GET /api/factory/load`` (work in progress and waiting work per work centre, batches forming with
their fill and age, the oldest waiting order, utilisation over the last simulated hour and the jobs
that need attention), linked from the admin index under Manufacturing."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .load import factory_load

URL_NAME = "manufacturing_load"
TITLE = "Queue load"


def queue_load_view(request: HttpRequest, site: AdminSite) -> TemplateResponse:
    context = {**site.each_context(request), "title": TITLE, "load": factory_load(now=timezone.now())}
    return TemplateResponse(request, "admin/manufacturing/load.html", context)


def admin_site_extend(site: AdminSite) -> None:
    """Add the queue load page to ``site``: its URL, behind the admin's staff check, and its link
    among the Manufacturing entries of the index and the navigation."""
    urls = site.get_urls
    app_list = site.get_app_list

    def get_urls() -> list:
        view = site.admin_view(lambda request: queue_load_view(request, site))
        return [path("manufacturing/load/", view, name=URL_NAME), *urls()]

    def get_app_list(request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = app_list(request, app_label)
        if app_label not in (None, "manufacturing") or not request.user.is_staff:
            return apps
        url = reverse(f"{site.name}:{URL_NAME}")
        entry = {
            "name": TITLE,
            "object_name": "QueueLoad",
            "admin_url": url,
            "add_url": None,
            "view_only": True,
            "perms": {"view": True},
        }
        manufacturing = next((app for app in apps if app["app_label"] == "manufacturing"), None)
        if manufacturing is None:
            manufacturing = {
                "name": "Manufacturing",
                "app_label": "manufacturing",
                "app_url": url,
                "has_module_perms": True,
                "models": [],
            }
            apps.append(manufacturing)
            apps.sort(key=lambda app: app["name"].lower())
        manufacturing["models"] = sorted([*manufacturing["models"], entry], key=lambda model: model["name"])
        return apps

    site.get_urls = get_urls  # type: ignore[method-assign]
    site.get_app_list = get_app_list  # type: ignore[method-assign]
