from datetime import date
from decimal import Decimal

import pytest

from reports.models import SalesMonthly
from reports.selectors import home_figures

pytestmark = pytest.mark.django_db


def _sold(store, month, amount, *, manager=None):
    SalesMonthly.objects.create(
        month=month, customer=store, department=store.territory.department,
        territory=store.territory, manager=manager or store.manager, brand="芙蓉王",
        price_band=1, amount=Decimal(amount), cartons=12, orders=4)


def test_home_figures_count_only_the_users_stores(manager, store, other_store):
    _sold(store, date(2026, 10, 1), "1234.50")
    _sold(other_store, date(2026, 10, 1), "999.00")
    _sold(store, date(2026, 9, 1), "500.00", manager=other_store.manager)  # held by another
    figures = home_figures(user=manager, today=date(2026, 11, 23))
    assert figures["total"] == 1
    assert figures["last_month_amount"] == Decimal("1234.50")
    assert [row["amount"] for row in figures["series"]][-2:] == [0, Decimal("1234.50")]
    assert figures["ordering_today"] == 0  # store orders on Tuesday, the 23rd is a Monday


def test_home_trend_above_a_manager_is_read_from_the_rollup(supervisor, admin_user, store,
                                                           other_store, far_territory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.tests.factories import CustomerFactory
    from reports import services

    _sold(store, date(2026, 10, 1), "1234.50")
    _sold(other_store, date(2026, 10, 1), "999.00")
    _sold(CustomerFactory(territory=far_territory), date(2026, 10, 1), "5000.00")
    with connection.cursor() as cursor:
        services._rollup_whole_months(cursor, services._params([date(2026, 10, 1)], None))
    with CaptureQueriesContext(connection) as queries:
        figures = home_figures(user=supervisor, today=date(2026, 11, 23))
    assert figures["last_month_amount"] == Decimal("2233.50")
    assert not any(SalesMonthly._meta.db_table in q["sql"] or "monthlypurchase" in q["sql"]
                   for q in queries.captured_queries)
    assert home_figures(user=admin_user, today=date(2026, 11, 23))["last_month_amount"] == \
        Decimal("7233.50")


def test_home_page_renders_for_every_role(client, personas, store):
    for user in personas.values():
        client.force_login(user)
        assert client.get("/").status_code == 200


def test_wide_scopes_store_counts_are_kept_for_a_while_a_managers_are_live(
        settings, client, admin_user, manager, store, territory):
    from django.core.cache import cache
    from django.utils import timezone

    from customers.tests.factories import CustomerFactory
    from reports.selectors import store_counts

    settings.CRM_HOME_COUNTS_SECONDS = 300
    today = date(2026, 11, 23)
    cache.delete(f"reports:store-counts:all:{today.isoformat()}")
    try:
        first = store_counts(user=admin_user, today=today)
        CustomerFactory(territory=territory, manager=manager)

        again = store_counts(user=admin_user, today=today)
        mine = store_counts(user=manager, today=today)

        assert first["counted_at"] is not None
        assert again == first  # the company's counts of a few minutes ago
        assert (mine["total"], mine["counted_at"]) == (2, None)  # a manager's: now
        settings.CRM_HOME_COUNTS_SECONDS = 0
        assert store_counts(user=admin_user, today=today)["total"] == first["total"] + 1
        client.force_login(admin_user)
        assert "统计于" not in client.get("/").content.decode()
        settings.CRM_HOME_COUNTS_SECONDS = 300
        assert "统计于" in client.get("/").content.decode()
    finally:
        for day in (today, timezone.localdate()):
            cache.delete(f"reports:store-counts:all:{day.isoformat()}")
