from django.urls import path

from .apis import FactoryLoadApi

urlpatterns = [
    path("factory/load", FactoryLoadApi.as_view(), name="factory-load"),
]
