"""The project's URLs: the storefront, the admin, the API and its schema, and the health checks."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from configurator.plumbing import error_views, health
from configurator.plumbing.schema import SchemaApi

urlpatterns = [
    # First: Django tries the patterns in order, and configure is the storefront's busiest request
    # (a customer's every choice); its two paths match nothing else.
    path("api/", include("configurator.configure.urls")),
    path("", include("configurator.storefront.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("accounts.api_urls")),
    path("api/", include("products.urls")),
    path("api/", include("configurator.storefront.api_urls")),
    path("api/", include("orders.urls")),
    path("api/", include("manufacturing.urls")),
    re_path(r"^api/", error_views.not_found),
]

handler404 = "configurator.plumbing.error_views.not_found"
handler500 = "configurator.plumbing.error_views.server_error"
