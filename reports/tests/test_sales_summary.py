"""The sales summary equals the confirmed order lines it summarises, after every way an
order changes, and files each month under whoever held the store then."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_reassign
from customers.tests.factories import CustomerFactory
from phone_orders import services as order_services
from phone_orders.imports import import_orders, load_rows
from phone_orders.models import OrderLine, OrderStatus
from phone_orders.tests.factories import ProductFactory
from reports import services
from reports.models import SalesMonthly

pytestmark = pytest.mark.django_db


def _from_lines() -> dict:
    """Cartons and yuan per (store, month, brand, price band), summed from order lines."""
    rows = (OrderLine.objects.filter(order__status=OrderStatus.CONFIRMED)
            .annotate(month=TruncMonth("order__order_date"))
            .values("order__customer_id", "month", "product__brand", "product__price_band")
            .annotate(cartons=Sum("granted_cartons"), amount=Sum("amount")).order_by())
    return {(r["order__customer_id"], r["month"], r["product__brand"],
             r["product__price_band"]): (r["cartons"], r["amount"]) for r in rows}


def _from_summary() -> dict:
    return {(r.customer_id, r.month, r.brand, r.price_band): (r.cartons, r.amount)
            for r in SalesMonthly.objects.all()}


def _confirmed(clerk, store, *lines):
    order = order_services.order_open(user=clerk, customer=store)
    for product, cartons in lines:
        order = order_services.order_set_line(user=clerk, order=order, product=product,
                                              cartons=cartons)
    return order_services.order_confirm(user=clerk, order=order)


def _rows(*lines) -> pd.DataFrame:
    """Checked import rows: (store, order date, SKU, cartons, amount)."""
    frame = pd.DataFrame(lines, columns=["customer_id", "order_date", "product_id", "cartons",
                                         "amount"])
    frame["cycle_start"] = [order_services.cycle_start_for(day) for day in frame["order_date"]]
    return frame


def test_confirm_and_cancel_keep_the_summary_equal_to_the_order_lines(
        clerk, store, sku, scarce_sku, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _confirmed(clerk, store, (sku, 3), (scarce_sku, 2))

    month = timezone.localdate().replace(day=1)
    assert _from_summary() == _from_lines() == {
        (store.pk, month, "芙蓉王", 1): (3, Decimal("652.50")),
        (store.pk, month, "中华", 1): (2, Decimal("1131.00")),
    }
    row = SalesMonthly.objects.get(brand="中华")
    assert (row.territory_id, row.manager_id, row.department_id, row.orders) == (
        store.territory_id, store.manager_id, store.territory.department_id, 1)

    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_cancel(user=clerk, order=order, reason="不要了")

    assert _from_summary() == _from_lines() == {}


def test_import_and_month_rollover_keep_the_summary_equal_to_the_order_lines(
        tmp_path, store, other_store, sku, scarce_sku, django_capture_on_commit_callbacks):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_code,order_date,sku_code,cartons,amount\n"
        f"{store.code},2026-10-31,{sku.code},3,652.50\n"
        f"{store.code},2026-10-31,{scarce_sku.code},1,565.50\n"
        f"{store.code},2026-11-02,{sku.code},2,435.00\n"
        f"{other_store.code},2026-11-01,{sku.code},1,217.50\n", encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        result = import_orders(path)

    assert result.orders_created == 3
    assert _from_summary() == _from_lines()
    october = SalesMonthly.objects.filter(month=date(2026, 10, 1))
    november = SalesMonthly.objects.filter(month=date(2026, 11, 1))
    assert october.aggregate(c=Sum("cartons"), a=Sum("amount")) == {
        "c": 4, "a": Decimal("1218.00")}
    assert november.aggregate(c=Sum("cartons"), a=Sum("amount"), s=Count(
        "customer", distinct=True)) == {"c": 3, "a": Decimal("652.50"), "s": 2}

    # The nightly job and a rebuild from scratch write exactly the same rows.
    before = _from_summary()
    services.sales_summary_refresh(months=[date(2026, 10, 1), date(2026, 11, 1)])
    assert _from_summary() == before
    SalesMonthly.objects.all().delete()
    call_command("refresh_sales_summary", "--all")
    assert _from_summary() == before


def _refreshed_sets(monkeypatch) -> list:
    """Record the store set of each refresh (None: the whole month)."""
    calls = []
    original = services._refresh

    def spy(cursor, months, customer_ids, **kwargs):
        calls.append(None if customer_ids is None else sorted(customer_ids))
        return original(cursor, months, customer_ids, **kwargs)

    monkeypatch.setattr(services, "_refresh", spy)
    return calls


def _import_september(stores, sku, day: int, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_rows(_rows(*[(s.pk, date(2026, 9, day), sku.pk, 2, "435.00") for s in stores]))


def test_an_import_refreshes_its_stores_alone_up_to_a_quarter_of_the_month(
        territory, sku, monkeypatch, django_capture_on_commit_callbacks):
    # given: 8 stores bought in September (a month not summarised yet: refreshed whole)
    stores = CustomerFactory.create_batch(8, territory=territory)
    calls = _refreshed_sets(monkeypatch)
    _import_september(stores, sku, 7, django_capture_on_commit_callbacks)
    assert calls == [None]

    # when: a later import touches 2 of them (a quarter), then another touches 3
    _import_september(stores[:2], sku, 14, django_capture_on_commit_callbacks)
    _import_september(stores[2:5], sku, 21, django_capture_on_commit_callbacks)

    # then: the 2 stores alone (however many stores that is at scale), then the whole month
    assert calls == [None, sorted(s.pk for s in stores[:2]), None]
    assert _from_summary() == _from_lines()
    assert SalesMonthly.objects.filter(month=date(2026, 9, 1)).count() == 8


def test_an_import_of_very_many_pairs_goes_to_the_worker_as_whole_months(
        territory, sku, monkeypatch, django_capture_on_commit_callbacks):
    from reports import receivers

    refreshed = []
    original = services.sales_summary_refresh
    monkeypatch.setattr(services, "sales_summary_refresh",
                        lambda *, months, **kw: refreshed.append(months) or original(
                            months=months, **kw))
    monkeypatch.setattr(receivers, "PAIRS_IN_MESSAGE_MAX", 2)
    stores = CustomerFactory.create_batch(7, territory=territory)
    _import_september(stores, sku, 7, django_capture_on_commit_callbacks)

    assert refreshed == [[date(2026, 9, 1)]]
    assert _from_summary() == _from_lines()
    assert SalesMonthly.objects.count() == 7


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def test_a_moved_store_counts_for_its_new_owner_from_the_move_on(
        store, manager, other_manager, other_territory, admin_user, sku,
        django_capture_on_commit_callbacks):
    # given: the store, held by `manager` since January, goes to `other_manager` (and
    # another territory) on 15 October
    history = Customer.history.model.objects.filter(id=store.pk)
    history.update(history_date=_at(date(2026, 1, 5)))
    moved = customer_reassign(customer=store, manager=other_manager, user=admin_user)
    Customer.objects.filter(pk=store.pk).update(territory=other_territory)
    latest = history.order_by("-history_date", "-history_id").first()
    latest.territory_id = other_territory.pk
    latest.history_date = _at(date(2026, 10, 15))
    latest.save()
    assert moved.manager == other_manager

    # when: orders of September, October and November are imported
    with django_capture_on_commit_callbacks(execute=True):
        load_rows(_rows((store.pk, date(2026, 9, 8), sku.pk, 1, "217.50"),
                        (store.pk, date(2026, 10, 6), sku.pk, 2, "435.00"),
                        (store.pk, date(2026, 11, 3), sku.pk, 3, "652.50")))

    # then: September stays with the old owner; the month of the move and later go to
    # the new one, also after a rebuild from scratch
    for _run in range(2):
        owners = {row.month.month: (row.manager_id, row.territory_id)
                  for row in SalesMonthly.objects.all()}
        assert owners == {9: (manager.pk, store.territory_id),
                          10: (other_manager.pk, other_territory.pk),
                          11: (other_manager.pk, other_territory.pk)}
        services.sales_summary_rebuild()


def test_refresh_command_rejects_a_malformed_month():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("refresh_sales_summary", "--month", "2026-13")


def test_products_of_other_brands_and_bands_are_kept_apart(clerk, store, sku,
                                                           django_capture_on_commit_callbacks):
    cheap = ProductFactory(code="690077", brand="红双喜", wholesale_price=Decimal("45.00"),
                           price_band=3)
    with django_capture_on_commit_callbacks(execute=True):
        load_rows(_rows((store.pk, date(2026, 8, 4), sku.pk, 1, "217.50"),
                        (store.pk, date(2026, 8, 4), cheap.pk, 4, "180.00")))

    assert sorted((r.brand, r.price_band, r.cartons) for r in SalesMonthly.objects.all()) == [
        ("红双喜", 3, 4), ("芙蓉王", 1, 1)]


def test_the_nightly_task_refreshes_this_month_and_the_last_after_a_rollover(store, sku):
    from reports.tasks import refresh_sales_summary_task

    # given orders of the last days of last month and the first of this one, loaded
    # without the summary hearing of them (as if the summary were lost)
    this_month = services.month_start(timezone.localdate())
    last_day_before = this_month - timedelta(days=1)
    next_cycle = order_services.cycle_start_for(last_day_before) + timedelta(days=7)
    load_rows(_rows((store.pk, last_day_before, sku.pk, 2, "435.00"),
                    (store.pk, next_cycle, sku.pk, 1, "217.50")))
    SalesMonthly.objects.all().delete()

    refresh_sales_summary_task.delay()

    assert _from_summary() == _from_lines() == {
        (store.pk, services.month_start(last_day_before), "芙蓉王", 1): (2, Decimal("435.00")),
        (store.pk, this_month, "芙蓉王", 1): (1, Decimal("217.50")),
    }


def _summaries() -> tuple:
    from reports.models import SalesDaily, SalesRollup

    return (_from_summary(),
            set(SalesMonthly.objects.values_list("month", "customer_id", "manager_id",
                                                 "brand", "orders")),
            set(SalesRollup.objects.values_list(*services._ROLLUP_KEY, "cartons", "amount",
                                                "stores")),
            set(SalesDaily.objects.values_list("day", "department_id", "territory_id",
                                               "manager_id", "cartons", "amount", "orders")))


def test_the_nightly_run_takes_in_only_what_changed_since_the_last_one(
        clerk, store, other_store, manager, other_manager, admin_user, sku, scarce_sku):
    from phone_orders.models import Order
    from reports.models import SalesSummaryMark
    from reports.tasks import refresh_sales_summary_task

    # given orders of last month and this one the summary never heard of, taken in by a
    # first nightly run (no watermark yet: whole months)
    today = timezone.localdate()
    this_month = services.month_start(today)
    last_month = services.add_months(this_month, -1)
    Customer.history.model.objects.update(history_date=_at(date(2026, 1, 5)))
    load_rows(_rows((store.pk, last_month + timedelta(days=2), sku.pk, 2, "435.00"),
                    (other_store.pk, last_month + timedelta(days=3), sku.pk, 1, "217.50"),
                    (store.pk, this_month + timedelta(days=1), sku.pk, 4, "870.00")))
    refresh_sales_summary_task.delay()
    assert _from_summary() == _from_lines()
    assert SalesSummaryMark.objects.filter(name=services.NIGHTLY).exists()
    # (those orders were saved well before the watermark)
    Order.objects.update(updated_at=timezone.now() - timedelta(hours=2))

    # when, unheard by the summary, a store's order of today is confirmed, cancelled and
    # taken again, the other store's order of today is imported, the first store moves
    # to another manager, and a row of an untouched store-month is spoiled behind
    # everyone's back
    cancelled = _confirmed(clerk, store, (sku, 3), (scarce_sku, 1))
    order_services.order_cancel(user=clerk, order=cancelled, reason="改单")
    order = _confirmed(clerk, store, (sku, 2))
    load_rows(_rows((other_store.pk, today, sku.pk, 1, "217.50")))
    customer_reassign(customer=store, manager=other_manager, user=admin_user)
    SalesMonthly.objects.filter(month=last_month, customer=other_store).update(cartons=99)
    done = services.sales_summary_nightly(months=[last_month, this_month])

    # then only the changed stores of the changed months are refreshed: the summary
    # equals the order lines again there, this month is filed under the new manager,
    # last month stays with the old one, and the spoiled row was left alone
    assert done["stores"] == 2  # this month of both stores
    summary = _from_summary()
    assert summary[(other_store.pk, last_month, "芙蓉王", 1)] == (99, Decimal("217.50"))
    assert {key: value for key, value in summary.items()
            if key[:2] != (other_store.pk, last_month)} == {
        key: value for key, value in _from_lines().items()
        if key[:2] != (other_store.pk, last_month)}
    assert dict(SalesMonthly.objects.filter(customer=store).values_list(
        "month", "manager_id")) == {last_month: manager.pk, this_month: other_manager.pk}
    assert order.status == OrderStatus.CONFIRMED

    # and once the spoiled row is mended, the rollup and the daily sums kept by the
    # nightly run equal a rebuild from scratch
    SalesMonthly.objects.filter(month=last_month, customer=other_store).update(cartons=1)
    services.sales_summary_refresh_pairs(pairs={(other_store.pk, last_month)})
    kept = _summaries()
    services.sales_summary_rebuild()
    assert kept == _summaries()
