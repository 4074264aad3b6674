"""Tier allocation of a scarce SKU at a million stores (issue 16).

Builds once (cached; a marker table says so) BENCH_ALLOCATION_STORES (1,000,000) active
stores with tiers 1-30, copies of one template store made by INSERT ... SELECT, then
times, for one SKU of the current cycle: the preview (figures only), the first allocation
(every store's quota written), a nightly recompute where nothing changed, one after 1 % of
the stores changed tier, a new table that changes every quota, and the same save through
a naive per-store ORM loop (`update_or_create` per store) on BENCH_ALLOCATION_SAMPLE
stores, measured in the same run. Quotas of the benchmark SKU are removed at the end.
"""

import os
import time

STORES = int(os.environ.get("BENCH_ALLOCATION_STORES", "1000000"))
SAMPLE = int(os.environ.get("BENCH_ALLOCATION_SAMPLE", "2000"))
MARKER = "allocation_bench"
SKU = "BENCH-ALLOC"
TABLE = [{"min_tier": 25, "max_tier": 30, "cartons": 4},
         {"min_tier": 15, "max_tier": 24, "cartons": 2},
         {"min_tier": 1, "max_tier": 14, "cartons": 0}]


def _setup():
    from decimal import Decimal

    from customers.models import Role, User
    from phone_orders.models import CycleSupply, Product
    from phone_orders.services import current_cycle

    admin, _created = User.objects.get_or_create(
        username="bench_alloc_admin", defaults={"role": Role.ADMIN, "is_active": True})
    product, _created = Product.objects.get_or_create(
        code=SKU, defaults={"name": "基准紧俏烟", "brand": "基准", "origin": "基准",
                            "wholesale_price": Decimal("500"), "retail_price": Decimal("600"),
                            "price_band": 1, "flavour": "strong", "pack_type": "hard",
                            "is_scarce": True})
    CycleSupply.objects.update_or_create(cycle_start=current_cycle(), product=product,
                                         defaults={"available_cartons": 100_000_000})
    return admin, product


def build(stdout, stores: int) -> None:
    """`stores` copies of one template store (codes A1.., tiers 1-30), trigram indexes
    dropped during the load and rebuilt after it."""
    from django.db import connection

    from customers.models import Customer, CustomerGrade
    from customers.tests.factories import CustomerFactory

    started = time.perf_counter()
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("DELETE FROM bench_marker WHERE name = %s", [MARKER])
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                       "AND indexname LIKE '%%trgm'", [table])
        trigram = cursor.fetchall()
        for name, _definition in trigram:
            cursor.execute(f"DROP INDEX {name}")
    template = CustomerFactory(code="A0", tier=1)
    columns = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    made = {"code": "'A' || g", "license_no": "'LA' || g",
            "phone": "'1' || lpad(g::text, 10, '0')"}
    names = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(made.get(c, f'"{c}"') for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {table}, "
                       f"generate_series(1, %s) AS g WHERE id = %s", [stores - 1, template.pk])
        # Tiers 1-30 by the copy's number (A7 has tier 8).
        cursor.execute(f"INSERT INTO {CustomerGrade._meta.db_table} (customer_id, grade, tier) "
                       f"SELECT id, '', mod(substr(code, 2)::int, 30) + 1 FROM {table} "
                       "WHERE code LIKE 'A%%' AND id <> %s", [template.pk])
        for _name, definition in trigram:
            cursor.execute(definition)
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("INSERT INTO bench_marker VALUES (%s, %s, now())", [MARKER, stores])
    stdout.write(f"   built {stores:,} stores in {time.perf_counter() - started:.0f} s\n")


def built(stores: int) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, "
                       "stores integer, built_on date)")
        cursor.execute("SELECT stores FROM bench_marker WHERE name = %s", [MARKER])
        row = cursor.fetchone()
    return bool(row) and row[0] == stores


def _clear(product) -> None:
    from phone_orders.models import Allocation, StoreQuota

    Allocation.objects.filter(product=product).delete()
    StoreQuota.objects.filter(product=product).delete()


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def naive_loop(product, sample: int) -> float:
    """The per-store way: read each store's tier, find its band, upsert its quota."""
    from customers.models import Customer, CustomerStatus
    from phone_orders.models import QuotaBasis, StoreQuota
    from phone_orders.services import current_cycle

    cycle = current_cycle()
    ids = list(Customer.objects.filter(status=CustomerStatus.ACTIVE)
               .order_by("id").values_list("id", flat=True)[:sample])
    started = time.perf_counter()
    for pk in ids:
        customer = Customer.objects.get(pk=pk)
        cartons = next((b["cartons"] for b in TABLE
                        if customer.tier and b["min_tier"] <= customer.tier <= b["max_tier"]), 0)
        StoreQuota.objects.update_or_create(
            cycle_start=cycle, customer=customer, product=product,
            defaults={"cartons": cartons, "basis": QuotaBasis.TABLE, "tier": customer.tier})
    return time.perf_counter() - started


def run(stdout) -> None:
    from django.db import connection

    from customers.models import Customer, CustomerStatus
    from phone_orders import allocations
    from phone_orders.services import current_cycle

    if built(STORES):
        stdout.write(f"   using the cached {STORES:,} stores (bench_marker)\n")
    else:
        build(stdout, STORES)
    active = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    admin, product = _setup()
    _clear(product)
    cycle = current_cycle()

    seconds, figures = _timed(lambda: allocations.allocation_preview(
        user=admin, product=product, cycle_start=cycle, rows=TABLE))
    stdout.write(f"   preview (figures only), {active:,} stores     {seconds:6.1f} s\n")
    first, (allocation, figures, _created) = _timed(lambda: allocations.allocation_save(
        user=admin, product=product, cycle_start=cycle, rows=TABLE))
    stdout.write(f"   first allocation (every quota written)  {first:6.1f} s  "
                 f"{active / first:,.0f} stores/s, {figures.needed:,} cartons\n")
    seconds, _figures = _timed(lambda: allocations.allocation_recompute(allocation=allocation))
    stdout.write(f"   recompute, nothing changed              {seconds:6.1f} s\n")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customergrade SET tier = 31 - tier "
                       "WHERE mod(customer_id, 100) = 0 AND tier IS NOT NULL")
        changed = cursor.rowcount
    seconds, _figures = _timed(lambda: allocations.allocation_recompute(allocation=allocation))
    stdout.write(f"   recompute, {changed:,} stores changed tier  {seconds:6.1f} s\n")
    resave, _result = _timed(lambda: allocations.allocation_save(
        user=admin, product=product, cycle_start=cycle,
        rows=[{"min_tier": 1, "max_tier": 30, "cartons": 1}]))
    stdout.write(f"   new table, every quota changes          {resave:6.1f} s\n")
    _clear(product)
    naive = naive_loop(product, SAMPLE)
    per_second = SAMPLE / naive
    stdout.write(f"   naive per-store ORM loop, {SAMPLE:,} stores   {naive:6.1f} s  "
                 f"{per_second:,.0f} stores/s (would take {active / per_second / 60:,.0f} "
                 f"min for {active:,})\n")
    stdout.write(f"   first allocation vs naive: {active / first / per_second:,.0f}x faster\n")
    _clear(product)
