"""Writes for accounts: sign-up and API tokens."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str) -> User:
    """A new customer account (never staff). The caller has validated the password."""
    user = get_user_model()(username=username, email=email, is_staff=False, is_superuser=False)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def user_token(*, user: User) -> Token:
    """The user's API token, created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def user_token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
