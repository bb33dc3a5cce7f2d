from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("products.urls")),
    path("api/", include("configurator.api_urls")),
    path("api/", include("orders.urls")),
    re_path(r"^api/", views.not_found),
]

handler404 = "configurator.views.not_found"
handler500 = "configurator.views.server_error"
