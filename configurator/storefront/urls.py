from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalogue, name="home"),
    path("products/<slug:code>/", views.product_page, name="product-page"),
    path("quotes/", views.quotes, name="quotes"),
    path("quotes/<uuid:quote_id>/", views.quote_page, name="quote-page"),
    path("orders/", views.orders, name="orders"),
    path("orders/<uuid:order_id>/", views.order_page, name="order-page"),
    path("saved/", views.saved, name="saved"),
    path("saved/<int:saved_id>/delete", views.saved_delete, name="saved-delete"),
]
