"""Saved configurations: the API the configurator page saves through, and the Saved page."""

from __future__ import annotations

import pytest

from configurator.storefront.models import SavedConfiguration

pytestmark = pytest.mark.django_db

URL = "/api/saved-configurations/"


def test_save_list_replace_and_delete(customer_client, demo_catalogue):
    body = {"product": "city-bike", "name": "Commuter", "selections": {"frame": "steel"}, "quantity": 2}
    created = customer_client.post(URL, body, format="json")
    assert created.status_code == 201
    data = created.json()
    assert data["version"] == 1 and data["link"] == "/products/city-bike/?-version=1&-quantity=2&frame=steel"
    replaced = customer_client.post(URL, {**body, "selections": {"frame": "alu"}}, format="json")
    assert replaced.status_code == 200 and replaced.json()["id"] == data["id"]
    listed = customer_client.get(URL).json()
    assert [item["selections"] for item in listed["results"]] == [{"frame": "alu"}]
    assert customer_client.delete(f"{URL}{data['id']}/").status_code == 204
    assert customer_client.delete(f"{URL}{data['id']}/").status_code == 404


def test_unknown_values_and_blank_names_are_refused_by_field(customer_client, demo_catalogue):
    bad_value = customer_client.post(
        URL, {"product": "city-bike", "name": "x", "selections": {"frame": "titanium"}}, format="json"
    )
    assert bad_value.status_code == 400 and "selections.frame" in bad_value.json()["fields"]
    blank = customer_client.post(URL, {"product": "city-bike", "name": "  ", "selections": {}}, format="json")
    assert blank.status_code == 400 and "name" in blank.json()["fields"]
    assert not SavedConfiguration.objects.exists()


def test_others_cannot_see_or_delete_them(customer_client, api_client, demo_catalogue):
    saved = customer_client.post(
        URL, {"product": "city-bike", "name": "Mine", "selections": {}}, format="json"
    ).json()
    assert api_client.get(URL).status_code == 401
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    assert api_client.get(URL).json()["results"] == []
    assert api_client.delete(f"{URL}{saved['id']}/").status_code == 404


def test_saved_page_lists_and_deletes(client, customer, customer_client, demo_catalogue):
    saved = customer_client.post(
        URL, {"product": "city-bike", "name": "Weekend", "selections": {"colour": "white"}}, format="json"
    ).json()
    client.force_login(customer)
    html = client.get("/saved/").content.decode()
    assert "Weekend" in html and "/products/city-bike/?-version=1&amp;colour=white" in html
    assert client.post(f"/saved/{saved['id']}/delete").status_code == 302
    assert not SavedConfiguration.objects.exists()
