from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from products.models import CompatibilityTable, OptionSet, Product, ProductVersion, Rule
from products.services import product_import
from tests.factories import small_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def mug():
    return product_import(document=small_document())


def management_form(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def product_form_data(product: Product, **extra: str) -> dict[str, str]:
    """The change form of a product as the admin renders it, with its inlines unchanged."""
    data = {
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "currency": product.currency,
        "is_active": "on",
        "baseline_price": str(product.baseline_price),
        "baseline_unit_cost": str(product.baseline_unit_cost),
        "baseline_lead_time_days": str(product.baseline_lead_time_days),
    }
    option_sets = list(product.option_sets.all())
    data.update(management_form("option_sets", len(option_sets), len(option_sets)))
    for index, option_set in enumerate(option_sets):
        prefix = f"option_sets-{index}"
        data.update(
            {
                f"{prefix}-id": str(option_set.pk),
                f"{prefix}-product": str(product.pk),
                f"{prefix}-position": str(option_set.position),
                f"{prefix}-code": option_set.code,
                f"{prefix}-name": option_set.name,
                f"{prefix}-kind": option_set.kind,
                f"{prefix}-default": "null"
                if option_set.default is None
                else __import__("json").dumps(option_set.default),
                f"{prefix}-level": option_set.level,
            }
        )
        if option_set.required:
            data[f"{prefix}-required"] = "on"
    rules = list(product.rules.all())
    data.update(management_form("rules", len(rules), len(rules)))
    for index, rule in enumerate(rules):
        prefix = f"rules-{index}"
        data.update(
            {
                f"{prefix}-id": str(rule.pk),
                f"{prefix}-product": str(product.pk),
                f"{prefix}-code": rule.code,
                f"{prefix}-when": rule.when,
                f"{prefix}-require": rule.require,
                f"{prefix}-message": rule.message,
                f"{prefix}-position": str(rule.position),
            }
        )
    tables = list(product.tables.all())
    data.update(management_form("tables", len(tables), len(tables)))
    for index, table in enumerate(tables):
        prefix = f"tables-{index}"
        data.update(
            {
                f"{prefix}-id": str(table.pk),
                f"{prefix}-product": str(product.pk),
                f"{prefix}-code": table.code,
                f"{prefix}-message": table.message,
                f"{prefix}-position": str(table.position),
                f"{prefix}-columns_text": ", ".join(table.columns),
                f"{prefix}-rows_text": "\n".join(", ".join(str(c) for c in row) for row in table.rows),
            }
        )
    data["quantity_break_mode"] = product.quantity_break_mode
    for prefix in ("cost_model", "price_rules", "quantity_breaks"):
        data.update(management_form(prefix, 0, 0))
    data.update(extra)
    return data


@pytest.mark.parametrize("name", ["product", "optionset", "productversion"])
def test_changelists_render_with_search_and_filters(admin_client, mug, name):
    product_import(document=small_document(), publish=True)
    url = reverse(f"admin:products_{name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "mug"}).status_code == 200


def test_product_change_page_shows_inlines_and_the_draft_check(admin_client, mug):
    response = admin_client.get(reverse("admin:products_product_change", args=[mug.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "blue_lid" in content and "colour_volume" in content
    assert "The draft is valid and can be published." in content


def test_saving_the_product_form_unchanged_keeps_the_draft(admin_client, mug):
    url = reverse("admin:products_product_change", args=[mug.pk])
    response = admin_client.post(url, product_form_data(mug))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert Rule.objects.get(product=mug).require == "'lid' not in extras"
    table = CompatibilityTable.objects.get(product=mug)
    assert table.rows == [["white", "250"], ["white", "300"], ["blue", "300"]]


def test_an_invalid_rule_shows_the_column_and_reason_on_the_form(admin_client, mug):
    url = reverse("admin:products_product_change", args=[mug.pk])
    response = admin_client.post(url, product_form_data(mug, **{"rules-0-require": "'lid' not in extra"}))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert errors[0] == {"require": ["Column 14: unknown option set 'extra'; did you mean 'extras'?"]}
    assert Rule.objects.get(product=mug).require == "'lid' not in extras"


def test_table_rows_are_checked_line_by_line(admin_client, mug):
    url = reverse("admin:products_product_change", args=[mug.pk])
    data = product_form_data(mug, **{"tables-0-rows_text": "white, 250\nred, 300"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][2].formset.errors
    assert errors[0] == {"rows_text": ["Row 2: 'red' is not a value of colour."]}
    data = product_form_data(mug, **{"tables-0-rows_text": "white, 250\nblue, 350, x"})
    errors = admin_client.post(url, data).context["inline_admin_formsets"][2].formset.errors
    assert errors[0] == {"rows_text": ["Line 2 has 3 values for 2 option sets."]}


def test_table_rows_are_saved_as_typed_values(admin_client, mug):
    url = reverse("admin:products_product_change", args=[mug.pk])
    response = admin_client.post(
        url, product_form_data(mug, **{"tables-0-rows_text": "white, 250.0\nblue, 300"})
    )
    assert response.status_code == 302
    assert CompatibilityTable.objects.get(product=mug).rows == [["white", "250"], ["blue", "300"]]


def test_option_set_form_checks_kind_specific_fields(admin_client, mug):
    volume = OptionSet.objects.get(product=mug, code="volume")
    url = reverse("admin:products_optionset_change", args=[volume.pk])
    data = {
        "product": str(mug.pk),
        "code": "volume",
        "name": "Volume",
        "kind": "number",
        "position": "2",
        "help_text": "",
        "required": "on",
        "default": '"275"',
        "min_count": "0",
        "minimum": "250",
        "maximum": "500",
        "step": "50",
        "unit": "ml",
        "pattern": "",
        "price_delta": "0",
        "cost_delta": "0",
        "labour_minutes": "0",
        "level": "standard",
        **management_form("options", 0, 0),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"default": ["275 is not one of 250, 300, ... 500"]}
    response = admin_client.post(url, {**data, "default": '"300"', "code": "2nd-volume"})
    assert "code" in response.context["adminform"].form.errors
    response = admin_client.post(url, {**data, "default": '"300"'})
    assert response.status_code == 302


def test_publish_action_publishes_and_reports_errors(admin_client, mug):
    broken = product_import(document=small_document(code="broken"))
    Rule.objects.filter(product=broken).update(require="'lid' in colour")
    url = reverse("admin:products_product_changelist")
    response = admin_client.post(
        url, {"action": "publish", "_selected_action": [mug.pk, broken.pk]}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "mug: version 1 is published." in messages
    assert any(
        message.startswith("broken: The draft cannot be published: rules[0].require") for message in messages
    )
    assert ProductVersion.objects.filter(product=mug).count() == 1
    assert not ProductVersion.objects.filter(product=broken).exists()


def test_versions_are_read_only_in_the_admin(admin_client, mug):
    version = product_import(document=small_document(), publish=True).current_version
    url = reverse("admin:products_productversion_change", args=[version.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Explanations precomputed" in response.content.decode()
    listing = admin_client.get(reverse("admin:products_productversion_changelist")).content.decode()
    assert "Explanations precomputed in " in listing
    assert admin_client.post(url, {"number": "9"}).status_code == 403
    assert admin_client.get(reverse("admin:products_productversion_add")).status_code == 403


def test_price_rule_conditions_are_checked_on_the_form(admin_client, mug):
    url = reverse("admin:products_product_change", args=[mug.pk])
    data = product_form_data(mug)
    data.update(management_form("price_rules", 1, 0))
    data.update(
        {
            "price_rules-0-product": str(mug.pk),
            "price_rules-0-code": "blue",
            "price_rules-0-label": "Blue",
            "price_rules-0-when": "colour == 'bleu'",
            "price_rules-0-amount": "2",
            "price_rules-0-position": "0",
        }
    )
    response = admin_client.post(url, data)
    errors = response.context["inline_admin_formsets"][4].formset.errors
    assert errors[0] == {"when": ["Column 11: 'bleu' is not a value of colour (did you mean 'blue'?)"]}
    data.update({"price_rules-0-when": "colour == 'blue'", "price_rules-0-percent": "5"})
    errors = admin_client.post(url, data).context["inline_admin_formsets"][4].formset.errors
    assert errors[0] == {"__all__": ["Give either an amount or a percent."]}
    data.pop("price_rules-0-percent")
    assert admin_client.post(url, data).status_code == 302
    assert mug.price_rules.get().when == "colour == 'blue'"


def test_the_site_wide_cost_model_is_one_page(admin_client):
    response = admin_client.get(reverse("admin:products_sitecostmodel_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:products_sitecostmodel_change", args=[1])
    assert admin_client.get(response.url).status_code == 200
