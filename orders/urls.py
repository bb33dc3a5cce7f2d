from django.urls import path

from . import apis

urlpatterns = [
    path("quotes/", apis.QuoteListCreateApi.as_view(), name="quote-list"),
    path("quotes/<uuid:quote_id>/", apis.QuoteDetailApi.as_view(), name="quote-detail"),
    path("orders/", apis.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<uuid:order_id>/", apis.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/cancel", apis.OrderCancelApi.as_view(), name="order-cancel"),
]
