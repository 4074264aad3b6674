"""Who sees which stores: by page, by API, by export. Outside scope is a 404, not a 403."""

import io

import pytest
from openpyxl import load_workbook

from conftest import api_as
from customers.models import Customer
from customers.selectors import customers_visible_to

pytestmark = pytest.mark.django_db

# persona -> which of (store in T01 of manager, other_store in T02 of other_manager) it sees
EXPECTED = {
    "manager": {"store"},
    "other_manager": {"other_store"},
    "clerk": {"store"},  # clerk works T01 only
    "supervisor": {"store", "other_store"},  # same department
    "other_supervisor": set(),
    "admin": {"store", "other_store"},
}


@pytest.fixture
def stores(store, other_store):
    return {"store": store, "other_store": other_store}


@pytest.mark.parametrize("persona", EXPECTED)
def test_scope_by_role(persona, personas, stores):
    seen = set(customers_visible_to(personas[persona]))
    assert seen == {stores[name] for name in EXPECTED[persona]}


@pytest.mark.parametrize("persona", EXPECTED)
def test_list_page_detail_page_and_api_follow_scope(persona, personas, stores, client):
    user = personas[persona]
    client.force_login(user)
    api = api_as(user)
    listed = {c.pk for c in client.get("/customers/").context["page_obj"]}
    api_listed = {row["id"] for row in api.get("/api/customers/").json()["results"]}
    expected = {stores[name].pk for name in EXPECTED[persona]}
    assert listed == expected
    assert api_listed == expected
    for name, customer in stores.items():
        want = 200 if name in EXPECTED[persona] else 404
        assert client.get(f"/customers/{customer.pk}/").status_code == want
        assert api.get(f"/api/customers/{customer.pk}/").status_code == want
        assert client.get(f"/customers/{customer.pk}/history/").status_code == want


def _exported_codes(content: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("persona", ["manager", "other_manager", "other_supervisor"])
def test_export_is_scoped_like_the_list(persona, personas, stores, client):
    client.force_login(personas[persona])
    response = client.get("/customers/export.xlsx")
    assert response.status_code == 200
    codes = _exported_codes(b"".join(response.streaming_content))
    assert codes == {stores[name].code for name in EXPECTED[persona]}
    api_response = api_as(personas[persona]).get("/api/customers/export/")
    assert _exported_codes(b"".join(api_response.streaming_content)) == codes


def test_export_keeps_filters(client, admin_user, store, other_store):
    client.force_login(admin_user)
    response = client.get("/customers/export.xlsx", {"q": other_store.name})
    assert _exported_codes(b"".join(response.streaming_content)) == {other_store.code}


def test_export_speaks_the_users_language(client, admin_user, store):
    client.force_login(admin_user)
    response = client.get("/customers/export.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
                .iter_rows(values_only=True))
    assert rows[0][:2] == ("客户编码", "店名")
    assert rows[1][8:11] == ("城网", "便利店", "周二")


def test_manager_cannot_edit_another_managers_store(client, manager, other_store):
    client.force_login(manager)
    before = Customer.objects.get(pk=other_store.pk).phone
    assert client.get(f"/customers/{other_store.pk}/edit/").status_code == 404
    response = client.post(f"/customers/{other_store.pk}/edit/", {"phone": "13800000000"})
    assert response.status_code == 404
    api_response = api_as(manager).patch(f"/api/customers/{other_store.pk}/",
                                         {"phone": "13800000000"}, format="json")
    assert api_response.status_code == 404
    assert Customer.objects.get(pk=other_store.pk).phone == before


def test_anonymous_gets_login_page_and_401(client, store):
    assert client.get("/customers/").status_code == 302
    assert api_as(None).get("/api/customers/").status_code == 401


@pytest.mark.parametrize("persona", ["manager", "clerk", "supervisor"])
def test_only_admin_reassigns_a_store(persona, personas, store, other_manager):
    response = api_as(personas[persona]).post(f"/api/customers/{store.pk}/reassign/",
                                              {"manager": other_manager.pk}, format="json")
    assert response.status_code == 403
    assert Customer.objects.get(pk=store.pk).manager == personas["manager"]


def test_admin_reassigns_and_history_keeps_previous_manager(admin_user, store, manager,
                                                            other_manager):
    response = api_as(admin_user).post(f"/api/customers/{store.pk}/reassign/",
                                       {"manager": other_manager.pk, "reason": "片区调整"},
                                       format="json")
    assert response.status_code == 200
    store.refresh_from_db()
    assert store.manager == other_manager
    history = api_as(admin_user).get(f"/api/customers/{store.pk}/history/").json()
    latest = history[0]
    assert latest["who"] == admin_user.username
    assert latest["reason"] == "片区调整"
    assert [(c["old"], c["new"]) for c in latest["changes"]] == [
        (str(manager), str(other_manager))
    ]


def test_only_administrators_reach_the_django_admin(client, personas, store, other_store):
    from customers.services import user_set_role

    for name, user in personas.items():
        user_set_role(user=user, role=user.role)
        client.force_login(user)
        response = client.get("/admin/customers/customer/")
        if name == "admin":
            assert response.status_code == 200
            assert {c.pk for c in response.context["cl"].queryset} == {store.pk, other_store.pk}
        else:
            assert response.status_code == 302, name
