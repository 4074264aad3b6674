"""The cockpit's key-account share of purchases, from the monthly summary (issue 16)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import api_as
from customers.tests.factories import CustomerFactory
from reports import services
from reports.models import RollupLevel, SalesMonthly, SalesRollup
from reports.selectors import _month_start, key_account_share

pytestmark = pytest.mark.django_db


def _sold(store, month, amount, brand="芙蓉王"):
    SalesMonthly.objects.create(
        month=month, customer=store, department=store.territory.department,
        territory=store.territory, manager=store.manager, brand=brand, price_band=1,
        amount=Decimal(amount), cartons=1, orders=1, key_account=store.is_key_account)


@pytest.fixture
def sales(store, other_store, far_territory):
    today = timezone.localdate()
    this, last = _month_start(today), _month_start(today, 1)
    store.is_key_account = True
    store.save(update_fields=["is_key_account"])
    far_key = CustomerFactory(territory=far_territory, is_key_account=True)
    _sold(store, this, "300")
    _sold(store, this, "100", brand="白沙")
    _sold(other_store, this, "600")
    _sold(store, last, "250")
    _sold(other_store, last, "750")
    _sold(far_key, this, "5000")  # another department
    # The rollup kept with the per-store rows, as the summary's refresh keeps it.
    with connection.cursor() as cursor:
        services._rollup_whole_months(cursor, services._params([this, last], None))
    return {"this": this, "last": last}


def test_share_is_scoped_and_read_from_the_summary(sales, supervisor, manager, other_manager,
                                                   admin_user):
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        share = key_account_share(user=supervisor, today=today)
    assert not any("phone_orders_orderline" in q["sql"] for q in queries.captured_queries)
    # Totals and key accounts' purchases both come from the rollup, never the per-store
    # rows (a supervisor's or admin's are millions at province scale).
    assert any(SalesRollup._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert not any(SalesMonthly._meta.db_table in q["sql"]
                   for q in queries.captured_queries)
    assert share["stores"] == 1
    assert share["this_month"]["share"] == Decimal("40.0")
    assert share["this_month"]["amount"] == Decimal("400")
    assert share["last_month"]["share"] == Decimal("25.0")

    assert key_account_share(user=manager, today=today)["this_month"]["share"] == Decimal("100.0")
    assert key_account_share(user=other_manager, today=today)["this_month"]["share"] == 0
    whole = key_account_share(user=admin_user, today=today)
    assert whole["stores"] == 2 and whole["this_month"]["amount"] == Decimal("5400")


def test_share_on_the_home_page_and_in_the_api(client, sales, personas, store):
    for name, user in personas.items():
        client.force_login(user)
        page = client.get("/").content.decode()
        assert page.count('id="key-account-share"') == (
            1 if name in ("supervisor", "other_supervisor", "admin") else 0), name
        figures = api_as(user).get("/api/reports/morning/").json()["key_accounts"]
        assert "share" in figures["this_month"], name
    client.force_login(personas["supervisor"])
    page = client.get("/").content.decode()
    assert "40.0 %" in page and "?key_account=true" in page
    listed = client.get("/customers/?key_account=true").content.decode()
    assert store.name in listed


def test_no_purchases_means_no_share(supervisor):
    share = key_account_share(user=supervisor, today=timezone.localdate())
    assert share["this_month"]["share"] is None and share["stores"] == 0


def test_a_decision_moves_the_store_in_and_out_of_the_summarys_key_accounts(
        mixed_sales, store, supervisor, admin_user):
    from customers.keyaccounts import key_account_decide
    from customers.models import KeyAccount

    def key_rollup():
        return dict(SalesRollup.objects.filter(level=RollupLevel.KEY_ACCOUNTS)
                    .values("month").annotate(amount=Sum("amount"), stores=Sum("stores"))
                    .values_list("month", "amount"))

    twin = mixed_sales["twin"]  # a key account when its orders were summarised
    assert key_rollup() == {date(2026, 9, 1): Decimal("240.00"),
                            date(2026, 10, 1): Decimal("90.00")}
    proposal = KeyAccount.objects.create(customer=store, month=date(2026, 11, 1))

    key_account_decide(key_account=proposal, user=supervisor, confirm=True)

    assert set(SalesMonthly.objects.filter(customer=store)
               .values_list("key_account", flat=True)) == {True}
    # September: 435 + 45 of the store besides the twin's 240; October: 217.50 + 135 + 80.
    assert key_rollup() == {date(2026, 9, 1): Decimal("720.00"),
                            date(2026, 10, 1): Decimal("522.50")}
    incremental = set(SalesRollup.objects.values_list(*services._ROLLUP_KEY, "cartons",
                                                      "amount", "stores"))
    services.sales_summary_rebuild()
    assert incremental == set(SalesRollup.objects.values_list(
        *services._ROLLUP_KEY, "cartons", "amount", "stores"))

    key_account_decide(key_account=proposal, user=admin_user, confirm=False)

    assert not SalesMonthly.objects.filter(customer=store, key_account=True).exists()
    assert key_rollup() == {date(2026, 9, 1): Decimal("240.00"),
                            date(2026, 10, 1): Decimal("90.00")}
    assert twin.pk in set(SalesMonthly.objects.filter(key_account=True)
                          .values_list("customer_id", flat=True))
