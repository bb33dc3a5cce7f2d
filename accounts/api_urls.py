from django.urls import path

from . import apis

urlpatterns = [
    path("auth/token", apis.TokenCreateApi.as_view(), name="auth-token"),
    path("auth/token/revoke", apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("auth/login", apis.SessionLoginApi.as_view(), name="auth-login"),
    path("auth/logout", apis.SessionLogoutApi.as_view(), name="auth-logout"),
    path("auth/me", apis.MeApi.as_view(), name="auth-me"),
]
