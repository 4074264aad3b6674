"""Benchmark: import N historical order lines (default 1,000,000; env BENCH_ORDER_LINES)
from a CSV file through the same path as `manage.py import_orders`, and print lines/second.

Uses its own stores (territory BENCH) so it can run on any database; earlier benchmark
orders are removed first so every run imports the full file.
"""

import os
import tempfile
import time
from datetime import date
from pathlib import Path

LINES_PER_ORDER = 4
STORES = 5000


def _setup_django() -> None:
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.local")
    if not apps.ready:
        django.setup()


def _bench_stores():
    from customers.models import Customer, Department, Territory

    department, _ = Department.objects.get_or_create(code="BENCH", defaults={"name": "基准测试部"})
    territory, _ = Territory.objects.get_or_create(
        code="BENCH", defaults={"name": "基准测试片区", "department": department})
    existing = set(Customer.objects.filter(territory=territory).values_list("code", flat=True))
    Customer.objects.bulk_create([
        Customer(code=f"4399{n:08d}", name=f"基准店{n}号", license_no=f"43999{n:07d}",
                 owner="测试", address="长沙市测试路1号", territory=territory,
                 order_weekday=n % 6 + 1)
        for n in range(STORES) if f"4399{n:08d}" not in existing
    ], batch_size=2000)
    return territory


def _clear(territory) -> None:
    from django.db import connection

    from customers.models import Customer, MonthlyPurchase
    from phone_orders.models import Order, OrderLine

    stores = f"SELECT id FROM {Customer._meta.db_table} WHERE territory_id = %s"
    orders = f"SELECT id FROM {Order._meta.db_table} WHERE customer_id IN ({stores})"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {OrderLine._meta.db_table} WHERE order_id IN ({orders})",
                       [territory.pk])
        cursor.execute(f"DELETE FROM {Order._meta.db_table} WHERE customer_id IN ({stores})",
                       [territory.pk])
        cursor.execute(f"DELETE FROM {MonthlyPurchase._meta.db_table} "
                       f"WHERE customer_id IN ({stores})", [territory.pk])


def write_file(path: Path, lines: int) -> None:
    """`lines` order lines: 5,000 stores ordering weekly, 4 SKUs an order."""
    import numpy as np
    import pandas as pd

    from phone_orders.models import Product

    products = list(Product.objects.order_by("code").values_list("code", "wholesale_price"))
    codes = np.array([code for code, _ in products])
    prices = np.array([float(price) for _, price in products])
    line = np.arange(lines)
    order = line // LINES_PER_ORDER
    store = order % STORES
    week = order // STORES
    first_monday = date(2020, 1, 6)
    days = week * 7 + store % 6
    order_dates = pd.to_datetime(first_monday) + pd.to_timedelta(days, unit="D")
    sku = (store * 7 + week * 3 + (line % LINES_PER_ORDER) * 11) % len(codes)
    cartons = 1 + (store + week + line % LINES_PER_ORDER) % 9
    frame = pd.DataFrame({
        "customer_code": np.char.add("4399", np.char.zfill(store.astype(str), 8)),
        "order_date": order_dates.strftime("%Y-%m-%d"),
        "sku_code": codes[sku],
        "cartons": cartons,
        "amount": np.round(prices[sku] * cartons, 2),
    })
    frame["amount"] = frame["amount"].map("{:.2f}".format)
    frame.to_csv(path, index=False)


def naive_import(path: Path, sample: int) -> float:
    """The baseline: the first `sample` lines, one ORM round trip after another (look up
    the store and SKU, get or create the order, create the line, add to the month), the way
    a first version would. Returns lines per second; rolled back afterwards."""
    import csv
    from datetime import timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.db.models import F

    from customers.models import Customer, MonthlyPurchase
    from phone_orders.models import Order, OrderLine, OrderSource, OrderStatus, Product

    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for _, row in zip(range(sample), csv.DictReader(handle), strict=False)]
    started = time.perf_counter()
    with transaction.atomic():
        for row in rows:
            customer = Customer.objects.get(code=row["customer_code"])
            product = Product.objects.get(code=row["sku_code"])
            day = date.fromisoformat(row["order_date"])
            amount = Decimal(row["amount"])
            order, _ = Order.objects.get_or_create(
                customer=customer, order_date=day,
                defaults={"cycle_start": day - timedelta(days=day.weekday()),
                          "status": OrderStatus.CONFIRMED, "source": OrderSource.IMPORT})
            OrderLine.objects.create(order=order, product=product,
                                     requested_cartons=int(row["cartons"]),
                                     granted_cartons=int(row["cartons"]),
                                     unit_price=product.wholesale_price, amount=amount)
            Order.objects.filter(pk=order.pk).update(total_amount=F("total_amount") + amount)
            month, _ = MonthlyPurchase.objects.get_or_create(customer=customer,
                                                             month=day.replace(day=1))
            MonthlyPurchase.objects.filter(pk=month.pk).update(
                amount=F("amount") + amount, cartons=F("cartons") + int(row["cartons"]))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(rows) / seconds


def run(stdout) -> None:
    _setup_django()
    from django.core.management import call_command

    from phone_orders.demo import seed_catalog
    from phone_orders.imports import import_orders

    call_command("migrate", verbosity=0)
    lines = int(os.environ.get("BENCH_ORDER_LINES", "1000000"))
    seed_catalog()
    territory = _bench_stores()
    _clear(territory)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        started = time.perf_counter()
        write_file(path, lines)
        written = time.perf_counter() - started
        stdout.write(f"order import: wrote {lines:,} lines in {written:.1f} s\n")
        stages: dict[str, float] = {}
        current = ["start", time.perf_counter()]

        def progress(stage, percent):
            # Time up to now belongs to the stage that was running.
            now = time.perf_counter()
            stages[current[0]] = stages.get(current[0], 0) + now - current[1]
            current[:] = [stage, now]

        started = time.perf_counter()
        result = import_orders(path, progress=progress)
        seconds = time.perf_counter() - started
        _clear(territory)
        naive_rate = naive_import(path, sample=min(2000, lines))
    if result.errors:
        stdout.write(f"order import: FAILED, first errors {result.errors[:5]}\n")
        return
    timings = ", ".join(f"{stage} {value:.1f} s" for stage, value in stages.items()
                        if stage != "start")
    stdout.write(
        f"order import: {result.lines_created:,} lines, "
        f"{result.orders_created:,} orders in {seconds:.1f} s = "
        f"{result.lines_created / seconds:,.0f} lines/s ({timings})\n")
    rate = result.lines_created / seconds
    stdout.write(
        f"naive per-line ORM import on 2,000 lines: {naive_rate:,.0f} lines/s -> the "
        f"set-wise import is {rate / naive_rate:,.0f}x faster (naive for {lines:,}: "
        f"~{lines / naive_rate / 60:,.0f} min)\n")


if __name__ == "__main__":
    import sys

    run(sys.stdout)
