"""Large imports through the API: a file upload (multipart) or a gzip body, up to the importers'
64 MB limit, where any other request body stops at Django's 2.5 MB."""

from __future__ import annotations

import gzip
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from products.apis import IMPORT_MAX_BYTES
from products.importers.base import MAX_FILE_BYTES
from products.models import Product
from tests.factories import small_document
from tests.requirements import shared_benchmark

pytestmark = pytest.mark.django_db

IMPORT = "/api/products/import"


def large_document(size: int) -> dict:
    """A valid product document of at least ``size`` bytes as JSON (a long description)."""
    return small_document(code="large", description="A long story. " * (size // 14 + 1))


def test_the_api_limit_is_the_importers_limit():
    assert IMPORT_MAX_BYTES == MAX_FILE_BYTES


def test_a_document_over_the_plain_body_limit_imports_as_a_multipart_upload(staff_client, settings):
    document = json.dumps(large_document(3_000_000)).encode()
    assert len(document) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    upload = SimpleUploadedFile("large.json", document, content_type="application/json")
    response = staff_client.post(f"{IMPORT}?publish=true", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    # Over the inline size, the version is compiled by a worker and is not current until then.
    assert response.json()["version"] is None
    assert response.json()["published"]["number"] == 1
    assert response.json()["published"]["compile_state"] == "pending"
    assert len(Product.objects.get(code="large").description) > 3_000_000


def test_a_document_over_the_plain_body_limit_imports_as_gzip_json(staff_client, settings):
    body = json.dumps(large_document(3_000_000)).encode()
    response = staff_client.post(
        IMPORT, gzip.compress(body), content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 201, response.json()
    assert Product.objects.filter(code="large").exists()


def test_a_plain_json_import_may_also_exceed_the_general_limit(staff_client):
    body = json.dumps(large_document(3_000_000))
    assert staff_client.post(IMPORT, body, content_type="application/json").status_code == 201


def test_an_upload_names_its_fields_and_refuses_unknown_ones(staff_client):
    upload = SimpleUploadedFile("mug.json", json.dumps(small_document()).encode())
    response = staff_client.post(IMPORT, {"file": upload, "code": "cup", "colour": "red"}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["colour"]
    upload.seek(0)
    response = staff_client.post(IMPORT, {"file": upload, "code": "cup"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "cup"


def test_an_upload_in_an_unknown_format_is_a_400_naming_the_file(staff_client):
    upload = SimpleUploadedFile("model.txt", b"hello")
    response = staff_client.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "unknown extension '.txt'" in response.json()["message"]


def test_a_gzip_body_that_inflates_past_the_limit_is_a_413_before_it_is_inflated(staff_client):
    bomb = gzip.compress(b" " * (IMPORT_MAX_BYTES + 1), compresslevel=9)
    assert len(bomb) < 100_000
    response = staff_client.post(IMPORT, bomb, content_type="application/json", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "64 MB (67,108,864 bytes)" in response.json()["message"]


def test_a_body_over_the_import_limit_is_a_413_before_it_is_read(staff_client):
    too_large = b"x" * (IMPORT_MAX_BYTES + 2 * 1024 * 1024)
    response = staff_client.post(IMPORT, too_large, content_type="multipart/form-data; boundary=BoUnDaRy")
    assert response.status_code == 413
    assert "64 MB" in response.json()["message"]


def test_a_corrupt_gzip_body_is_a_400(staff_client):
    response = staff_client.post(
        IMPORT, b"\x1f\x8b not gzip", content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_customers_cannot_upload(customer_client):
    upload = SimpleUploadedFile("mug.json", json.dumps(small_document()).encode())
    assert customer_client.post(IMPORT, {"file": upload}, format="multipart").status_code == 403


def test_renault_imports_through_the_api_as_a_file_upload(staff_client, settings):
    path = shared_benchmark("renault/megane.xml")
    assert path.stat().st_size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    with path.open("rb") as handle:
        response = staff_client.post(IMPORT, {"file": handle, "code": "megane"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["option_sets"] == 99
    assert response.json()["tables"] > 100
