"""A second order of a store in one weekly cycle (补单) is kept: imported as a
supplementary order, reported row by row, summed in purchases; the console keeps working
on the cycle's main order (issue 12, deliverable 5)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import api_as
from customers.models import MonthlyPurchase
from phone_orders import selectors, services
from phone_orders.imports import import_orders
from phone_orders.models import Order, OrderImport, OrderLine, OrderSource, OrderStatus

HEADER = "customer_code,order_date,sku_code,cartons,amount\n"


def _csv(tmp_path, body: str):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.fixture
def two_in_one_week(tmp_path, store, other_store, sku, scarce_sku):
    return _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},3,652.50\n"
        f"{store.code},2026-03-05,{sku.code},1,217.50\n"
        f"{store.code},2026-03-05,{scarce_sku.code},1,565.50\n"
        f"{other_store.code},2026-03-04,{sku.code},1,217.50\n"
    ))


def test_two_orders_of_a_store_in_one_week_are_both_imported(two_in_one_week, store):
    result = import_orders(two_in_one_week)

    assert result.errors == []
    assert (result.orders_created, result.orders_supplementary, result.lines_created) == (
        3, 1, 4)
    main = Order.objects.get(customer=store, order_date=date(2026, 3, 3))
    extra = Order.objects.get(customer=store, order_date=date(2026, 3, 5))
    assert (main.is_supplementary, extra.is_supplementary) == (False, True)
    assert main.cycle_start == extra.cycle_start == date(2026, 3, 2)
    assert (extra.granted_cartons, extra.total_amount) == (2, Decimal("783.00"))
    assert [(r["row"], r["column"]) for r in result.supplementary] == [
        (3, "order_date"), (4, "order_date")]
    assert f"#{extra.pk}" in result.supplementary[0]["reason"]
    purchase = MonthlyPurchase.objects.get(customer=store, month=date(2026, 3, 1))
    assert (purchase.amount, purchase.cartons, purchase.orders) == (Decimal("1435.50"), 5, 2)


def test_reimporting_a_file_with_a_supplementary_order_adds_nothing(two_in_one_week, store):
    import_orders(two_in_one_week)
    ids = {(o.pk, o.order_date) for o in Order.objects.all()}

    again = import_orders(two_in_one_week)

    assert (again.orders_created, again.orders_supplementary, again.orders_skipped) == (
        0, 0, 3)
    assert again.supplementary == []
    assert [s["row"] for s in again.skipped] == [2, 3, 4, 5]
    extra = Order.objects.get(customer=store, order_date=date(2026, 3, 5))
    assert f"#{extra.pk}" in again.skipped[1]["reason"]
    assert {(o.pk, o.order_date) for o in Order.objects.all()} == ids
    assert OrderLine.objects.count() == 4
    assert MonthlyPurchase.objects.get(customer=store, month=date(2026, 3, 1)).orders == 2


def test_an_import_next_to_a_console_order_of_the_cycle_is_supplementary(tmp_path, store,
                                                                         sku):
    console = Order.objects.create(
        customer=store, cycle_start=date(2026, 3, 2), order_date=date(2026, 3, 2),
        status=OrderStatus.CONFIRMED, source=OrderSource.CONSOLE, granted_cartons=1,
        requested_cartons=1, total_amount=Decimal("100.00"))

    result = import_orders(_csv(tmp_path, f"{store.code},2026-03-04,{sku.code},1,217.50\n"))

    imported = Order.objects.exclude(pk=console.pk).get()
    assert imported.is_supplementary
    assert (result.orders_created, result.orders_supplementary) == (1, 1)
    assert [r["row"] for r in result.supplementary] == [2]
    purchase = MonthlyPurchase.objects.get(customer=store, month=date(2026, 3, 1))
    assert (purchase.amount, purchase.orders) == (Decimal("317.50"), 2)


def test_a_cycle_with_only_a_supplementary_order_gets_its_main_order_from_the_import(
        tmp_path, store, sku):
    Order.objects.create(customer=store, cycle_start=date(2026, 3, 2),
                         order_date=date(2026, 3, 6), status=OrderStatus.CONFIRMED,
                         is_supplementary=True)

    result = import_orders(_csv(tmp_path, f"{store.code},2026-03-03,{sku.code},1,217.50\n"))

    assert (result.orders_created, result.orders_supplementary) == (1, 0)
    assert not Order.objects.get(order_date=date(2026, 3, 3)).is_supplementary


def test_one_live_main_order_per_store_and_cycle_still_holds(store):
    cycle = date(2026, 3, 2)
    Order.objects.create(customer=store, cycle_start=cycle, order_date=cycle,
                         status=OrderStatus.CONFIRMED)
    Order.objects.create(customer=store, cycle_start=cycle, order_date=cycle,
                         status=OrderStatus.CONFIRMED, is_supplementary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(customer=store, cycle_start=cycle, order_date=cycle,
                             status=OrderStatus.DRAFT)


def test_the_console_opens_the_cycles_main_order_next_to_a_supplementary_one(
        client, clerk, admin_user, store, sku):
    main = services.order_open(user=clerk, customer=store)
    extra = Order.objects.create(customer=store, cycle_start=main.cycle_start,
                                 order_date=timezone.localdate(),
                                 status=OrderStatus.CONFIRMED, is_supplementary=True)

    assert services.order_open(user=clerk, customer=store) == main
    assert selectors.live_order(customer=store) == main
    client.force_login(clerk)
    assert client.get(f"/orders/console/{store.pk}/").status_code == 200
    assert client.get("/orders/calls/").status_code == 200
    history = client.get("/orders/").content.decode()
    assert "supplementary-badge" in history
    response = api_as(admin_user).get(f"/api/orders/{extra.pk}/")
    assert response.json()["is_supplementary"] is True


def test_the_console_opens_a_main_order_when_the_cycle_has_only_a_supplementary_one(
        clerk, store):
    Order.objects.create(customer=store, cycle_start=services.current_cycle(),
                         order_date=timezone.localdate(),
                         status=OrderStatus.CONFIRMED, is_supplementary=True)

    order = services.order_open(user=clerk, customer=store)

    assert (order.status, order.is_supplementary) == (OrderStatus.DRAFT, False)


def test_the_import_page_and_report_list_supplementary_rows(
        client, admin_user, store, sku, django_capture_on_commit_callbacks):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(admin_user)
    body = (HEADER + f"{store.code},2026-03-03,{sku.code},3,652.50\n"
            f"{store.code},2026-03-05,{sku.code},1,217.50\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/imports/", {"file": SimpleUploadedFile("o.csv", body)})
    job = OrderImport.objects.get()

    page = client.get(f"/orders/imports/{job.pk}/").content.decode()
    response = client.get(f"/orders/imports/{job.pk}/report.csv")

    assert (job.orders_created, job.orders_supplementary) == (2, 1)
    assert "1 are supplementary orders" in page and 'id="import-supplementary"' in page
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[:3] for r in rows] == [["row", "outcome", "column"],
                                     ["3", "supplementary", "order_date"]]
