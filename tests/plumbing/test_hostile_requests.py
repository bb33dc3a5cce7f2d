"""Hostile or malformed requests get a 4xx in the error shape, never a 500."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from configurator.plumbing.errors import InvalidInputError, RequestTooLargeError
from configurator.plumbing.parsers import MAX_JSON_DEPTH, JSONParser, parse_json
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

CONFIGURE = "/api/products/city-bike/configure"
EXPLAIN = "/api/products/city-bike/explain"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code, body
    return body


@pytest.mark.parametrize("value", [["lights"], {"lights": True}])
def test_explain_with_a_list_or_object_as_the_value_is_a_400_naming_value(api_client, demo_catalogue, value):
    response = api_client.post(
        EXPLAIN, {"selections": {}, "option_set": "accessories", "value": value}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["value"]
    assert "one of its option codes" in body["message"]


def test_explain_still_explains_one_value_of_a_multiple_choice(api_client, demo_catalogue):
    response = api_client.post(
        EXPLAIN, {"selections": {}, "option_set": "accessories", "value": "lights"}, format="json"
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 941, 100_000])
def test_json_nested_past_the_limit_is_a_400(api_client, demo_catalogue, depth):
    body = "[" * depth + "]" * depth
    response = api_client.post(CONFIGURE, body, content_type="application/json")
    assert_error(response, 400, "malformed_request")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["message"]


def test_json_nested_to_the_limit_is_parsed():
    nested: list = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert parse_json(json.dumps(nested).encode()) == nested


def test_a_body_over_the_limit_is_a_413_naming_the_limit(api_client, demo_catalogue, settings):
    body = json.dumps({"selections": {"engraving": "a" * 3_000_000}})
    response = api_client.post(CONFIGURE, body, content_type="application/json")
    error = assert_error(response, 413, "request_too_large")
    assert "2.5 MB (2,621,440 bytes)" in error["message"]


def test_the_limit_follows_djangos_setting(api_client, demo_catalogue, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"selections": {"engraving": "a" * 2000}})
    error = assert_error(
        api_client.post(CONFIGURE, body, content_type="application/json"), 413, "request_too_large"
    )
    assert "(1,000 bytes)" in error["message"]


def test_a_body_without_a_length_is_still_cut_at_the_limit():
    """A chunked body declares no length: reading stops at the limit."""
    import io

    parser = JSONParser()
    parser.max_bytes = 100
    with pytest.raises(RequestTooLargeError):
        parser.parse(io.BytesIO(b"[" + b"1," * 100 + b"1]"), parser_context={})


def test_gzip_is_refused_where_it_is_not_accepted(api_client, demo_catalogue):
    response = api_client.post(
        CONFIGURE,
        gzip.compress(b'{"selections": {}}'),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize(
    "body",
    [
        '{"selections": {"\\ud800": "x"}}',
        '{"selections": {"frame": "\\udfff"}}',
        '{"selections": {"accessories": ["lights", "\\ud83d"]}}',
    ],
)
def test_a_lone_surrogate_anywhere_is_a_400(api_client, demo_catalogue, body):
    response = api_client.post(CONFIGURE, body, content_type="application/json")
    error = assert_error(response, 400, "malformed_request")
    assert "lone surrogate" in error["message"]


def test_a_surrogate_pair_is_one_character_and_is_echoed_in_the_error(api_client, demo_catalogue):
    response = api_client.post(
        CONFIGURE, '{"selections": {"\\ud83d\\ude00": 1}}', content_type="application/json"
    )
    error = assert_error(response, 400, "invalid_selection")
    assert list(error["fields"]) == ["selections.\U0001f600"]


@pytest.mark.parametrize("body", ["{", '{"selections": NaN}', b'{"a": "\xff"}'])
def test_malformed_json_is_a_400(api_client, demo_catalogue, body):
    response = api_client.post(CONFIGURE, body, content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_parse_errors_are_validation_failures():
    with pytest.raises(InvalidInputError):
        parse_json(b"[1, 2")


def _cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    "position",
    ["2024-01-01T00:00:00+16:00", "2024-01-01 00:00:00-23:59", "not a time", "9999-12-31T23:59:59-10:00"],
)
def test_a_crafted_order_cursor_is_a_400_or_read_in_utc(customer_client, demo_catalogue, position):
    place(customer_client)
    response = customer_client.get(f"/api/orders/?cursor={_cursor(position)}")
    if response.status_code == 200:
        assert set(response.json()) >= {"results", "next", "previous"}
    else:
        body = assert_error(response, 400, "invalid")
        assert list(body["fields"]) == ["cursor"]


def test_a_cursor_with_a_far_offset_is_read_as_the_same_instant(customer_client, demo_catalogue):
    order = place(customer_client).json()
    later = (timezone.now() + timedelta(hours=1)).astimezone(timezone.get_fixed_timezone(16 * 60))
    response = customer_client.get(f"/api/orders/?cursor={_cursor(later.isoformat())}")
    assert response.status_code == 200, response.json()
    assert [item["id"] for item in response.json()["results"]] == [order["id"]]


@pytest.mark.parametrize("page", ["", "0", "-1", "abc", "1.5", "last", "٣"])
def test_a_malformed_page_is_a_400_never_page_one(api_client, demo_catalogue, page):
    body = assert_error(api_client.get(f"/api/products/?page={page}"), 400, "invalid")
    assert list(body["fields"]) == ["page"]


def test_a_page_past_the_end_is_still_a_404(api_client, demo_catalogue):
    assert api_client.get("/api/products/?page=1").status_code == 200
    assert api_client.get("/api/products/?page=2").status_code == 404


@pytest.mark.parametrize("ordering", ["\x1e", "name,", " name", "--name", "name,,code"])
def test_an_ordering_the_schema_refuses_is_a_400(api_client, demo_catalogue, ordering):
    from urllib.parse import quote

    body = assert_error(api_client.get(f"/api/products/?ordering={quote(ordering)}"), 400, "invalid")
    assert list(body["fields"]) == ["ordering"]


def test_a_valid_ordering_still_orders(api_client, demo_catalogue):
    response = api_client.get("/api/products/?ordering=-code,name")
    assert [item["code"] for item in response.json()["results"]] == [
        "office-chair",
        "custom-shirt",
        "city-bike",
    ]


@pytest.mark.parametrize("cursor", ["", "%00", "!!!!"])
def test_a_cursor_that_reads_as_nothing_is_a_400_never_the_first_page(
    customer_client, demo_catalogue, cursor
):
    place(customer_client)
    body = assert_error(customer_client.get(f"/api/orders/?cursor={cursor}"), 400, "invalid")
    assert list(body["fields"]) == ["cursor"]


def test_every_cursor_a_list_gives_out_is_read_back(customer_client, demo_catalogue):
    placed = [place(customer_client).json()["id"] for _ in range(5)]
    newest_first = placed[::-1]
    pages, cursor = [], None
    while True:
        query = "page_size=2" + (f"&cursor={cursor}" if cursor else "")
        page = customer_client.get(f"/api/orders/?{query}").json()
        pages.append([item["id"] for item in page["results"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [order_id for page_ids in pages for order_id in page_ids] == newest_first
    back, cursor = [], page["previous_cursor"]
    while cursor is not None:
        page = customer_client.get(f"/api/orders/?page_size=2&cursor={cursor}").json()
        back.append([item["id"] for item in page["results"]])
        cursor = page["previous_cursor"]
    assert back == pages[-2::-1]


@pytest.mark.parametrize("url", ["/api/products/?search=%00", "/api/quotes/?search=a%00b"])
def test_a_null_character_in_a_search_is_a_400_naming_search(customer_client, demo_catalogue, url):
    body = assert_error(customer_client.get(url), 400, "invalid")
    assert list(body["fields"]) == ["search"]


@pytest.mark.parametrize("as_staff", [False, True])
def test_an_empty_version_is_a_400_never_the_published_one(
    api_client, staff_client, demo_catalogue, as_staff
):
    client = staff_client if as_staff else api_client
    requests = [
        client.get("/api/products/city-bike/?version="),
        client.post(f"{CONFIGURE}?version=", {"selections": {}}, format="json"),
        client.post(f"{EXPLAIN}?version=", {"option_set": "frame", "value": "carbon"}, format="json"),
    ]
    if as_staff:
        requests.append(client.get("/api/products/city-bike/export?version="))
    for response in requests:
        body = assert_error(response, 400, "invalid")
        assert list(body["fields"]) == ["version"]
        assert body["fields"]["version"][0]["code"] == "blank"


def test_export_reads_current_as_the_published_version(staff_client, demo_catalogue):
    current = staff_client.get("/api/products/city-bike/export?version=current")
    numbered = staff_client.get("/api/products/city-bike/export?version=1")
    assert current.status_code == 200
    assert current.json() == numbered.json()


@pytest.mark.parametrize("publish", ["", "maybe", "null", "yes"])
def test_a_publish_flag_other_than_true_or_false_is_a_400(staff_client, demo_catalogue, publish):
    from products.models import Product

    document = staff_client.get("/api/products/city-bike/export").json()
    response = staff_client.post(f"/api/products/import?publish={publish}", document, format="json")
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["publish"]
    assert Product.objects.get(code="city-bike").versions.count() == 1


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["active"], 0, "true or false"),
        (["active"], "yes", "true or false"),
        (["baseline", "lead_time_days"], "5", "a whole number"),
        (["baseline", "lead_time_days"], 5.5, "a whole number"),
        (["name"], 5, "a string"),
        (["currency"], 1, "a string"),
        (["baseline", "price"], True, "a number or a decimal string"),
        (["option_sets", 0, "options", 0, "code"], 7, "a string"),
    ],
)
def test_an_import_value_of_another_json_type_is_a_400_naming_it(
    staff_client, demo_catalogue, path, value, expected
):
    document = staff_client.get("/api/products/city-bike/export").json()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    body = assert_error(
        staff_client.post("/api/products/import", document, format="json"), 400, "invalid_document"
    )
    dotted = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")
    assert [error["code"] for error in body["fields"][dotted]] == ["wrong_type"]
    assert body["fields"][dotted][0]["message"] == f"Expected {expected}."


def test_an_import_takes_json_numbers_for_decimals_and_whole_floats_for_integers(
    staff_client, demo_catalogue
):
    document = staff_client.get("/api/products/city-bike/export").json()
    document["baseline"].update(price=949, unit_cost=430.5, lead_time_days=6.0)
    response = staff_client.post("/api/products/import?publish=true", document, format="json")
    assert response.status_code == 201, response.json()
    baseline = staff_client.get("/api/products/city-bike/export?version=current").json()["baseline"]
    assert baseline == {"price": "949.00", "unit_cost": "430.50", "lead_time_days": 6}


def test_an_order_field_of_another_json_type_is_a_400_naming_it(customer_client, demo_catalogue):
    response = customer_client.post(
        "/api/orders/",
        {"product": "city-bike", "selections": {}, "quantity": "2", "shipping": {}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="typed-1",
    )
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["quantity"][0]["code"] == "wrong_type"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (CONFIGURE, {"selections": {}, "quantity": "2"}, "quantity"),
        (CONFIGURE, {"selections": {}, "explain": 0}, "explain"),
        (EXPLAIN, {"option_set": 5, "value": "carbon"}, "option_set"),
        ("/api/quotes/", {"product": "city-bike", "selections": {}, "quantity": 1.5}, "quantity"),
        ("/api/saved-configurations/", {"product": "city-bike", "name": 7, "selections": {}}, "name"),
        ("/api/auth/token", {"username": 1, "password": "x"}, "username"),
    ],
)
def test_every_json_input_refuses_values_of_another_type(customer_client, demo_catalogue, url, body, field):
    response = customer_client.post(url, body, format="json")
    fields = assert_error(response, 400, "invalid")["fields"]
    assert [error["code"] for error in fields[field]] == ["wrong_type"]
