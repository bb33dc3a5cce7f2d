from __future__ import annotations

import pytest

from products.models import Product
from tests.requirements import require_uvlparser

from .test_command import DIMACS_MODEL, UVL_MODEL
from .test_featureide import MODEL as FEATUREIDE_MODEL

URL = "/api/products/import"
pytestmark = pytest.mark.django_db


def test_staff_import_a_model_file(staff_client):
    response = staff_client.post(
        f"{URL}?publish=true",
        {"format": "featureide", "content": FEATUREIDE_MODEL, "code": "desk", "currency": "EUR"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    answer = response.json()
    published = answer.pop("published")
    assert answer == {"code": "desk", "name": "Desk", "option_sets": 4, "rules": 2, "tables": 0, "version": 1}
    assert published["number"] == 1 and published["compile_state"] == "ready"
    assert published["compile_stats"]["clauses"] > 0 and published["compile_error"] is None
    assert str(Product.objects.get(code="desk").baseline_price) == "199.00"


def test_a_uvl_model_and_product_details(staff_client):
    require_uvlparser()
    response = staff_client.post(
        URL,
        {"format": "uvl", "content": UVL_MODEL, "code": "mug", "name": "Mug", "price": "9.90"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    product = Product.objects.get(code="mug")
    assert (product.name, str(product.baseline_price)) == ("Mug", "9.90")


def test_malformed_model_files_are_400_with_the_line(staff_client):
    response = staff_client.post(
        URL, {"format": "dimacs", "content": "p cnf 2 1\n1 3 0\n", "filename": "car.cnf"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_model_file"
    assert body["message"] == "car.cnf:2: literal 3: there are only 2 variables"
    assert not Product.objects.exists()


def test_unknown_fields_next_to_a_model_file_are_refused(staff_client):
    response = staff_client.post(
        URL, {"format": "dimacs", "content": DIMACS_MODEL, "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert "colour" in response.json()["fields"]


def test_customers_cannot_import(customer_client):
    response = customer_client.post(URL, {"format": "dimacs", "content": DIMACS_MODEL}, format="json")
    assert response.status_code == 403
