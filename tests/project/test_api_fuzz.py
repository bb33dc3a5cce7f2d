"""Property-based API tests from the OpenAPI schema: no input gives a 500, input that breaks the
schema is refused, and every response matches its declared status, type and schema. (Input that
fits the schema may still be refused by the meaning checks, e.g. a rule naming a missing option
set, so "schema-valid input is accepted" is not one of the checks.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from configurator.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(params=["staff", "customer without an email"])
def catalogue_with_token(request, transactional_db):
    """The demo catalogue and a token of staff, or of a customer (who sees less, and whose account
    may lack what staff's has)."""
    from rest_framework.authtoken.models import Token

    from products.demo import demo_documents
    from products.services import product_import
    from tests.factories import StaffFactory, UserFactory

    for document in demo_documents():
        product_import(document=document, publish=True)
    user = StaffFactory() if request.param == "staff" else UserFactory(email="")
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case, catalogue_with_token):
    auth = {"Authorization": f"Token {catalogue_with_token}"}
    if case.cookies:
        case.cookies.pop("sessionid", None)
    response = case.call(headers=auth)
    case.validate_response(
        response, headers=auth, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
