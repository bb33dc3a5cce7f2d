"""The published OpenAPI document is strict OpenAPI 3.1: valid, closed, typed, and it declares what
the server reads and sends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.contract.checks import published_schema

OPERATION_IDS = {
    "products_list",
    "products_retrieve",
    "products_configure",
    "products_explain",
    "products_import",
    "products_export",
    "products_publish",
    "products_versions_list",
    "quotes_list",
    "quotes_create",
    "quotes_retrieve",
    "orders_list",
    "orders_create",
    "orders_retrieve",
    "orders_cancel",
    "auth_token_create",
    "auth_token_revoke",
    "auth_login",
    "auth_logout",
    "auth_me",
    "saved_configurations_list",
    "saved_configurations_save",
    "saved_configurations_delete",
    "factory_load_retrieve",
}
ANONYMOUS = {
    "products_list",
    "products_retrieve",
    "products_configure",
    "products_explain",
    "auth_token_create",
    "auth_login",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return published_schema()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            yield path, method, operation


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def test_the_document_is_valid_openapi_3_1(schema):
    assert schema["openapi"] == "3.1.0"
    assert [str(error) for error in OpenAPIV31SpecValidator(schema).iter_errors()] == []


def test_the_served_document_is_the_published_one(api_client, db):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == published_schema()


def test_no_openapi_3_0_leftovers(schema):
    assert not [node for node in walk(schema) if "nullable" in node]
    assert not [node for node in walk(schema) if node.get("oneOf") == [{}, {"type": "null"}]]


def test_response_objects_forbid_undeclared_properties(schema):
    open_objects = [
        name
        for name, component in schema["components"]["schemas"].items()
        if "properties" in component
        and not name.endswith("Request")
        and component.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_every_operation_has_an_explicit_id_and_a_default_error(schema):
    found = {operation["operationId"] for _, _, operation in operations(schema)}
    assert found == OPERATION_IDS
    for path, method, operation in operations(schema):
        default = operation["responses"]["default"]["content"]["application/json"]["schema"]
        assert default == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_anonymous_operations_need_no_authentication_and_tokens_are_bearer(schema):
    for _, _, operation in operations(schema):
        if operation["operationId"] in ANONYMOUS:
            assert operation["security"] == []
        else:
            assert operation["security"], operation["operationId"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_closed_sets_are_enums(schema):
    components = schema["components"]["schemas"]

    def is_enum(node: dict[str, Any]) -> bool:
        for item in walk(node):
            target = components[item["$ref"].rsplit("/", 1)[-1]] if "$ref" in item else item
            if "enum" in target:
                return True
        return False

    closed = [
        components["OptionSetOutput"]["properties"]["kind"],
        components["OptionSetGuidanceOutput"]["properties"]["kind"],
        components["ConstraintOutput"]["properties"]["type"],
        components["ReasonOutput"]["properties"]["type"],
        components["ProductDetailOutput"]["properties"]["currency"],
        components["ProductListOutput"]["properties"]["currency"],
        components["PriceOutput"]["properties"]["currency"],
        components["ProductionOutput"]["properties"]["mode"],
        components["OrderSummaryOutput"]["properties"]["status"],
        components["OrderEventOutput"]["properties"]["type"],
        components["Error"]["properties"]["code"],
        components["FieldError"]["properties"]["code"],
    ]
    assert [node for node in closed if not is_enum(node)] == []
    quotes_list = schema["paths"]["/api/quotes/"]["get"]
    expired = next(parameter for parameter in quotes_list["parameters"] if parameter["name"] == "expired")
    assert expired["schema"]["type"] == "boolean"


def test_headers_the_server_reads_and_sends_are_declared(schema):
    create = schema["paths"]["/api/orders/"]["post"]
    key = next(parameter for parameter in create["parameters"] if parameter["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    for _, _, operation in operations(schema):
        for status in ("429", "503"):
            if status in operation["responses"]:
                assert "Retry-After" in operation["responses"][status]["headers"]


def test_the_idempotency_key_is_declared_as_the_server_checks_it(schema, customer_client, demo_catalogue):
    from orders.idempotency import KEY_PATTERN
    from tests.orders.conftest import place

    create = schema["paths"]["/api/orders/"]["post"]
    key = next(parameter for parameter in create["parameters"] if parameter["name"] == "Idempotency-Key")
    assert key["schema"]["pattern"] == KEY_PATTERN
    for candidate, declared in [
        ("a b-1", True),
        ("k" * 255, True),
        ("k" * 256, False),
        ("é", False),
        ("a\tb", False),
    ]:
        assert bool(re.fullmatch(key["schema"]["pattern"], candidate)) is declared
        assert (place(customer_client, key=candidate).status_code == 201) is declared, candidate


def test_decimal_inputs_need_a_digit_as_the_fields_do(schema):
    """DRF's decimal field refuses "", "-" and "." (a nullable one reads "" as null)."""
    declared = {
        (node["pattern"], "null" in node["type"])
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
        for node in walk(component)
        if node.get("format") == "decimal" and "pattern" in node
    }
    assert {nullable for _, nullable in declared} == {True, False}
    for pattern, nullable in declared:
        refused = ["-", ".", "-.", "1e2", " 1", *([] if nullable else [""])]
        accepted = ["5", "-5", "0.5", ".5", "5.", *([""] if nullable else [])]
        assert [text for text in refused if re.fullmatch(pattern, text)] == [], pattern
        assert [text for text in accepted if not re.fullmatch(pattern, text)] == [], pattern


