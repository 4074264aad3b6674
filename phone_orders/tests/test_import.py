from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from customers.models import MonthlyPurchase
from phone_orders.imports import import_orders
from phone_orders.models import Order, OrderLine, OrderStatus

HEADER = "customer_code,order_date,sku_code,cartons,amount\n"


def _csv(tmp_path, body: str, name="orders.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.fixture
def good_file(tmp_path, store, other_store, sku, scarce_sku):
    return _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},3,652.50\n"
        f"{store.code},2026-03-03,{scarce_sku.code},1,565.50\n"
        f"{store.code},2026-03-10,{sku.code},2,435.00\n"
        f"{other_store.code},2026-04-01,{sku.code},1,217.50\n"
    ))


def test_import_creates_orders_lines_monthly_purchases_and_last_order_date(good_file, store,
                                                                          other_store):
    result = import_orders(good_file)

    assert (result.orders_created, result.lines_created, result.errors) == (3, 4, [])
    order = Order.objects.get(customer=store, order_date=date(2026, 3, 3))
    assert order.status == OrderStatus.CONFIRMED
    assert (order.granted_cartons, order.total_amount) == (4, Decimal("1218.00"))
    march = MonthlyPurchase.objects.get(customer=store, month=date(2026, 3, 1))
    assert (march.amount, march.cartons, march.orders) == (Decimal("1653.00"), 6, 2)
    store.refresh_from_db()
    other_store.refresh_from_db()
    assert (store.last_order_date, other_store.last_order_date) == (date(2026, 3, 10),
                                                                    date(2026, 4, 1))


def test_reimporting_the_same_file_does_not_duplicate(good_file, store):
    import_orders(good_file)

    again = import_orders(good_file)

    assert (again.orders_created, again.orders_skipped) == (0, 3)
    assert Order.objects.count() == 3
    assert OrderLine.objects.count() == 4
    assert MonthlyPurchase.objects.get(customer=store, month=date(2026, 3, 1)).orders == 2


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(tmp_path, store, sku):
    path = _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},3,652.50\n"
        f"999999999999,2026-03-03,{sku.code},3,652.50\n"
        f"{store.code},2026/03/04,{sku.code},0,abc\n"
        f"{store.code},2026-03-12,NOSKU,2,10.001\n"
    ))

    result = import_orders(path)

    assert Order.objects.count() == 0
    assert result.bad_rows == 3
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "customer_code"), (4, "amount"), (4, "cartons"), (4, "order_date"),
        (5, "amount"), (5, "sku_code"),
    ]


def test_import_reads_excel(tmp_path, store, sku):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["customer_code", "order_date", "sku_code", "cartons", "amount"])
    sheet.append([store.code, "2026-02-10", sku.code, "2", "435.00"])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)

    result = import_orders(path)

    assert (result.orders_created, result.lines_created) == (1, 1)


def test_import_command_refuses_a_bad_file(tmp_path, store, sku):
    path = _csv(tmp_path, f"{store.code},2026-03-03,{sku.code},-1,652.50\n")
    with pytest.raises(CommandError):
        call_command("import_orders", str(path))
    assert Order.objects.count() == 0


def test_import_command_imports_a_good_file(good_file):
    call_command("import_orders", str(good_file))
    assert Order.objects.count() == 3


def test_amounts_with_one_or_two_decimals_sum_exactly(tmp_path, store, sku):
    path = _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},1,217.5\n"
        f"{store.code},2026-03-03,690002,1,217.55\n"
    ))
    from phone_orders.tests.factories import ProductFactory

    ProductFactory(code="690002")

    result = import_orders(path)

    assert (result.orders_created, result.lines_created) == (1, 2)
    assert Order.objects.get().total_amount == Decimal("435.05")


def test_a_gbk_file_saved_by_excel_in_china_is_read(tmp_path, store, sku):
    # given a CSV with a Chinese header note in its first cell's neighbour, saved as GBK
    path = tmp_path / "订单.csv"
    path.write_bytes((HEADER.rstrip("\n") + ",备注\n"
                      + f"{store.code},2026-03-03,{sku.code},3,652.50,老客户\n").encode("gbk"))

    result = import_orders(path)

    assert (result.orders_created, result.lines_created, result.errors) == (1, 1, [])


def test_cancelling_an_imported_order_gives_no_supply_back(tmp_path, clerk, store, sku):
    """An import books no stock, so its cancel must not free cartons others hold (it
    used to take the supply's granted count below zero: a database error, a 500)."""
    from phone_orders import services
    from phone_orders.models import CycleSupply

    day = services.current_cycle()
    supply = CycleSupply.objects.get(cycle_start=day, product=sku)  # 100 on sale
    import_orders(_csv(tmp_path, f"{store.code},{day.isoformat()},{sku.code},3,652.50\n"))
    imported = Order.objects.get(customer=store, order_date=day)

    cancelled = services.order_cancel(user=clerk, order=imported, reason="重复导入")

    assert cancelled.status == OrderStatus.CANCELLED
    supply.refresh_from_db()
    assert supply.granted_cartons == 0
    assert supply.available_cartons == 100


def test_an_imported_order_cannot_be_changed_line_by_line(tmp_path, clerk, store, sku):
    from crm_project.errors import BusinessError
    from phone_orders import services

    day = services.current_cycle()
    import_orders(_csv(tmp_path, f"{store.code},{day.isoformat()},{sku.code},3,652.50\n"))
    imported = Order.objects.get(customer=store, order_date=day)

    with pytest.raises(BusinessError):
        services.order_set_line(user=clerk, order=imported, product=sku, cartons=5)

    assert OrderLine.objects.get(order=imported).granted_cartons == 3
