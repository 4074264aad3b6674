"""The rollup (reports.SalesRollup) answers department- and company-wide reports with
exactly the figures of the per-store summary, and stays equal to a rebuild from scratch
after every incremental change."""

from datetime import date
from decimal import Decimal

import pytest

from reports import selectors, services
from reports.forms import SALES_GROUPS, sales_query
from reports.models import RollupLevel, SalesRollup

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def _rollup() -> dict:
    return {tuple(getattr(row, name) for name in services._ROLLUP_KEY):
            (row.cartons, row.amount, row.stores) for row in SalesRollup.objects.all()}


def test_incremental_changes_leave_the_rollup_equal_to_a_rebuild(mixed_sales):
    incremental = _rollup()

    services.sales_summary_rebuild()

    assert incremental == _rollup()
    owner = SalesRollup.objects.filter(level=RollupLevel.OWNER, month=date(2026, 10, 1))
    assert sum(row.stores for row in owner) == 4
    assert sum(row.amount for row in owner) == Decimal("3727.50")


FILTERS = [{}, {"brand": "红双喜"}, {"price_band": "2"}, {"brand": "红双喜", "price_band": "3"},
           {"network": "rural"}, {"business_format": "supermarket"}]


@pytest.mark.parametrize("persona", ["admin", "supervisor", "other_supervisor", "clerk"])
@pytest.mark.parametrize("group_by", list(SALES_GROUPS))
def test_the_rollup_gives_the_per_store_figures(mixed_sales, personas, persona, group_by,
                                                territory, monkeypatch):
    user = personas[persona]
    answers = []
    for month in ("2026-09", "2026-10"):
        for filters in [*FILTERS, {"territory": str(territory.pk)}]:
            query = sales_query({"group_by": group_by, "from": month, "to": month, **filters},
                                today=TODAY)
            answers.append((query, selectors.sales_rows(user=user, query=query),
                            selectors.sales_total(user=user, query=query),
                            selectors.rollup_level(user=user, query=query)))
    # Several months, grouped by month: each month's stores are exact too.
    query = sales_query({"group_by": "month", "from": "2026-09", "to": "2026-10"},
                        today=TODAY)
    answers.append((query, selectors.sales_rows(user=user, query=query), None,
                    selectors.rollup_level(user=user, query=query)))
    assert any(level is not None for *_, level in answers)

    monkeypatch.setattr(selectors, "rollup_level", lambda **kwargs: None)
    for query, rows, total, _level in answers:
        assert rows == selectors.sales_rows(user=user, query=query), query
        if total is not None:
            assert total == selectors.sales_total(user=user, query=query), query


def test_several_months_count_the_average_stores_per_month(mixed_sales, admin_user):
    query = sales_query({"group_by": "territory", "from": "2026-09", "to": "2026-10"},
                        today=TODAY)

    rows = {row["label"]: row["stores"] for row in selectors.sales_rows(user=admin_user,
                                                                       query=query)}

    # T01: 2 stores in September and 2 in October; T02: 1 in October; T09: 1 in October.
    assert rows == {"越秀一片": 2, "越秀二片": 1, "从化片": 1}
    assert selectors.sales_total(user=admin_user, query=query)["stores"] == 3  # (2 + 4) / 2


def test_a_manager_and_the_store_level_read_the_per_store_table(mixed_sales, manager,
                                                                 admin_user):
    by_brand = sales_query({"group_by": "brand", "manager": str(manager.pk)}, today=TODAY)
    stores = sales_query({"group_by": "store"}, today=TODAY, allow_stores=True)

    assert selectors.rollup_level(user=manager, query=by_brand) is None
    assert selectors.rollup_level(user=admin_user, query=by_brand) is None
    assert selectors.rollup_level(user=admin_user, query=stores) is None
    assert selectors.sales_total(user=manager, query=by_brand)["stores"] == 2  # distinct


def _daily_from_lines() -> dict:
    from django.db.models import Count, Sum

    from phone_orders.models import OrderLine, OrderStatus

    rows = (OrderLine.objects.filter(order__status=OrderStatus.CONFIRMED)
            .values("order__order_date")
            .annotate(cartons=Sum("granted_cartons"), amount=Sum("amount"),
                      orders=Count("order", distinct=True)).order_by())
    return {r["order__order_date"]: (r["cartons"], r["amount"], r["orders"]) for r in rows}


def _daily() -> dict:
    from django.db.models import Sum

    from reports.models import SalesDaily

    rows = SalesDaily.objects.values("day").annotate(
        cartons=Sum("cartons"), amount=Sum("amount"), orders=Sum("orders")).order_by()
    return {r["day"]: (r["cartons"], r["amount"], r["orders"]) for r in rows}


def test_the_daily_sums_follow_imports_cancels_and_a_rebuild(
        mixed_sales, clerk, store, sku, django_capture_on_commit_callbacks):
    from phone_orders import services as order_services
    from reports.models import SalesDaily

    assert _daily() == _daily_from_lines()
    assert SalesDaily.objects.get(day=date(2026, 10, 8)).territory_id == \
        mixed_sales["far_store"].territory_id

    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.order_open(user=clerk, customer=store)
        order = order_services.order_set_line(user=clerk, order=order, product=sku, cartons=2)
        order = order_services.order_confirm(user=clerk, order=order)
    assert _daily() == _daily_from_lines()
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_cancel(user=clerk, order=order, reason="不要了")
    assert _daily() == _daily_from_lines()

    incremental = set(SalesDaily.objects.values_list(
        "day", "department_id", "territory_id", "manager_id", "cartons", "amount", "orders"))
    services.sales_summary_rebuild()
    assert incremental == set(SalesDaily.objects.values_list(
        "day", "department_id", "territory_id", "manager_id", "cartons", "amount", "orders"))
