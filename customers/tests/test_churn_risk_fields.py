"""The churn risk on the customer API and list: fields, sorting, filtering, scoping
(issue 12)."""

import datetime

import pytest

from conftest import api_as
from customers.models import Customer
from customers.tests.factories import CustomerFactory

AS_OF = datetime.date(2026, 11, 20)


def _risks(territory, manager, values):
    stores = []
    for number, risk in enumerate(values):
        store = CustomerFactory(territory=territory, manager=manager, code=f"R{number:03d}")
        Customer.objects.filter(pk=store.pk).update(
            churn_risk=risk, churn_risk_as_of=AS_OF if risk is not None else None)
        stores.append(store)
    return stores


def test_the_api_gives_the_risk_and_its_date_on_list_and_detail(db, territory, manager):
    high, unscored = _risks(territory, manager, [81, None])
    api = api_as(manager)
    row = api.get(f"/api/customers/{high.pk}/").json()
    assert row["churn_risk"] == 81 and row["churn_risk_as_of"] == "2026-11-20"
    rows = {r["code"]: r for r in api.get("/api/customers/").json()["results"]}
    assert rows[unscored.code]["churn_risk"] is None
    assert rows[unscored.code]["churn_risk_as_of"] is None


def test_the_risk_cannot_be_written_through_the_api(db, territory, manager, admin_user):
    (store,) = _risks(territory, manager, [12])
    api_as(admin_user).patch(f"/api/customers/{store.pk}/", {"churn_risk": 99},
                             format="json")
    store.refresh_from_db()
    assert store.churn_risk == 12


def test_the_api_sorts_by_risk_with_the_unscored_last(db, territory, manager):
    _risks(territory, manager, [20, None, 90, 55])
    api = api_as(manager)
    down = [r["churn_risk"] for r in api.get("/api/customers/?ordering=-churn_risk")
            .json()["results"]]
    assert down == [90, 55, 20, None]
    up = [r["churn_risk"] for r in api.get("/api/customers/?ordering=churn_risk")
          .json()["results"]]
    assert up == [20, 55, 90, None]


def test_the_api_filters_by_risk(db, territory, manager):
    _risks(territory, manager, [20, None, 90, 55])
    api = api_as(manager)
    rows = api.get("/api/customers/?churn_risk_min=55&ordering=-churn_risk").json()["results"]
    assert [r["churn_risk"] for r in rows] == [90, 55]
    rows = api.get("/api/customers/?churn_risk_max=55&ordering=churn_risk").json()["results"]
    assert [r["churn_risk"] for r in rows] == [20, 55]


@pytest.mark.parametrize("value", ["abc", "101", "-1"])
def test_a_bad_risk_filter_is_a_field_error(db, manager, value):
    response = api_as(manager).get(f"/api/customers/?churn_risk_min={value}")
    assert response.status_code == 400
    assert "churn_risk_min" in response.json()


@pytest.mark.parametrize("persona, sees", [
    ("manager", {"R000"}), ("other_manager", {"R100"}), ("clerk", {"R000"}),
    ("supervisor", {"R000", "R100"}), ("other_supervisor", set()),
    ("admin", {"R000", "R100"}),
])
def test_the_risk_filter_stays_within_the_user_s_stores(db, personas, persona, sees,
                                                          territory, other_territory,
                                                          manager, other_manager):
    for code, terr, owner in (("R000", territory, manager),
                              ("R100", other_territory, other_manager)):
        store = CustomerFactory(territory=terr, manager=owner, code=code)
        Customer.objects.filter(pk=store.pk).update(churn_risk=80, churn_risk_as_of=AS_OF)
    api = api_as(personas[persona])
    rows = api.get("/api/customers/?churn_risk_min=50").json()["results"]
    assert {r["code"] for r in rows} == sees
    other = Customer.objects.get(code="R100")
    expected = 200 if "R100" in sees else 404
    assert api.get(f"/api/customers/{other.pk}/").status_code == expected


def test_the_list_page_sorts_and_filters_by_risk(db, client, territory, manager):
    _risks(territory, manager, [20, None, 90, 55])
    client.force_login(manager)
    page = client.get("/customers/?sort=-churn_risk&churn_risk_min=50").content.decode()
    assert page.index("R002") < page.index("R003")
    assert "R000" not in page and "R001" not in page
    assert "流失风险 90%" in page
