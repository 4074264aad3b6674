"""Bad input answers with a field-level message and changes nothing."""

import pytest

from conftest import api_as
from customers.models import Customer
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _payload(territory, manager, **overrides):
    data = {
        "code": "430100009999", "name": "新开便利店", "license_no": "430100009999",
        "owner": "赵六", "phone": "13912345678", "address": "长沙市五一大道1号",
        "territory": territory.pk, "manager": manager.pk, "network": "urban",
        "business_format": "convenience", "order_weekday": 3, "status": "active",
        "order_channel": "phone", "settlement_method": "electronic", "delivery_method": "door",
    }
    data.update(overrides)
    return data


def test_supervisor_creates_store_via_api(supervisor, territory, manager):
    response = api_as(supervisor).post("/api/customers/", _payload(territory, manager),
                                       format="json")
    assert response.status_code == 201, response.json()
    created = Customer.objects.get(code="430100009999")
    assert created.name_initials == "xkbld"
    assert created.history.first().history_user == supervisor


@pytest.mark.parametrize("field, value, message_part", [
    ("phone", "12345", "11"),
    ("latitude", "95.5", "90"),
    ("longitude", "-181", "180"),
    ("license_no", "43AB", "12"),
    ("order_weekday", 8, "8"),
])
def test_api_rejects_bad_field(supervisor, territory, manager, field, value, message_part):
    response = api_as(supervisor).post(
        "/api/customers/", _payload(territory, manager, **{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert message_part in " ".join(response.json()[field])
    assert not Customer.objects.filter(code="430100009999").exists()


def test_duplicate_licence_is_refused_by_api_and_form(supervisor, territory, manager, store,
                                                      client):
    payload = _payload(territory, manager, license_no=store.license_no)
    response = api_as(supervisor).post("/api/customers/", payload, format="json")
    assert response.status_code == 400
    assert "license_no" in response.json()
    client.force_login(supervisor)
    form_response = client.post("/customers/new/", payload)
    assert form_response.status_code == 200
    assert form_response.context["form"].errors["license_no"]
    assert Customer.objects.count() == 1


def test_unknown_or_foreign_territory_is_refused(supervisor, manager, far_territory,
                                                 territory):
    payload = _payload(far_territory, manager)
    response = api_as(supervisor).post("/api/customers/", payload, format="json")
    assert response.status_code == 400
    assert "territory" in response.json()
    assert not Customer.objects.exists()


def test_form_edit_with_bad_phone_changes_nothing(client, manager, store):
    client.force_login(manager)
    page = client.get(f"/customers/{store.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(phone="999")
    response = client.post(f"/customers/{store.pk}/edit/", data)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    store.refresh_from_db()
    assert store.phone != "999"
    assert store.history.count() == 1


def test_manager_edits_phone_and_history_records_it(client, manager, store):
    client.force_login(manager)
    page = client.get(f"/customers/{store.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    old_phone = store.phone
    data.update(phone="0731-84561234")
    response = client.post(f"/customers/{store.pk}/edit/", data)
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.phone == "0731-84561234"
    latest = store.history.first()
    assert latest.history_user == manager
    assert latest.prev_record.phone == old_phone


def test_manager_cannot_change_assignment_fields_by_api(manager, store, other_territory):
    response = api_as(manager).patch(f"/api/customers/{store.pk}/",
                                     {"territory": other_territory.pk}, format="json")
    assert response.status_code == 400
    store.refresh_from_db()
    assert store.territory.code == "T01"


def test_search_by_pinyin_initials_code_and_phone(client, admin_user, territory):
    target = CustomerFactory(territory=territory, name="金叶烟酒店", phone="13700001111")
    CustomerFactory(territory=territory, name="百利达便利店")
    client.force_login(admin_user)
    for query in ["jyy", target.code, "0001111", "金叶"]:
        found = list(client.get("/customers/", {"q": query}).context["page_obj"])
        assert found == [target], query
