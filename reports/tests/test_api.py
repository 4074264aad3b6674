"""The report API: figures from the summary, scoped by the month's owner, bad input a 400."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from conftest import api_as
from customers.models import GradeSnapshot
from customers.tests.factories import CustomerFactory
from customers.tests.grading_factories import GradeChangeFactory
from phone_orders.imports import load_rows
from phone_orders.models import PriceBand
from phone_orders.services import cycle_start_for
from phone_orders.tests.factories import ProductFactory
from reports.services import sales_summary_rebuild

pytestmark = pytest.mark.django_db


def _orders(*lines):
    frame = pd.DataFrame(lines, columns=["customer_id", "order_date", "product_id", "cartons",
                                         "amount"])
    frame["cycle_start"] = [cycle_start_for(day) for day in frame["order_date"]]
    load_rows(frame)
    sales_summary_rebuild()


@pytest.fixture
def sales(store, other_store, far_territory, sku):
    """Sept-Oct 2026: `store` (T01, mgr_owner) and `other_store` (T02, mgr_other) in
    department D01, and a store of D02."""
    cheap = ProductFactory(code="690088", brand="红双喜", wholesale_price=Decimal("45.00"),
                           price_band=3)
    far_store = CustomerFactory(territory=far_territory)
    _orders((store.pk, date(2026, 9, 8), sku.pk, 2, "435.00"),
            (store.pk, date(2026, 10, 6), sku.pk, 1, "217.50"),
            (store.pk, date(2026, 10, 6), cheap.pk, 3, "135.00"),
            (other_store.pk, date(2026, 10, 7), sku.pk, 4, "870.00"),
            (far_store.pk, date(2026, 10, 8), sku.pk, 10, "2175.00"))
    return far_store


def _get(user, path, **params):
    return api_as(user).get(path, params)


@pytest.mark.parametrize(("persona", "amounts"), [
    ("manager", {"2026-09": "435.00", "2026-10": "352.50"}),
    ("other_manager", {"2026-10": "870.00"}),
    ("clerk", {"2026-09": "435.00", "2026-10": "352.50"}),
    ("supervisor", {"2026-09": "435.00", "2026-10": "1222.50"}),
    ("other_supervisor", {"2026-10": "2175.00"}),
    ("admin", {"2026-09": "435.00", "2026-10": "3397.50"}),
])
def test_sales_by_month_are_scoped_to_the_user(sales, personas, persona, amounts):
    answer = _get(personas[persona], "/api/reports/sales/", group_by="month", **{
        "from": "2026-09", "to": "2026-10"})

    assert answer.status_code == 200
    assert {row["key"]: row["amount"] for row in answer.json()["rows"]} == amounts


def test_sales_rows_carry_cartons_amount_average_price_and_stores(sales, supervisor):
    answer = _get(supervisor, "/api/reports/sales/", group_by="territory",
                  **{"from": "2026-10", "to": "2026-10"})

    assert answer.json()["rows"] == [
        {"key": answer.json()["rows"][0]["key"], "label": "越秀二片", "cartons": 4,
         "amount": "870.00", "average_price": "217.50", "stores": 1},
        {"key": answer.json()["rows"][1]["key"], "label": "越秀一片", "cartons": 4,
         "amount": "352.50", "average_price": "88.13", "stores": 1},
    ]
    assert answer.json()["total"] == {"cartons": 8, "amount": "1222.50",
                                      "average_price": "152.81", "stores": 2}


def test_sales_by_brand_and_price_band_filtered_by_territory(sales, supervisor, territory):
    by_brand = _get(supervisor, "/api/reports/sales/", group_by="brand",
                    territory=territory.pk, **{"from": "2026-09", "to": "2026-10"}).json()
    by_band = _get(supervisor, "/api/reports/sales/", group_by="price_band", brand="红双喜",
                   **{"from": "2026-09", "to": "2026-10"}).json()

    assert [(r["key"], r["cartons"], r["stores"]) for r in by_brand["rows"]] == [
        ("芙蓉王", 3, 1), ("红双喜", 3, 1)]
    assert [(r["key"], r["label"], r["amount"]) for r in by_band["rows"]] == [
        (3, str(PriceBand.CLASS_3.label), "135.00")]


def test_sales_by_manager_department_format_and_network(sales, admin_user, manager):
    for group_by, first_key in [("manager", None), ("department", None),
                                ("business_format", "convenience"), ("network", "urban")]:
        rows = _get(admin_user, "/api/reports/sales/", group_by=group_by,
                    **{"from": "2026-10", "to": "2026-10"}).json()["rows"]
        assert sum(Decimal(r["amount"]) for r in rows) == Decimal("3397.50"), group_by
        if first_key:
            assert rows[0]["key"] == first_key
    managers = _get(manager, "/api/reports/sales/", group_by="manager").json()["rows"]
    assert [r["label"] for r in managers] == [manager.get_full_name() or manager.username]


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"group_by": "colour"}, "group_by", "colour"),
    ({"from": "2026-13"}, "from", "YYYY-MM"),
    ({"to": "26-01"}, "to", "YYYY-MM"),
    ({"from": "2026-10", "to": "2026-09"}, "from", "2026-10"),
    ({"from": "2023-01", "to": "2026-01"}, "to", "37"),
])
def test_bad_sales_queries_answer_400_with_a_clear_message(manager, params, field, words):
    answer = _get(manager, "/api/reports/sales/", **params)

    assert answer.status_code == 400
    assert words in answer.json()["detail"]
    assert answer.json()[field] == [answer.json()["detail"]]


def test_bad_input_messages_are_translated(manager):
    answer = api_as(manager).get("/api/reports/sales/", {"group_by": "colour"},
                                 HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.json()["detail"].startswith("未知的分组")


def test_36_months_are_allowed(manager):
    answer = _get(manager, "/api/reports/sales/", **{"from": "2023-11", "to": "2026-10"})

    assert answer.status_code == 200


def test_a_store_moved_to_another_manager_keeps_its_earlier_months_with_the_old_one(
        sales, store, manager, other_manager, admin_user):
    from datetime import datetime

    from customers.models import Customer
    from customers.services import customer_reassign

    Customer.history.model.objects.filter(id=store.pk).update(
        history_date=timezone.make_aware(datetime(2026, 1, 5)))
    customer_reassign(customer=store, manager=other_manager, user=admin_user)
    _orders((store.pk, timezone.localdate().replace(day=2), ProductFactory().pk, 1, "10.00"))

    old = _get(manager, "/api/reports/sales/", **{"from": "2026-09", "to": "2026-10"}).json()
    new = _get(other_manager, "/api/reports/sales/",
               **{"from": "2026-09", "to": f"{timezone.localdate():%Y-%m}"}).json()

    assert old["total"]["amount"] == "787.50"  # September and October stay with mgr_owner
    assert new["total"]["amount"] == "880.00"  # their own October and the moved store's new month


def test_grades_count_stores_per_grade_by_territory(store, other_store, supervisor):
    month = date(2026, 11, 1)
    for customer, grade in [(store, "A"), (other_store, "C")]:
        GradeSnapshot.objects.create(customer=customer, month=month, as_of=month, grade=grade,
                                     monthly_average=Decimal("100.00"), rank=1,
                                     cumulative_share=Decimal("0"), window_months=3,
                                     counted_months=3, method="cumulative_share")

    answer = _get(supervisor, "/api/reports/grades/", month="2026-11", group_by="territory")

    assert answer.status_code == 200
    body = answer.json()
    assert body["month"] == "2026-11"
    assert sorted((r["label"], r["counts"]["A"], r["counts"]["C"], r["total"])
                  for r in body["rows"]) == [("越秀一片", 1, 0, 1), ("越秀二片", 0, 1, 1)]
    assert body["total"]["counts"] == {"A": 1, "B": 0, "C": 1}
    assert _get(supervisor, "/api/reports/grades/", group_by="clerk").status_code == 400


def test_grade_changes_are_paginated_and_scoped(store, other_store, manager):
    GradeChangeFactory(customer=store)
    GradeChangeFactory(customer=other_store)
    GradeChangeFactory(customer=store, month=date(2026, 10, 1))

    answer = _get(manager, "/api/reports/grade-changes/", month="2026-11")

    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    row = answer.json()["results"][0]
    assert (row["customer"], row["old_grade"], row["new_grade"], row["direction"],
            row["customer_name"]) == (store.pk, "A", "B", "down", store.name)
    assert _get(manager, "/api/reports/grade-changes/", month="11-2026").status_code == 400


def test_morning_figures_answer_for_every_role(personas, store, sku):
    _orders((store.pk, timezone.localdate(), sku.pk, 2, "435.00"))
    for name, user in personas.items():
        answer = _get(user, "/api/reports/morning/")
        assert answer.status_code == 200, name
        expected = "435.00" if name in ("manager", "clerk", "supervisor", "admin") else "0.00"
        assert answer.json()["month_to_date"]["amount"] == expected, name


def test_anonymous_calls_are_refused(api_client):
    for path in ("sales", "grades", "grade-changes", "morning"):
        assert api_client.get(f"/api/reports/{path}/").status_code == 401


def test_the_store_level_lists_the_largest_stores(sales, admin_user, monkeypatch, store):
    from reports import forms, selectors

    monkeypatch.setattr(selectors, "STORE_ROWS", 1)
    query = forms.sales_query({"group_by": "store", "from": "2026-09", "to": "2026-10"},
                              today=date(2026, 11, 23), allow_stores=True)

    rows = selectors.sales_analysis(user=admin_user, query=query)["rows"]

    assert [(row["key"], row["amount"]) for row in rows] == [(sales.pk, Decimal("2175.00"))]
    assert _get(admin_user, "/api/reports/sales/", group_by="store").status_code == 400


def test_the_schema_documents_the_report_api(client, manager):
    client.force_login(manager)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    sales = schema["paths"]["/api/reports/sales/"]["get"]
    assert {p["name"] for p in sales["parameters"]} >= {"group_by", "from", "to", "territory",
                                                       "manager", "brand"}
    assert {"/api/reports/grades/", "/api/reports/grade-changes/",
            "/api/reports/morning/"} <= set(schema["paths"])
