"""The network tables of the grades page: stores by status, monthly churn, Pareto."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import CustomerStatus
from reports import selectors

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


def _by_label(rows, *fields):
    return {row["label"]: tuple(row[field] for field in fields) for row in rows}


def test_churn_counts_the_stores_that_stopped_buying(mixed_sales, admin_user, supervisor):
    october = selectors.churn_rates(user=admin_user, group_by="territory", month=OCTOBER)
    november = selectors.churn_rates(user=admin_user, group_by="territory", month=NOVEMBER)
    scoped = selectors.churn_rates(user=supervisor, group_by="territory", month=NOVEMBER)

    # September's two buyers of T01 bought again in October; nobody bought in November.
    assert _by_label(october, "active", "stopped", "rate") == {
        "越秀一片": (2, 0, Decimal("0.0"))}
    assert _by_label(november, "active", "stopped", "rate") == {
        "越秀一片": (2, 2, Decimal("100.0")), "越秀二片": (1, 1, Decimal("100.0")),
        "从化片": (1, 1, Decimal("100.0"))}
    assert set(_by_label(scoped)) == {"越秀一片", "越秀二片"}


def test_pareto_counts_the_largest_stores_making_80_per_cent(mixed_sales, admin_user,
                                                             manager, other_manager):
    september = {row["key"]: row for row in selectors.pareto_by_manager(
        user=admin_user, month=date(2026, 9, 1))}
    october = {row["key"]: row for row in selectors.pareto_by_manager(
        user=admin_user, month=OCTOBER)}

    # September: 480 + 240 yuan; the largest store alone is 67 %, so both are needed.
    assert (september[manager.pk]["stores"], september[manager.pk]["top_stores"]) == (2, 2)
    # October: 432.50 of 522.50 yuan (83 %) is one store of two.
    assert (october[manager.pk]["stores"], october[manager.pk]["amount"],
            october[manager.pk]["top_stores"], october[manager.pk]["top_share"]) == (
        2, Decimal("522.50"), 1, Decimal("50.0"))
    assert october[other_manager.pk]["top_stores"] == 1
    assert [row["key"] for row in selectors.pareto_by_manager(user=manager, month=OCTOBER)] \
        == [manager.pk]


def test_store_counts_by_status_and_new_in_the_month(mixed_sales, admin_user):
    twin = mixed_sales["twin"]
    twin.status = CustomerStatus.SUSPENDED
    twin.save()
    this_month = timezone.localdate().replace(day=1)

    rows = selectors.store_status_counts(user=admin_user, group_by="territory",
                                         month=this_month)
    before = selectors.store_status_counts(user=admin_user, group_by="territory",
                                           month=date(2020, 1, 1))

    assert _by_label(rows, "new", "active", "suspended", "closed")["越秀一片"] == (2, 1, 1, 0)
    assert _by_label(before, "new")["越秀一片"] == (0,)


def test_the_grades_page_shows_and_exports_the_network_tables(client, mixed_sales,
                                                              supervisor):
    from reports.tests.test_pages import _xlsx

    client.force_login(supervisor)
    page = client.get("/reports/grades/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="network-status"' in html and 'id="network-pareto"' in html
    for table in ("status", "churn", "pareto"):
        assert client.get(f"/reports/grades/export-{table}.xlsx").status_code == 200
    status = _xlsx(client.get("/reports/grades/export-status.xlsx"))
    assert status[0][:2] == ["分组", "本月新增"]
