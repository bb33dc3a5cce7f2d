"""Token authentication with the standard ``Authorization: Bearer <token>`` header; DRF's own
``Token <token>`` keeps working for existing clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request

if TYPE_CHECKING:
    # The stubs' name for settings.AUTH_USER_MODEL: the plumbing imports no app.
    from django.contrib.auth.models import _User

KEYWORDS = (b"bearer", b"token")


class BearerTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> Any:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send `Authorization: Bearer <token>`: one token, no spaces."
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("A token is made of ASCII letters and digits.") from None
        return self.authenticate_credentials(token)

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


def authenticated_user(request: HttpRequest | Request) -> _User:
    """The logged-in user of a request that needs one (an API behind ``IsAuthenticated``, a page
    behind ``login_required``, the admin), as the services' ``actor``."""
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>` with a token from the token endpoint "
            "(`Token <token>` is accepted too).",
        }
