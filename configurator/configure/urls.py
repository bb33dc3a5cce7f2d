from django.urls import path

from . import apis

urlpatterns = [
    path("products/<slug:code>/configure", apis.ConfigureApi.as_view(), name="product-configure"),
    path("products/<slug:code>/explain", apis.ExplainApi.as_view(), name="product-explain"),
]
