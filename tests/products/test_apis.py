from __future__ import annotations

import json

import pytest

from products.models import Product, ProductVersion
from products.services import product_import
from tests.factories import demo_document, small_document

pytestmark = pytest.mark.django_db


def test_list_shows_active_published_products_to_everyone(api_client, demo_catalogue):
    product_import(document=small_document(code="draft-only"))
    product_import(document=small_document(code="retired", active=False), publish=True)
    response = api_client.get("/api/products/")
    assert response.status_code == 200
    assert [item["code"] for item in response.json()["results"]] == [
        "city-bike",
        "custom-shirt",
        "office-chair",
    ]
    bike = response.json()["results"][0]
    assert bike == {
        "code": "city-bike",
        "name": "City bike",
        "description": bike["description"],
        "currency": "EUR",
        "active": True,
        "version": 1,
        "baseline": {"price": "899.00", "lead_time_days": 5},
    }


def test_list_search_ordering_and_pagination(api_client, demo_catalogue):
    assert [item["code"] for item in api_client.get("/api/products/?search=shirt").json()["results"]] == [
        "custom-shirt"
    ]
    ordered = api_client.get("/api/products/?ordering=-code").json()["results"]
    assert [item["code"] for item in ordered] == ["office-chair", "custom-shirt", "city-bike"]
    page = api_client.get("/api/products/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert api_client.get("/api/products/?page=9").status_code == 404


def test_staff_see_drafts_and_filter_them(staff_client, demo_catalogue):
    product_import(document=small_document(code="draft-only"))
    unpublished = staff_client.get("/api/products/?published=false").json()["results"]
    assert [item["code"] for item in unpublished] == ["draft-only"]
    assert unpublished[0]["baseline"] == {"price": "12.00", "unit_cost": "3.00", "lead_time_days": 2}
    inactive = staff_client.get("/api/products/?active=false").json()["results"]
    assert inactive == []


def test_the_list_serializer_bound_once_takes_each_request_s_context(
    api_client, staff_client, demo_catalogue
):
    def bike(client) -> dict:
        listed = client.get("/api/products/").json()["results"]
        return next(item for item in listed if item["code"] == "city-bike")

    customer_view = bike(api_client)
    assert bike(staff_client)["baseline"] == {"price": "899.00", "unit_cost": "430.00", "lead_time_days": 5}
    assert bike(api_client) == customer_view and "unit_cost" not in customer_view["baseline"]


def test_detail_serves_the_published_version_without_costs(api_client, demo_catalogue):
    response = api_client.get("/api/products/city-bike/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["baseline"] == {"price": "899.00", "lead_time_days": 5}
    frame = body["option_sets"][0]
    assert frame["default"] == "alu"
    assert frame["options"][2] == {
        "code": "carbon",
        "name": "Carbon fibre",
        "price_delta": "650.00",
        "material": "carbon fibre",
        "level": "batchable",
    }
    saddle = next(item for item in body["option_sets"] if item["code"] == "saddle_height")
    assert (saddle["minimum"], saddle["maximum"], saddle["step"], saddle["unit"]) == ("60", "95", "0.5", "cm")
    assert "cost_delta" not in saddle and "rules" not in body


def test_detail_keeps_serving_the_published_version_while_the_draft_changes(api_client, demo_catalogue):
    changed = demo_document("city-bike")
    changed["baseline"]["price"] = "999.00"
    product_import(document=changed)
    assert api_client.get("/api/products/city-bike/").json()["baseline"]["price"] == "899.00"


def test_a_customer_s_page_is_rendered_once_and_a_new_version_or_a_withdrawal_is_seen_at_once(
    api_client, demo_catalogue, django_assert_num_queries
):
    first = api_client.get("/api/products/city-bike/")
    with django_assert_num_queries(1):  # the product's current version, nothing more
        again = api_client.get("/api/products/city-bike/")
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == "application/json"
    changed = demo_document("city-bike")
    changed["baseline"]["price"] = "999.00"
    product_import(document=changed, publish=True)
    republished = api_client.get("/api/products/city-bike/").json()
    assert (republished["version"], republished["baseline"]["price"]) == (2, "999.00")
    Product.objects.filter(code="city-bike").update(is_active=False)
    assert api_client.get("/api/products/city-bike/").json()["code"] == "product_not_found"


def test_a_page_too_large_for_the_memory_it_may_take_is_rendered_every_time(
    api_client, demo_catalogue, settings, django_assert_num_queries
):
    settings.ATELIER_PRODUCT_PAGES_MB = 0
    first = api_client.get("/api/products/city-bike/")
    with django_assert_num_queries(2):  # the current version, then the version's document
        assert api_client.get("/api/products/city-bike/").content == first.content


def test_staff_can_read_the_draft_and_old_versions(staff_client, api_client, demo_catalogue):
    changed = demo_document("city-bike")
    changed["baseline"]["price"] = "999.00"
    product_import(document=changed, publish=True)
    assert staff_client.get("/api/products/city-bike/?version=1").json()["baseline"]["price"] == "899.00"
    draft = staff_client.get("/api/products/city-bike/?version=draft").json()
    assert draft["version"] is None and draft["baseline"]["unit_cost"] == "430.00"
    assert api_client.get("/api/products/city-bike/?version=1").status_code == 404
    assert staff_client.get("/api/products/city-bike/?version=7").json()["code"] == "version_not_found"


def test_unknown_and_unpublished_products_are_404(api_client, staff_client, db):
    product_import(document=small_document())
    response = api_client.get("/api/products/nope/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "product_not_found",
        "message": "No product with code 'nope'.",
        "fields": {},
    }
    assert api_client.get("/api/products/mug/").status_code == 404
    assert staff_client.get("/api/products/mug/").json()["code"] == "not_published"


@pytest.mark.parametrize(("client_name", "status"), [("api_client", 401), ("customer_client", 403)])
def test_import_export_publish_are_staff_only(request, client_name, status, demo_catalogue):
    client = request.getfixturevalue(client_name)
    assert client.post("/api/products/import", small_document(), format="json").status_code == status
    assert client.get("/api/products/city-bike/export").status_code == status
    assert client.post("/api/products/city-bike/publish").status_code == status
    assert client.get("/api/products/city-bike/versions/").status_code == status
    assert not Product.objects.filter(code="mug").exists()


def test_import_then_export_round_trips_over_the_api(staff_client):
    document = demo_document("office-chair")
    response = staff_client.post("/api/products/import?publish=true", document, format="json")
    assert response.status_code == 201
    answer = response.json()
    assert answer.pop("published")["compile_state"] == "ready"
    assert answer == {
        "code": "office-chair",
        "name": "Office chair",
        "option_sets": 9,
        "rules": 4,
        "tables": 1,
        "version": 1,
    }
    assert staff_client.get("/api/products/office-chair/export").json() == document
    published = staff_client.get("/api/products/office-chair/export?version=1").json()
    site_wide = {
        "setup_cost": "150.00",
        "expected_batch_size": 20,
        "labour_rate_per_hour": "45.00",
        "inspection_cost_per_unit": "8.00",
        "setup_margin_percent": "25",
        "labour_margin_percent": "30",
        "inspection_margin_percent": "20",
        "batch_wait_days": 5,
        "setup_days": 1,
        "custom_queue_days": 3,
        "hand_work_minutes_per_day": 420,
        "inspection_days": 1,
    }
    assert published["pricing"]["cost_model"] == site_wide
    assert published == {**document, "pricing": {**document["pricing"], "cost_model": site_wide}}


def test_import_errors_name_the_path_and_store_nothing(staff_client):
    document = small_document()
    document["option_sets"][1]["options"][1]["code"] = "lid"
    response = staff_client.post("/api/products/import", document, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_document",
        "message": "option_sets[1].options[1].code: 'lid' appears twice in extras",
        "fields": {
            "option_sets[1].options[1].code": [
                {"code": "duplicate_code", "message": "'lid' appears twice in extras", "constraint": None}
            ]
        },
    }
    assert not Product.objects.exists()


def test_malformed_json_is_a_clear_400(staff_client):
    response = staff_client.post(
        "/api/products/import", data='{"code": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert response.json()["message"].startswith("The body is not valid JSON: Expecting property name")
    assert "line 1 column 14" in response.json()["message"]


def test_non_json_bodies_are_refused(staff_client):
    response = staff_client.post(
        "/api/products/import", data="code=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_publish_endpoint_and_versions(staff_client, demo_catalogue):
    response = staff_client.post("/api/products/city-bike/publish")
    assert response.status_code == 201 and response.json()["number"] == 1
    changed = demo_document("city-bike")
    changed["name"] = "Town bike"
    # Size m and black together rule out the hub gears, neither alone: one blocking triple.
    changed["rules"].append(
        {"code": "m_black_no_hub3", "when": "size == 'm' and colour == 'black'", "require": "gears != 'hub3'"}
    )
    product_import(document=changed)
    assert staff_client.post("/api/products/city-bike/publish").json()["number"] == 2
    versions = staff_client.get("/api/products/city-bike/versions/").json()["results"]
    assert [version["number"] for version in versions] == [2, 1]
    assert versions[0]["published_by"] == staff_client.handler._force_user.username
    assert versions[0]["precompute_state"] == "ready" and versions[0]["precompute_progress"] == 100
    assert versions[0]["precompute_stats"]["pairs"] > 0
    assert [version["precompute_stats"]["triples"] for version in versions] == [1, 0]


def test_versions_precomputed_before_triples_were_counted_show_null(staff_client, demo_catalogue):
    staff_client.post("/api/products/city-bike/publish")
    version = ProductVersion.objects.get(product__code="city-bike")
    version.precompute_stats = {"seconds": 0.1, "bytes": 10, "pairs": 3, "configurations": 2, "calls": 9}
    version.save(update_fields=["precompute_stats"])
    listed = staff_client.get("/api/products/city-bike/versions/").json()["results"][0]
    assert listed["precompute_stats"] == {**version.precompute_stats, "triples": None}


def test_api_root_unknown_path_is_json_404(api_client):
    response = api_client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_token_authentication(api_client, staff):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=staff)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/products/?published=false").status_code == 200
    assert (
        api_client.post(
            "/api/products/import", json.loads(json.dumps(small_document())), format="json"
        ).status_code
        == 201
    )
    api_client.credentials(HTTP_AUTHORIZATION="Token wrong")
    response = api_client.get("/api/products/")
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": "Invalid token.", "fields": {}}


def _unpublished_draft_of_the_bike() -> None:
    """A draft of the city bike with a new name, description and currency, not published."""
    draft = demo_document("city-bike")
    draft.update(name="Zeppelin", description="Draft words nobody may see yet.", currency="USD")
    product_import(document=draft)


def test_the_list_shows_customers_the_published_version_not_the_draft(api_client, demo_catalogue):
    published = api_client.get("/api/products/").json()["results"][0]
    _unpublished_draft_of_the_bike()
    after = api_client.get("/api/products/").json()["results"][0]
    assert after == published
    assert (after["name"], after["currency"]) == ("City bike", "EUR")
    assert "Draft words" not in after["description"]


def test_search_currency_and_ordering_match_the_published_version_not_the_draft(api_client, demo_catalogue):
    _unpublished_draft_of_the_bike()

    def codes(query: str) -> list[str]:
        response = api_client.get(f"/api/products/?{query}")
        assert response.status_code == 200, response.json()
        return [item["code"] for item in response.json()["results"]]

    assert codes("search=zeppelin") == []
    assert codes("search=city") == ["city-bike"]
    assert codes("currency=USD") == []
    assert "city-bike" in codes("currency=eur")
    assert codes("ordering=-name") == ["office-chair", "custom-shirt", "city-bike"]
    assert api_client.get("/api/products/city-bike/").json()["currency"] == "EUR"


def test_staff_lists_show_and_search_the_draft(staff_client, demo_catalogue):
    _unpublished_draft_of_the_bike()
    results = staff_client.get("/api/products/?search=zeppelin").json()["results"]
    assert [(item["code"], item["name"], item["currency"]) for item in results] == [
        ("city-bike", "Zeppelin", "USD")
    ]
    assert [item["code"] for item in staff_client.get("/api/products/?currency=USD").json()["results"]] == [
        "city-bike"
    ]


def test_publishing_the_draft_shows_it_to_customers(api_client, staff_client, demo_catalogue):
    _unpublished_draft_of_the_bike()
    assert staff_client.post("/api/products/city-bike/publish").status_code == 201
    bike = api_client.get("/api/products/?search=zeppelin").json()["results"]
    assert [(item["name"], item["currency"], item["version"]) for item in bike] == [("Zeppelin", "USD", 2)]
    assert bike[0]["description"] == "Draft words nobody may see yet."
