"""Grading and churn at a million stores.

Builds once (cached; a marker table says so) 1,000,000 active stores with 6 months of
purchases through COPY, then times recompute_grades and scan_churn, each in a fresh
process so that its peak memory (max RSS) is its own: a cold run (every store changes)
and a steady nightly run (nothing or little changes), with the job's own seconds per
stage. Two yardsticks are measured in the same run: the floor (the grading maths alone,
one SQL statement over the monthly summary, nothing written), against which the first
and monthly runs must stay within 2x, and a naive per-store ORM loop on a sample.
"""

import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta

STORES = int(os.environ.get("BENCH_STORES", "1000000"))
MANAGERS = max(1, STORES // 500)
TERRITORIES = max(1, STORES // 5000)
SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "1000"))
CHUNK = 200_000
MARKER = "grading_bench"


def _connection():
    from django.db import connection

    return connection


def built(stores: int) -> bool:
    with _connection().cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, "
                       "stores integer, built_on date)")
        cursor.execute("SELECT stores FROM bench_marker WHERE name = %s", [MARKER])
        row = cursor.fetchone()
    return row is not None and row[0] == stores


def build(stdout, *, stores: int, today: date) -> None:
    import numpy as np
    import pandas as pd

    from customers.grading.rules import add_months, month_start

    started = time.perf_counter()
    connection = _connection()
    rng = np.random.default_rng(2026)
    with connection.cursor() as cursor:
        cursor.execute("""TRUNCATE customers_churnwarning, customers_gradechange,
            customers_gradesnapshot, customers_monthlypurchase, customers_jobrun,
            customers_historicalcustomer, customers_customergrade, customers_customer CASCADE""")
        cursor.execute("DELETE FROM bench_marker WHERE name = %s", [MARKER])
        cursor.execute("INSERT INTO customers_department (code, name) VALUES ('B01', '基准部') "
                       "ON CONFLICT (code) DO NOTHING")
        cursor.execute(f"""
            INSERT INTO customers_territory (code, name, department_id)
            SELECT 'BT' || lpad(i::text, 4, '0'), '基准片区' || i,
                   (SELECT id FROM customers_department WHERE code = 'B01')
            FROM generate_series(1, {TERRITORIES}) i ON CONFLICT (code) DO NOTHING""")
        insert_managers(cursor, MANAGERS)
        cursor.execute("SELECT id FROM customers_territory WHERE code LIKE 'BT%%' ORDER BY id")
        territory_ids = np.array([r[0] for r in cursor.fetchall()])
        cursor.execute("SELECT id FROM customers_user WHERE username LIKE 'bench_mgr%%' "
                       "ORDER BY id")
        manager_ids = np.array([r[0] for r in cursor.fetchall()])
        # Trigram indexes are rebuilt once after the load (far faster than row by row).
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                       "'customers_customer' AND indexname LIKE '%%trgm'")
        trigram = cursor.fetchall()
        for name, _definition in trigram:
            cursor.execute(f"DROP INDEX {name}")

    empty = ["legal_representative", "business_hours", "shop_sign", "facility_type",
             "standard_class", "delivery_time", "operator_background", "education", "family",
             "personality", "temperament", "needs", "sales_structure", "lawful_operation",
             "price_compliance", "new_product_listing", "payment_terms"]
    columns = ["id", "code", "name", "name_initials", "license_no", "owner", "owner_initials",
               "phone", "address", "business_format", "network", "territory_id", "manager_id",
               "status", "order_weekday", "order_channel", "settlement_method",
               "delivery_method", "open_complaint_count", "created_at", "updated_at",
               "last_order_date", "is_key_account", "churn_reasons", *empty]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM customers_customer")
        first_id = cursor.fetchone()[0] + 1
    months = [add_months(month_start(today), -i) for i in range(5, -1, -1)]  # 6 months
    days_this_month = (today - months[-1]).days + 1
    level = rng.lognormal(mean=8.3, sigma=1.1, size=stores)  # yuan per month
    for offset in range(0, stores, CHUNK):
        size = min(CHUNK, stores - offset)
        ids = np.arange(first_id + offset, first_id + offset + size)
        serial = pd.Series(ids - first_id).astype(str).str.zfill(11)
        days_ago = rng.integers(0, 10, size)
        lapsed = rng.random(size) < 0.04
        days_ago[lapsed] = rng.integers(14, 60, lapsed.sum())
        frame = pd.DataFrame({
            "id": ids, "code": "9" + serial, "name": "基准便利店" + serial,
            "name_initials": "jzbld", "license_no": "8" + serial, "owner": "张三",
            "owner_initials": "zs",
            "phone": "", "address": "基准路1号", "business_format": "convenience",
            "network": np.where(rng.random(size) < 0.3, "rural", "urban"),
            "territory_id": territory_ids[(ids // 5000) % len(territory_ids)],
            "manager_id": manager_ids[ids % len(manager_ids)], "status": "active",
            "order_weekday": (ids % 6) + 1, "order_channel": "phone",
            "settlement_method": "electronic", "delivery_method": "door",
            "open_complaint_count": 0, "created_at": "2025-01-01 00:00:00+08",
            "updated_at": "2025-01-01 00:00:00+08", "is_key_account": False,
            "churn_reasons": "[]",
            "last_order_date": [(today - timedelta(days=int(d))).isoformat()
                                for d in days_ago],
        })
        for name in empty:
            frame[name] = ""
        _copy(connection, "customers_customer", frame, columns, not_null=empty + ["phone"])
        store_level = level[offset:offset + size]
        start = rng.integers(0, 6, size)  # a few new stores start inside the window
        start[rng.random(size) < 0.9] = 0
        falling = rng.random(size) < 0.05
        rows = []
        for index, month in enumerate(months):
            noise = rng.uniform(0.7, 1.3, size)
            amount = store_level * noise
            if index == len(months) - 1:
                amount = amount * days_this_month / 30
            if index >= len(months) - 2:
                amount = np.where(falling, amount * 0.4, amount)
            amount = np.where(start > index, 0, amount)
            keep = amount > 0
            rows.append(pd.DataFrame({
                "customer_id": ids[keep], "month": month.isoformat(),
                "amount": np.round(amount[keep], 2),
                "cartons": (amount[keep] // 150).astype(int), "orders": 4}))
        _copy(connection, "customers_monthlypurchase", pd.concat(rows),
              ["customer_id", "month", "amount", "cartons", "orders"])
        stdout.write(f"   built {offset + size:,} stores\n")
        stdout.flush()
    with connection.cursor() as cursor:
        for _name, definition in trigram:
            cursor.execute(definition)
        cursor.execute("SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
                       "(SELECT MAX(id) FROM customers_customer))")
    # A freshly loaded table would make the first job pay for setting hint bits.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (FREEZE, ANALYZE) customers_customer")
        cursor.execute("VACUUM (FREEZE, ANALYZE) customers_monthlypurchase")
        cursor.execute("INSERT INTO bench_marker VALUES (%s, %s, %s)", [MARKER, stores, today])
    stdout.write(f"   built {stores:,} stores with 6 months of purchases in "
                 f"{time.perf_counter() - started:.0f} s\n")


def insert_managers(cursor, count: int) -> None:
    """Managers bench_mgr1..count of department B01 (those already there are kept)."""
    cursor.execute(f"""
        INSERT INTO customers_user (password, is_superuser, username, first_name,
            last_name, email, is_staff, is_active, date_joined, role, employee_no, phone,
            language, department_id)
        SELECT '!', false, 'bench_mgr' || i, '员' || i, '王', '', false, true, now(),
               'manager', '', '', '', (SELECT id FROM customers_department WHERE code = 'B01')
        FROM generate_series(1, {int(count)}) i ON CONFLICT (username) DO NOTHING""")


def _copy(connection, table, frame, columns, not_null=()):
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN "
                           f"WITH (FORMAT csv{force})", buffer)


def reset_results() -> None:
    with _connection().cursor() as cursor:
        cursor.execute("TRUNCATE customers_churnwarning, customers_gradechange, "
                       "customers_gradesnapshot, customers_jobrun CASCADE")
        # No month graded yet: without its partitions, as on a new database.
        cursor.execute("""SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'customers_gradesnapshot'::regclass
              AND c.relname <> 'customers_gradesnapshot_default'""")
        for (partition,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE {partition}")
        cursor.execute("TRUNCATE customers_customergrade")
    vacuum_between_runs()


def vacuum_between_runs() -> None:
    """What autovacuum does between two nights, done here so that runs do not overlap it."""
    with _connection().cursor() as cursor:
        for table in ("customers_customer", "customers_customergrade", "customers_gradesnapshot",
                      "customers_churnwarning", "customers_gradechange"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def grading_floor(as_of: date) -> float:
    """Seconds of the grading maths alone: the job's SELECT (window average, rank,
    cumulative share, grade and tier by window functions), aggregated in the server,
    nothing written, with the session settings the job gets. Every output column is summed
    so that the planner computes all of them (a column left out, such as the tier, would
    be skipped and the floor would be the maths minus a part)."""
    from django.db import transaction

    from customers.grading.jobs import grades_select_sql, grading_session
    from customers.grading.rules import grading_window
    from customers.models import GradingSettings

    settings_row = GradingSettings()
    sql, params = grades_select_sql(
        window=grading_window(as_of=as_of, months=settings_row.window_months),
        settings_row=settings_row)
    started = time.perf_counter()
    with transaction.atomic(), _connection().cursor() as cursor:
        grading_session()
        cursor.execute(f"""SELECT COUNT(*), SUM(rank), SUM(monthly_average), SUM(tier),
                                  SUM(cumulative_share), SUM(counted_months),
                                  COUNT(*) FILTER (WHERE grade = 'A')
                           FROM ({sql}) graded""", params)
        cursor.fetchone()
    return time.perf_counter() - started


def snapshot_index_upkeep(month: date) -> tuple[float, float]:
    """Seconds to write one month of snapshots into a copy of the table with and without
    its indexes (rolled back): the difference is what index upkeep costs the job."""
    from django.db import transaction

    seconds = []
    for including in ("INCLUDING ALL", "EXCLUDING INDEXES"):
        try:
            with transaction.atomic(), _connection().cursor() as cursor:
                cursor.execute(f"CREATE TEMP TABLE snapshot_copy (LIKE "
                               f"customers_gradesnapshot {including})")
                started = time.perf_counter()
                cursor.execute("INSERT INTO snapshot_copy SELECT * FROM customers_gradesnapshot "
                               "WHERE month = %s ORDER BY customer_id", [month])
                seconds.append(time.perf_counter() - started)
                raise _Rollback
        except _Rollback:
            pass
    return seconds[0], seconds[1]


def stages_line(details: dict) -> str:
    seconds = details.get("seconds") or {}
    return ", ".join(f"{name.replace('_', ' ')} {value:.1f} s" for name, value in seconds.items())


def job_in_subprocess(job: str, as_of: date) -> dict:
    """Time one job in a fresh interpreter so that max RSS is that job's own."""
    answer = subprocess.run([sys.executable, "-m", "benchmarks.bench_grading", job,
                             as_of.isoformat()],
                            capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _job_main(job: str, as_of: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.local")
    django.setup()
    from django.utils import timezone

    from customers.grading.jobs import recompute_grades, scan_churn

    started = time.perf_counter()
    service = recompute_grades if job == "grades" else scan_churn
    run = service(as_of=date.fromisoformat(as_of) if as_of else timezone.localdate())
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "stores": run.stores_processed,
                      "changes": run.changes, "details": run.details}, default=str))


class _Rollback(Exception):
    pass


def naive_grades(sample: int, today: date) -> float:
    """Per-store ORM: sum the window, find the first purchase, save a snapshot and the
    customer's grade one by one (thresholds taken as given). Rolled back."""
    from django.db import transaction

    from customers.grading.rules import add_months, grading_window, month_start
    from customers.models import Customer, CustomerGrade, GradeSnapshot, MonthlyPurchase

    window = grading_window(as_of=today, months=3)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for customer in Customer.objects.filter(status="active").order_by("id")[:sample]:
                purchases = MonthlyPurchase.objects.filter(
                    customer=customer, month__gte=window[0], month__lt=month_start(today))
                total = sum(p.amount for p in purchases)
                first = (MonthlyPurchase.objects.filter(customer=customer, amount__gt=0)
                         .order_by("month").first())
                counted = 3
                if first is not None:
                    counted = sum(1 for m in window if m >= first.month)
                average = round(total / counted, 2) if counted and total else 0
                grade = "A" if average >= 30000 else "B" if average >= 10000 else "C"
                GradeSnapshot.objects.update_or_create(
                    customer=customer, month=add_months(window[-1], 1),
                    defaults={"as_of": today, "grade": grade, "monthly_average": average,
                              "rank": 1, "cumulative_share": 0, "window_months": 3,
                              "counted_months": counted, "method": "standard_amounts"})
                CustomerGrade.objects.update_or_create(
                    customer=customer, defaults={"grade": grade, "monthly_average": average})
            raise _Rollback
    except _Rollback:
        pass
    return sample / (time.perf_counter() - started)


def naive_churn(sample: int, today: date) -> float:
    """Per-store ORM: read the store's recent months and raise or resolve one by one."""
    from django.db import transaction

    from customers.grading.rules import purchase_weights
    from customers.models import Customer, MonthlyPurchase
    from customers.services import churn_warning_raise, churn_warning_resolve_open

    weights = purchase_weights(as_of=today)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for customer in Customer.objects.filter(status="active").order_by("id")[:sample]:
                recent = base = 0
                for p in MonthlyPurchase.objects.filter(customer=customer,
                                                        month__gte=min(weights)):
                    w_recent, w_base = weights.get(p.month, (0, 0))
                    recent += p.amount * w_recent
                    base += p.amount * w_base / 3
                lapsed = customer.last_order_date and (today - customer.last_order_date).days
                if lapsed and lapsed >= 14:
                    churn_warning_raise(customer=customer, reason="no_order", score=40,
                                        evidence={"days": lapsed}, as_of=today)
                else:
                    churn_warning_resolve_open(customer=customer, reason="no_order",
                                               resolution="ordered")
                # One open scan warning per store: a lapsed store keeps its no_order one.
                if base and recent <= base * 7 / 10 and not (lapsed and lapsed >= 14):
                    churn_warning_raise(customer=customer, reason="purchase_drop", score=30,
                                        evidence={}, as_of=today)
                else:
                    churn_warning_resolve_open(customer=customer, reason="purchase_drop",
                                               resolution="recovered")
            raise _Rollback
    except _Rollback:
        pass
    return sample / (time.perf_counter() - started)


def run(stdout) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    if built(STORES):
        stdout.write(f"   using the cached {STORES:,} stores (bench_marker)\n")
    else:
        build(stdout, stores=STORES, today=today)
    reset_results()
    from customers.grading.rules import add_months, month_start

    last_month = add_months(month_start(today), -1)
    floors = [grading_floor(today)]
    stdout.write(f"   floor: grading maths as one SQL statement    {floors[0]:6.1f} s\n")
    results = {}
    for label, job, as_of in [
            ("grades, first ever (every store graded)", "grades", last_month),
            ("grades, monthly (new window)", "grades", today),
            ("grades, nightly refresh", "grades", today),
            ("churn scan, first", "churn", today),
            ("churn scan, nightly rerun", "churn", today)]:
        result = job_in_subprocess(job, as_of)
        vacuum_between_runs()
        results[label] = result
        rate = result["stores"] / result["seconds"]
        within = result["seconds"] <= 60 and result["peak_mb"] < 2048
        stdout.write(f"   {label:42s} {result['seconds']:6.1f} s  {rate:10,.0f} stores/s  "
                     f"peak {result['peak_mb']:6.0f} MB  changes {result['changes']:,}  "
                     f"{'ok' if within else 'OVER TARGET'}\n")
        stdout.write(f"      stages: {stages_line(result['details'])}\n")
        stdout.flush()
        if label.startswith("grades, monthly"):
            with_indexes, without = snapshot_index_upkeep(month_start(today))
            stdout.write(f"      snapshot index upkeep: {with_indexes - without:.1f} s of "
                         f"{with_indexes:.1f} s to write a month of snapshots\n")
    floors.append(grading_floor(today))
    floor = min(floors)
    stdout.write(f"   floor again after the runs: {floors[1]:.1f} s; against the floor "
                 f"({floor:.1f} s):")
    for label in ("grades, first ever (every store graded)", "grades, monthly (new window)"):
        stdout.write(f" {label.split(' (')[0]}: {results[label]['seconds'] / floor:.1f}x;")
    within_floor = all(results[label]["seconds"] <= 2 * floor for label in (
        "grades, first ever (every store graded)", "grades, monthly (new window)"))
    stdout.write(f" (target <= 2x: {'met' if within_floor else 'NOT met'})\n")
    for job, label, naive in [("grades", "grades, monthly (new window)", naive_grades),
                              ("churn", "churn scan, first", naive_churn)]:
        rate = naive(SAMPLE, today)
        fast = results[label]["stores"] / results[label]["seconds"]
        stdout.write(f"   naive per-store ORM {job:6s} on {SAMPLE:,} stores: {rate:8,.0f} "
                     f"stores/s -> set-wise is {fast / rate:,.0f}x faster "
                     f"(naive for {STORES:,}: ~{STORES / rate / 60:,.0f} min)\n")
    ok = all(r["seconds"] <= 60 and r["peak_mb"] < 2048 for r in results.values())
    stdout.write(f"   target (<= 60 s, < 2 GB, every run above): {'met' if ok else 'NOT met'}\n")


if __name__ == "__main__":
    _job_main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
