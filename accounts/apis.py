"""The account API: a token for scripts and apps, a session for the browser."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.errors import AtelierError, ErrorCode, TooManyRequestsError
from configurator.plumbing.fields import TypedInput
from configurator.plumbing.openapi import error_responses

from .services import user_token, user_token_revoke
from .throttling import client_address, login_blocked, login_failed, login_succeeded


class InvalidCredentialsError(AtelierError):
    status_code = 400
    default_code = ErrorCode.INVALID_CREDENTIALS
    default_message = "The username or password is not correct."


class CredentialsInput(TypedInput):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Bearer <token>`.")
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


class SessionOutput(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    csrf_token = serializers.CharField(
        help_text="Send it in the `X-CSRFToken` header with every write made with this session."
    )


def _authenticate(request: Request, data: dict[str, str]):
    """The user with these credentials, counting failures; raises on a wrong password or a block."""
    address = client_address(request._request)
    blocked = login_blocked(username=data["username"], address=address)
    if blocked:
        raise TooManyRequestsError(
            blocked.message,
            code=ErrorCode.TOO_MANY_LOGIN_ATTEMPTS,
            headers={"Retry-After": str(blocked.retry_after)},
        )
    user = authenticate(request._request, username=data["username"], password=data["password"])
    if user is None:
        login_failed(username=data["username"], address=address)
        raise InvalidCredentialsError()
    login_succeeded(username=data["username"], address=address)
    return user


class TokenCreateApi(APIView):
    """Log in with a username and password and receive the account's API token (the same token
    every time, until it is revoked). Failed attempts are throttled per username and address."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=CredentialsInput,
        responses={200: TokenOutput, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _authenticate(request, serializer.validated_data)
        token = user_token(user=user)
        return Response(
            TokenOutput({"token": token.key, "username": user.username, "is_staff": user.is_staff}).data
        )


class TokenRevokeApi(APIView):
    """Revoke your API token; the next log-in at POST /api/auth/token makes a new one."""

    @extend_schema(
        operation_id="auth_token_revoke", request=None, responses={204: None, **error_responses(401)}
    )
    def delete(self, request: Request) -> Response:
        user_token_revoke(user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionLoginApi(APIView):
    """Log the browser in with a session cookie. Like every session-authenticated write, it needs
    the CSRF token (cookie `csrftoken`, header `X-CSRFToken`); the answer carries a fresh one."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="auth_login",
        request=CredentialsInput,
        responses={200: SessionOutput, **error_responses(400, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        SessionAuthentication().enforce_csrf(request)
        serializer = CredentialsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _authenticate(request, serializer.validated_data)
        login(request._request, user)
        body = {
            "username": user.username,
            "is_staff": user.is_staff,
            "csrf_token": get_token(request._request),
        }
        return Response(SessionOutput(body).data)


class SessionLogoutApi(APIView):
    """End the browser's session."""

    authentication_classes = [SessionAuthentication]

    @extend_schema(
        operation_id="auth_logout", request=None, responses={204: None, **error_responses(401, 403)}
    )
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_null=True, help_text="null when the account has none.")
    is_staff = serializers.BooleanField()


class MeApi(APIView):
    """Who you are logged in as."""

    @extend_schema(operation_id="auth_me", responses={200: MeOutput, **error_responses(401)})
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        return Response(
            MeOutput({"username": user.username, "email": user.email or None, "is_staff": user.is_staff}).data
        )
