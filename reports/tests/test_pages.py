"""The report pages: every role gets its own figures, drill-downs lead to the stores, and
each table exports to Excel exactly as shown."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from openpyxl import load_workbook

from customers.models import GradeSnapshot
from customers.tests.grading_factories import GradeChangeFactory
from reports.tests.test_api import _orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(store, other_store, sku):
    _orders((store.pk, date(2025, 10, 6), sku.pk, 1, "217.50"),
            (store.pk, date(2026, 9, 8), sku.pk, 2, "435.00"),
            (store.pk, date(2026, 10, 6), sku.pk, 4, "870.00"),
            (other_store.pk, date(2026, 10, 7), sku.pk, 1, "217.50"))


def _xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_every_role_opens_the_report_pages(client, personas, sales):
    for name, user in personas.items():
        client.force_login(user)
        for path in ("/", "/reports/sales/", "/reports/sales/?group_by=territory",
                     "/reports/grades/"):
            assert client.get(path).status_code == 200, (name, path)


def test_sales_by_month_shows_month_on_month_and_year_on_year(client, manager, sales):
    client.force_login(manager)

    page = client.get("/reports/sales/", {"from": "2026-09", "to": "2026-10"})

    rows = page.context["analysis"]["rows"]
    assert [(f"{r['key']:%Y-%m}", r["amount"], r["mom"], r["last_year_amount"], r["yoy"])
            for r in rows] == [
        ("2026-09", Decimal("435.00"), None, None, None),
        ("2026-10", Decimal("870.00"), Decimal("100.0"), Decimal("217.50"), Decimal("300.0")),
    ]
    assert "?group_by=territory&from=2026-10&to=2026-10" in rows[1]["url"]


def test_drill_down_goes_territory_manager_store(client, supervisor, sales, territory, manager,
                                                 store):
    client.force_login(supervisor)
    by_territory = client.get("/reports/sales/", {"group_by": "territory", "from": "2026-10",
                                                  "to": "2026-10"}).context["analysis"]
    t01 = next(r for r in by_territory["rows"] if r["key"] == territory.pk)

    by_manager = client.get("/reports/sales/" + t01["url"]).context["analysis"]
    assert [r["key"] for r in by_manager["rows"]] == [manager.pk]

    by_store = client.get("/reports/sales/" + by_manager["rows"][0]["url"]).context["analysis"]
    assert [(r["key"], r["amount"]) for r in by_store["rows"]] == [(store.pk, Decimal("870.00"))]
    assert by_store["rows"][0]["url"] == f"/customers/{store.pk}/"


def test_sales_export_is_the_table_as_shown(client, supervisor, sales):
    client.force_login(supervisor)

    response = client.get("/reports/sales/export.xlsx", {"group_by": "territory",
                                                         "from": "2026-10", "to": "2026-10"})

    rows = _xlsx(response)
    assert rows[0][:5] == ["片区", "条数", "金额（元）", "条均价", "客户数"]
    assert [row[:5] for row in rows[1:]] == [
        ["越秀一片", 4, 870.0, 217.5, 1],
        ["越秀二片", 1, 217.5, 217.5, 1],
        ["合计", 5, 1087.5, 217.5, 2],
    ]


def test_a_bad_query_on_the_page_shows_a_message_and_the_default(client, manager):
    client.force_login(manager)

    page = client.get("/reports/sales/", {"from": "2026-10", "to": "2026-01"})

    assert page.status_code == 200
    assert "晚于" in page.content.decode()
    assert page.context["query"].group_by == "month"


def test_grades_page_tables_and_exports(client, supervisor, store, other_store):
    for month, customer, grade in [(date(2026, 11, 1), store, "A"),
                                   (date(2026, 11, 1), other_store, "B"),
                                   (date(2026, 10, 1), store, "B")]:
        GradeSnapshot.objects.create(customer=customer, month=month, as_of=month, grade=grade,
                                     monthly_average=Decimal("100.00"), rank=1,
                                     cumulative_share=Decimal("0"), window_months=3,
                                     counted_months=3, method="cumulative_share")
    GradeChangeFactory(customer=store, old_grade="B", new_grade="A")
    client.force_login(supervisor)

    page = client.get("/reports/grades/", {"month": "2026-11"})

    formats = page.context["report"]["formats"]
    assert [(r["label"], r["counts"]) for r in formats["rows"]] == [
        ("便利店", {"A": 1, "B": 1, "C": 0})]
    groups = page.context["report"]["by_group"]
    t01 = next(r for r in groups["rows"] if r["key"] == store.territory_id)
    assert (t01["counts"], t01["previous"]["counts"]) == ({"A": 1, "B": 0, "C": 0},
                                                          {"A": 0, "B": 1, "C": 0})
    assert [change.customer_id for change in page.context["page_obj"]] == [store.pk]
    exported = _xlsx(client.get("/reports/grades/export-formats.xlsx", {"month": "2026-11"}))
    assert exported[1][:5] == ["便利店", 1, 1, 0, 2]
    changes = _xlsx(client.get("/reports/grades/export-changes.xlsx", {"month": "2026-11"}))
    assert [row[0] for row in changes[1:]] == [store.code]


def test_home_shows_the_morning_view(client, supervisor, store, sku):
    from django.utils import timezone

    _orders((store.pk, timezone.localdate(), sku.pk, 2, "435.00"))
    client.force_login(supervisor)

    page = client.get("/")

    assert page.context["morning"]["month_to_date"]["amount"] == Decimal("435.00")
    assert "¥435.00" in page.content.decode()


def test_echarts_is_served_from_our_static_files():
    assert finders.find("vendor/echarts/echarts.esm.min.js")
    assert finders.find("js/reports.js")


def test_morning_tables_export_as_shown(client, supervisor, clerk, store, sku):
    client.force_login(supervisor)

    ordering = _xlsx(client.get("/reports/morning/export-ordering.xlsx"))
    scarce = client.get("/reports/morning/export-scarce.xlsx")

    assert ordering[0] == ["订货员", "应拨打客户", "已拨打", "已订货", "无人接听", "约定回拨"]
    assert ordering[1][0] == clerk.get_full_name()
    assert scarce.status_code == 200
    assert client.get("/reports/morning/export-secrets.xlsx").status_code == 404


def test_the_morning_page_lists_those_with_most_to_do_first_and_says_how_many_in_all(
        client, supervisor, manager, other_manager, clerk, monkeypatch):
    from reports import selectors

    rows = selectors.morning_page_rows({
        "ordering": [{"clerk": {"id": 1, "name": "甲"}, "to_call": 10, "called": 9},
                     {"clerk": {"id": 2, "name": "乙"}, "to_call": 10, "called": 2}],
        "visits": [{"manager": {"id": 3, "name": "丙"}, "missed": 0, "planned": 5},
                   {"manager": {"id": 4, "name": "丁"}, "missed": 3, "planned": 5}]})
    assert [row["clerk"]["name"] for row in rows["ordering"]] == ["乙", "甲"]
    assert [row["manager"]["name"] for row in rows["visits"]] == ["丁", "丙"]

    monkeypatch.setattr(selectors, "MORNING_PAGE_ROWS", 1)
    client.force_login(supervisor)
    page = client.get("/").content.decode()
    # Two managers in the department, one shown; the export keeps both.
    assert page.count('href="/visits/stats/?manager=') == 1
    assert "此处列出漏访最多的 1 名" in page and "共 2 名客户经理" in page
    export = client.get("/reports/morning/export-visits.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.max_row == 3  # the header and both managers
