"""The actor of a request that needs a logged-in user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from configurator.plumbing.authentication import authenticated_user


def test_authenticated_user_answers_the_logged_in_user_of_a_page_or_an_api_request(customer):
    page_request = RequestFactory().get("/")
    page_request.user = customer
    api_request = Request(RequestFactory().get("/"))
    api_request.user = customer

    assert authenticated_user(page_request) == customer
    assert authenticated_user(api_request) == customer


def test_authenticated_user_refuses_an_anonymous_request():
    request = Request(RequestFactory().get("/"))
    request.user = AnonymousUser()

    with pytest.raises(NotAuthenticated):
        authenticated_user(request)
