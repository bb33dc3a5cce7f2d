"""The project's URLs: the storefront, the admin, the API and its schema."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from configurator.plumbing import error_views
from configurator.plumbing.schema import SchemaApi
from configurator.storefront import views as storefront

urlpatterns = [
    path("", storefront.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("products.urls")),
    path("api/", include("configurator.configure.urls")),
    path("api/", include("orders.urls")),
    re_path(r"^api/", error_views.not_found),
]

handler404 = "configurator.plumbing.error_views.not_found"
handler500 = "configurator.plumbing.error_views.server_error"
