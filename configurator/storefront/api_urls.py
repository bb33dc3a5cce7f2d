from django.urls import path

from . import apis

urlpatterns = [
    path("saved-configurations/", apis.SavedConfigurationListCreateApi.as_view(), name="saved-list"),
    path(
        "saved-configurations/<int:saved_id>/",
        apis.SavedConfigurationDetailApi.as_view(),
        name="saved-detail",
    ),
]