def test_quantities_declare_the_servers_limit(schema, settings):
    components = schema["components"]["schemas"]
    inputs = [
        "ConfigureInputRequest",
        "QuoteCreateInputRequest",
        "ConfigurationOrderInputRequest",
        "SavedConfigurationInputRequest",
    ]
    quantities = [components[name]["properties"]["quantity"] for name in inputs]
    assert [(quantity["minimum"], quantity["maximum"]) for quantity in quantities] == [
        (1, settings.ATELIER_MAX_QUANTITY)
    ] * len(inputs)


def test_the_order_request_is_a_quote_or_a_configuration(schema):
    body = schema["paths"]["/api/orders/"]["post"]["requestBody"]
    assert body["required"] is True
    components = schema["components"]["schemas"]
    reference = body["content"]["application/json"]["schema"]["$ref"]
    branches = components[reference.rsplit("/", 1)[-1]]["oneOf"]
    required = [set(components[branch["$ref"].rsplit("/", 1)[-1]]["required"]) for branch in branches]
    assert required == [{"quote", "shipping"}, {"product", "selections", "shipping"}]


def test_lists_document_only_the_parameters_they_accept(schema):
    orders = schema["paths"]["/api/orders/"]["get"]
    assert "ordering" not in {parameter["name"] for parameter in orders["parameters"]}
    page = schema["components"]["schemas"]["PaginatedOrderSummaryOutputList"]
    assert {"next_cursor", "previous_cursor"} <= set(page["required"])


def test_interactive_docs_load_nothing_from_another_site(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "SwaggerUIBundle" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert [source for source in sources if not source.startswith("/")] == []


def test_every_input_serializer_checks_json_types(schema):
    """An input serializer left on DRF's base class would read 1 as true and 7 as "7" again. (The
    schema fixture has imported every API module, so every serializer class exists.)"""
    from rest_framework import serializers

    from configurator.plumbing.fields import TypedInput

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    project = ("accounts.", "configurator.", "orders.", "products.", "manufacturing.")
    inputs = {
        cls
        for cls in subclasses(serializers.Serializer)
        if cls.__module__.startswith(project) and cls.__name__.endswith("Input")
    }
    assert len(inputs) >= 10
    assert sorted(cls.__qualname__ for cls in inputs if not issubclass(cls, TypedInput)) == []
