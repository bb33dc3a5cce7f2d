"""Sign-up, log-in (pages and API), log-out, password reset and login throttling."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _few_attempts(settings, monkeypatch):
    settings.ATELIER_LOGIN_ATTEMPTS = 3
    settings.ATELIER_LOGIN_WINDOW_SECONDS = 600
    # Mid-window: the sliding window weighs the previous window's failures by how much of it is
    # left, so a test that crosses a window boundary would see them fade.
    clock = SimpleNamespace(time=lambda: 600 * 3_000_000 + 300.0, monotonic=time.monotonic)
    monkeypatch.setattr("configurator.throttling.counters.time", clock)


def test_sign_up_creates_a_customer_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "next": "/products/city-bike/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/products/city-bike/"
    user = get_user_model().objects.get(username="carol")
    assert not user.is_staff and not user.is_superuser
    assert client.get("/orders/").status_code == 200


def test_sign_up_errors_are_shown_next_to_the_fields(client, customer):
    response = client.post(
        "/accounts/signup/",
        {"username": customer.username, "email": "x@example.com", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_username_error"' in html and "already exists" in html
    assert 'id="id_password2_error"' in html


def test_sign_up_refuses_an_offsite_next_url(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dave",
            "email": "dave@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "next": "https://evil.example.com/",
        },
    )
    assert response["Location"] == "/"


def test_log_in_page_throttles_repeated_failures(client, customer):
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": customer.username, "password": "wrong"})
        assert response.status_code == 400
    response = client.post("/accounts/login/", {"username": customer.username, "password": "secret-password"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_log_in_and_out(client, customer):
    response = client.post("/accounts/login/", {"username": customer.username, "password": "secret-password"})
    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # a link cannot log anyone out
    client.post("/accounts/logout/")
    assert client.get("/orders/").status_code == 302


def test_password_reset_by_e_mail(client, customer):
    response = client.post("/accounts/password-reset/", {"email": customer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [customer.email]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "fresh-pass-phrase", "new_password2": "fresh-pass-phrase"},
    )
    assert done.status_code == 302
    assert client.login(username=customer.username, password="fresh-pass-phrase")


def test_token_endpoint_gives_the_same_token_until_revoked(api_client, customer):
    first = api_client.post(
        "/api/auth/token", {"username": customer.username, "password": "secret-password"}, format="json"
    )
    assert first.status_code == 200
    token = first.json()["token"]
    assert first.json() == {"token": token, "username": customer.username, "is_staff": False}
    assert Token.objects.get(user=customer).key == token
    again = api_client.post(
        "/api/auth/token", {"username": customer.username, "password": "secret-password"}, format="json"
    )
    assert again.json()["token"] == token
    authed = APIClient()
    authed.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert authed.get("/api/auth/me").json()["username"] == customer.username
    assert authed.delete("/api/auth/token/revoke").status_code == 204
    assert authed.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("email", ["ada@example.com", ""])
def test_me_gives_the_email_or_null_when_the_account_has_none(customer_client, customer, email):
    customer.email = email
    customer.save(update_fields=["email"])
    me = customer_client.get("/api/auth/me").json()
    assert me == {"username": customer.username, "email": email or None, "is_staff": False}


def test_token_endpoint_errors(api_client, customer):
    missing = api_client.post("/api/auth/token", {"username": customer.username}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()["fields"]
    for _ in range(3):
        wrong = api_client.post(
            "/api/auth/token", {"username": customer.username, "password": "nope"}, format="json"
        )
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    blocked = api_client.post(
        "/api/auth/token", {"username": customer.username, "password": "secret-password"}, format="json"
    )
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_login_attempts"
    assert int(blocked["Retry-After"]) > 0


def test_failures_are_also_counted_per_address(api_client, customer):
    for index in range(3):
        api_client.post("/api/auth/token", {"username": f"nobody{index}", "password": "x"}, format="json")
    blocked = api_client.post(
        "/api/auth/token", {"username": customer.username, "password": "secret-password"}, format="json"
    )
    assert blocked.status_code == 429


def test_session_login_needs_the_csrf_token(customer):
    browser = APIClient(enforce_csrf_checks=True)
    body = {"username": customer.username, "password": "secret-password"}
    refused = browser.post("/api/auth/login", body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    browser.get("/accounts/login/")
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/auth/login", body, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200 and accepted.json()["username"] == customer.username
    fresh = accepted.json()["csrf_token"]
    # A session-authenticated write without the token is refused, with it accepted.
    assert browser.post("/api/auth/logout").status_code == 403
    assert browser.post("/api/auth/logout", HTTP_X_CSRFTOKEN=fresh).status_code == 204
    assert browser.get("/api/auth/me").status_code == 401


def test_failures_are_counted_where_every_web_process_sees_them(api_client, customer, settings):
    """Without a configured cache the counters are rows in the shared database, not a process's
    memory: four web processes let four times the attempts through otherwise."""
    from configurator.throttling.models import RateCounter

    settings.ATELIER_THROTTLE_STORE = "database"
    api_client.post("/api/auth/token", {"username": customer.username, "password": "nope"}, format="json")
    assert RateCounter.objects.filter(key__startswith="login-failures:user:").get().count == 1
    assert RateCounter.objects.filter(key__startswith="login-failures:addr:").get().count == 1
    ok = api_client.post(
        "/api/auth/token", {"username": customer.username, "password": "secret-password"}, format="json"
    )
    assert ok.status_code == 200
    assert not RateCounter.objects.filter(key__startswith="login-failures:user:").exists()
    assert RateCounter.objects.filter(key__startswith="login-failures:addr:").get().count == 1
