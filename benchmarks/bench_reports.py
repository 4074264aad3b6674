"""The reports at scale: summaries built from scratch, one day's orders applied, and each
report call timed over many requests against the same query answered from order lines.

Builds once (cached; a marker table says so) BENCH_REPORT_STORES stores (default
1,000,000) in 10 departments, one territory per 5,000 stores and ten managers per
territory, with BENCH_REPORT_MONTHS months (default 12) of confirmed orders (one a month
per store, 3 lines of 40 SKUs in 20 brands), all in set-wise SQL; one store in 50 a key
account, two in five with a birthday on file.
"""

import gc
import os
import resource
import statistics
import time
from datetime import date, timedelta

STORES = int(os.environ.get("BENCH_REPORT_STORES", "1000000"))
MONTHS = int(os.environ.get("BENCH_REPORT_MONTHS", "12"))
REQUESTS = int(os.environ.get("BENCH_REPORT_REQUESTS", "200"))
RAW_REPEATS = int(os.environ.get("BENCH_REPORT_RAW_REPEATS", "3"))
# BENCH_REPORT_REBUILD=0 keeps the summaries of an earlier run (skips the from-scratch time).
REBUILD = os.environ.get("BENCH_REPORT_REBUILD", "1") != "0"
# How many times the nightly refresh is timed, new and old way (one after the other).
NIGHTS = int(os.environ.get("BENCH_REPORT_NIGHTS", "2"))
# Share of the last 7 days' confirmed orders cancelled in a night (besides a day's new
# orders): cancels come before delivery, in the current order cycle.
CANCELLED = float(os.environ.get("BENCH_REPORT_CANCELLED", "0.05"))
# BENCH_REPORT_NEW_WHOLE=0 skips timing whole months the new way (saves a few minutes).
NEW_WHOLE = os.environ.get("BENCH_REPORT_NEW_WHOLE", "1") != "0"
MARKER = "reports_bench"
TARGET_MS = 300


def _cursor():
    from django.db import connection

    return connection.cursor()


def built(stores: int, months: int) -> bool:
    with _cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, "
                       "stores integer, built_on date)")
        cursor.execute("SELECT stores FROM bench_marker WHERE name = %s", [MARKER])
        row = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM customers_customer WHERE code LIKE 'R%'")
        present = cursor.fetchone()[0]
    return row is not None and row[0] == stores * 100 + months and present == stores


def build(stdout, *, today: date) -> None:
    from reports.services import add_months, month_start

    started = time.perf_counter()
    territories = max(1, STORES // 5000)
    first = add_months(month_start(today), 1 - MONTHS)
    with _cursor() as cursor:
        cursor.execute("DELETE FROM bench_marker WHERE name = %s", [MARKER])
        cursor.execute("""TRUNCATE phone_orders_orderline, phone_orders_orderevent,
            phone_orders_order, reports_salesmonthly, reports_salesrollup CASCADE""")
        cursor.execute("DELETE FROM customers_customer WHERE code LIKE 'R%'")
        cursor.execute("""INSERT INTO customers_department (code, name)
            SELECT 'RD' || i, '报表部' || i FROM generate_series(0, 9) i
            ON CONFLICT (code) DO NOTHING""", [])
        cursor.execute("""INSERT INTO customers_territory (code, name, department_id)
            SELECT 'RT' || lpad(i::text, 4, '0'), '报表片区' || i,
                   (SELECT id FROM customers_department WHERE code = 'RD' || (i %% 10))
            FROM generate_series(0, %s - 1) i ON CONFLICT (code) DO NOTHING""",
                       [territories])
        cursor.execute("""INSERT INTO customers_user (password, is_superuser, username,
                first_name, last_name, email, is_staff, is_active, date_joined, role,
                employee_no, phone, language, department_id)
            SELECT '!', false, 'rep_mgr' || i, '员' || i, '李', '', false, true, now(),
                   'manager', '', '', '', (SELECT id FROM customers_department
                                       WHERE code = 'RD' || ((i / 10) %% 10))
            FROM generate_series(0, %s - 1) i ON CONFLICT (username) DO NOTHING""",
                       [territories * 10])
        _clerks(cursor)
        cursor.execute("""INSERT INTO customers_user (password, is_superuser, username,
                first_name, last_name, email, is_staff, is_active, date_joined, role,
                employee_no, phone, language, department_id)
            VALUES ('!', true, 'rep_admin', '', '', '', true, true, now(), 'admin', '', '', '',
                    NULL),
                   ('!', false, 'rep_supervisor', '', '', '', false, true, now(),
                    'supervisor', '', '', '', (SELECT id FROM customers_department
                                           WHERE code = 'RD0'))
            ON CONFLICT (username) DO NOTHING""")
        cursor.execute("""
            CREATE TEMP TABLE rep_owner AS
            SELECT t.id AS territory_id, m.id AS manager_id,
                   substr(t.code, 3)::int * 10 + substr(m.username, 8)::int % 10 AS slot
            FROM customers_territory t
            JOIN customers_user m ON m.username LIKE 'rep_mgr%'
                 AND substr(m.username, 8)::int / 10 = substr(t.code, 3)::int
            WHERE t.code LIKE 'RT%'""")
        cursor.execute("""
            INSERT INTO customers_customer (code, name, name_initials, license_no, owner,
                phone, address, business_format, network, territory_id, manager_id, status,
                order_weekday, order_channel, settlement_method, delivery_method,
                open_complaint_count, created_at, updated_at, legal_representative,
                business_hours, shop_sign, facility_type, standard_class, delivery_time,
                operator_background, education, family, personality, temperament, needs,
                sales_structure, lawful_operation, price_compliance, new_product_listing,
                payment_terms, owner_initials, is_key_account, churn_reasons,
                birthday)
            SELECT 'R' || lpad(i::text, 11, '0'), '报表店' || i, 'bbd',
                   'L' || lpad(i::text, 11, '0'), '张三', '', '报表路1号',
                   (ARRAY['convenience', 'tobacco_liquor', 'supermarket', 'grocery',
                          'entertainment', 'other'])[1 + i %% 6],
                   CASE WHEN i %% 10 < 3 THEN 'rural' ELSE 'urban' END,
                   o.territory_id, o.manager_id, 'active', 1 + i %% 6, 'phone',
                   'electronic', 'door', 0, now(), now(),
                   '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
                   'zs', i %% 50 = 0, '[]',
                   CASE WHEN i %% 5 < 2 THEN date '1960-01-01' + i %% 15000 END
            FROM generate_series(0, %s - 1) i
            JOIN rep_owner o ON o.slot = (i / 500)""", [STORES])
        cursor.execute("DROP TABLE rep_owner")
        cursor.execute("""
            INSERT INTO phone_orders_product (code, name, name_initials, brand, origin,
                wholesale_price, retail_price, price_band, flavour, pack_type, pack_colour,
                stick_size, is_scarce, default_quota, is_new, on_sale, created_at,
                updated_at)
            SELECT 'RP' || i, '报表烟' || i, '', '报表牌' || (i % 20), '湖南',
                   (ARRAY[180, 85, 50, 25, 12])[1 + i % 5],
                   (ARRAY[220, 100, 60, 30, 15])[1 + i % 5], 1 + i % 5, 'virginia',
                   'hard', '', 'regular', false, 0, false, true, now(), now()
            FROM generate_series(0, 39) i ON CONFLICT (code) DO NOTHING""")
        cursor.execute("VACUUM ANALYZE customers_customer")
        stdout.write(f"   built {STORES:,} stores in {time.perf_counter() - started:.0f} s\n")
        # A year of orders for a million stores is 12 M orders and 36 M lines: loaded
        # without the secondary indexes (built once afterwards) and without the foreign
        # key triggers (the rows are consistent by construction), as a restore would.
        cursor.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i WHERE i.indrelid IN ('phone_orders_order'::regclass,
                                                 'phone_orders_orderline'::regclass)
              AND NOT i.indisunique""")
        secondary = cursor.fetchall()
        for name, _definition in secondary:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET session_replication_role = replica")
        try:
            for index in range(MONTHS):
                month = add_months(first, index)
                _orders_of(cursor, month, last_day=today)
                stdout.write(f"   orders of {month:%Y-%m} "
                             f"({time.perf_counter() - started:.0f} s)\n")
                stdout.flush()
        finally:
            cursor.execute("RESET session_replication_role")
            for _name, definition in secondary:
                cursor.execute(definition)
        cursor.execute("VACUUM (FREEZE, ANALYZE) phone_orders_order")
        cursor.execute("VACUUM (FREEZE, ANALYZE) phone_orders_orderline")
        cursor.execute("INSERT INTO bench_marker VALUES (%s, %s, %s)",
                       [MARKER, STORES * 100 + MONTHS, today])
    stdout.write(f"   built {STORES:,} stores with {MONTHS} months of orders in "
                 f"{time.perf_counter() - started:.0f} s\n")


def _clerks(cursor) -> None:
    """One order clerk per territory (its 5,000 stores, 1,000 to call a day), so that the
    morning view's ordering table has the rows of a province."""
    cursor.execute("""INSERT INTO customers_user (password, is_superuser, username,
            first_name, last_name, email, is_staff, is_active, date_joined, role,
            employee_no, phone, language, department_id)
        SELECT '!', false, 'rep_clerk' || substr(t.code, 3), '员', '订', '', false, true, now(),
               'clerk', '', '', '', t.department_id
        FROM customers_territory t WHERE t.code LIKE 'RT%%'
        ON CONFLICT (username) DO NOTHING""")
    cursor.execute("""INSERT INTO customers_user_territories (user_id, territory_id)
        SELECT u.id, t.id FROM customers_territory t
        JOIN customers_user u ON u.username = 'rep_clerk' || substr(t.code, 3)
        WHERE t.code LIKE 'RT%%' ON CONFLICT DO NOTHING""")


def _orders_of(cursor, month: date, *, last_day: date, stores_filter: str = "",
               day: date | None = None) -> None:
    """One confirmed order of 3 lines per store in the month (on a day of its own, up to
    `last_day`), or only the stores ordering on `day`."""
    when = ("(%(month)s::date + (c.id %% 28)::int)" if day is None else "%(day)s::date")
    where = ("(%(month)s::date + (c.id %% 28)::int) <= %(last_day)s" if day is None
             else "c.id %% 28 = %(slot)s")
    params = {"month": month, "last_day": last_day, "day": day,
              "slot": (day.day - 1) % 28 if day else 0}
    cursor.execute(f"""
        CREATE TEMP TABLE rep_new AS
        WITH ins AS (
            INSERT INTO phone_orders_order (customer_id, cycle_start, order_date, status,
                channel, source, created_at, updated_at, confirmed_at, cancel_reason,
                requested_cartons, granted_cartons, total_amount, is_supplementary)
            SELECT c.id, {when} - extract(isodow FROM {when})::int + 1, {when}, 'confirmed',
                   'phone', 'import', now(), now(), now(), '', 0, 0, 0, false
            FROM customers_customer c
            WHERE c.code LIKE 'R%%' AND {where} {stores_filter}
            RETURNING id, customer_id)
        SELECT * FROM ins""", params)
    cursor.execute("""
        INSERT INTO phone_orders_orderline (order_id, product_id, requested_cartons,
            granted_cartons, unit_price, amount, unmet_reason)
        SELECT n.id, p.id, q, q, p.wholesale_price, q * p.wholesale_price, ''
        FROM rep_new n
        CROSS JOIN generate_series(0, 2) k
        JOIN phone_orders_product p ON p.code = 'RP' || ((n.customer_id * 7 + k * 13) % 40)
        CROSS JOIN LATERAL (SELECT 1 + (n.customer_id + k) % 5 AS q) qq""")
    cursor.execute("DROP TABLE rep_new")


def _ms(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def _raw_sql(group: str) -> str:
    """The sales report from order lines: what the summaries save each page view."""
    column = {"month": "date_trunc('month', o.order_date)", "territory": "c.territory_id",
              "department": "t.department_id", "manager": "c.manager_id",
              "brand": "p.brand", "price_band": "p.price_band",
              "business_format": "c.business_format", "network": "c.network"}[group]
    return f"""SELECT {column}, sum(l.granted_cartons), sum(l.amount),
                      count(DISTINCT o.customer_id)
               FROM phone_orders_order o JOIN phone_orders_orderline l ON l.order_id = o.id
               JOIN phone_orders_product p ON p.id = l.product_id
               JOIN customers_customer c ON c.id = o.customer_id
               JOIN customers_territory t ON t.id = c.territory_id
               WHERE o.status = 'confirmed' AND o.order_date >= %s AND o.order_date < %s
               GROUP BY 1"""


# The nightly refresh before the watermark (main until 2026-11-23), the baseline: one
# statement per month set (owner looked up per summed row), delete and insert of every
# row, the rollup's stores by count(DISTINCT) over ten grouping sets.
_OLD_SUMMARY_SQL = """
WITH sold AS (
    SELECT date_trunc('month', o.order_date)::date AS month, o.customer_id, p.brand,
           p.price_band, sum(l.granted_cartons) AS cartons, sum(l.amount) AS amount,
           count(DISTINCT o.id) AS orders
    FROM phone_orders_order o
    JOIN phone_orders_orderline l ON l.order_id = o.id
    JOIN phone_orders_product p ON p.id = l.product_id
    WHERE o.status = %(confirmed)s AND o.order_date >= %(first)s AND o.order_date < %(after)s
      AND date_trunc('month', o.order_date)::date = ANY(%(months)s)
      AND (l.granted_cartons > 0 OR l.amount <> 0)
    GROUP BY 1, 2, 3, 4
),
owner AS (
    SELECT k.month, c.id AS customer_id,
           coalesce(h.territory_id, c.territory_id) AS territory_id,
           CASE WHEN h.id IS NULL THEN c.manager_id ELSE h.manager_id END AS manager_id,
           coalesce(h.business_format, c.business_format) AS business_format,
           coalesce(h.network, c.network) AS network, c.is_key_account AS key_account
    FROM (SELECT DISTINCT month, customer_id FROM sold) k
    JOIN customers_customer c ON c.id = k.customer_id
    LEFT JOIN LATERAL (
        SELECT hc.id, hc.territory_id, hc.manager_id, hc.business_format, hc.network
        FROM customers_historicalcustomer hc
        WHERE hc.id = c.id
          AND hc.history_date < ((k.month + interval '1 month')::timestamp
                                 AT TIME ZONE %(time_zone)s)
        ORDER BY hc.history_date DESC, hc.history_id DESC LIMIT 1
    ) h ON true
)
INSERT INTO reports_salesmonthly (month, customer_id, department_id, territory_id,
    manager_id, business_format, network, brand, price_band, cartons, amount, orders,
    key_account)
SELECT s.month, s.customer_id, t.department_id, w.territory_id, w.manager_id,
       w.business_format, w.network, s.brand, s.price_band, s.cartons, s.amount, s.orders,
       w.key_account
FROM sold s
JOIN owner w USING (month, customer_id)
LEFT JOIN customers_territory t ON t.id = w.territory_id
"""


def _old_refresh(services, months) -> dict:
    """The baseline nightly refresh, stage by stage (seconds)."""
    from django.db import transaction

    from crm_project.jobs import StageTimer

    s = services
    params = s._params(months, None)
    timer = StageTimer()
    started = time.perf_counter()
    with transaction.atomic():
        with _cursor() as cursor:
            with timer.stage("summary rows deleted"):
                cursor.execute("DELETE FROM reports_salesmonthly WHERE month = ANY(%(months)s)",
                               params)
            with timer.stage("summary rows (sums, owners, insert)"):
                cursor.execute(_OLD_SUMMARY_SQL, params)
            with timer.stage("rollup"):
                s._rollup_whole_months(cursor, params)
            with timer.stage("daily"):
                s._daily_whole_months(cursor, params)
        commit = time.perf_counter()
    timer.seconds["commit"] = round(time.perf_counter() - commit, 3)
    return {"total": time.perf_counter() - started, **timer.seconds}


def _timed_new(call) -> dict:
    from crm_project.jobs import StageTimer

    timer = StageTimer()
    started = time.perf_counter()
    result = call(timer)
    return {"total": time.perf_counter() - started, **timer.seconds, "result": result}


def _day_orders(services, month: date, day: date) -> set:
    """The day's orders (those of an earlier run go first), unheard by the summary."""
    from django.db import transaction

    with transaction.atomic():
        with _cursor() as cursor:
            cursor.execute("""DELETE FROM phone_orders_orderline WHERE order_id IN (
                SELECT id FROM phone_orders_order WHERE order_date = %s)""", [day])
            cursor.execute("DELETE FROM phone_orders_order WHERE order_date = %s", [day])
            _orders_of(cursor, month, last_day=day, day=day)
            cursor.execute("SELECT customer_id FROM phone_orders_order WHERE order_date = %s",
                           [day])
            return {(row[0], month) for row in cursor.fetchall()}


def _fingerprint() -> tuple:
    with _cursor() as cursor:
        cursor.execute("""SELECT (SELECT (count(*), sum(cartons), sum(amount), sum(orders),
                                          sum(coalesce(manager_id, 0)))::text
                                  FROM reports_salesmonthly),
                                 (SELECT (count(*), sum(cartons), sum(amount), sum(stores))::text
                                  FROM reports_salesrollup),
                                 (SELECT (count(*), sum(cartons), sum(amount), sum(orders))::text
                                  FROM reports_salesdaily)""")
        return cursor.fetchone()


def _stages(figures: dict) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in figures.items()
                     if name not in ("total", "result"))


def _night(stdout, services, window: list, day: date, night: int) -> float:
    """One night: a day's new orders and CANCELLED of the week's orders cancelled, none
    heard by the summary; then the nightly refresh the new way (changed stores since the
    watermark), the old way (both months whole, the baseline) and whole months the new
    way; the three must leave the same summaries. Returns the new nightly's seconds."""
    from django.utils import timezone

    from reports.models import SalesSummaryMark

    SalesSummaryMark.objects.update_or_create(name=services.NIGHTLY,
                                              defaults={"changes_until": timezone.now()})
    time.sleep(0.01)
    pairs = _day_orders(services, window[-1], day)
    with _cursor() as cursor:
        cursor.execute("""UPDATE phone_orders_order SET status = 'cancelled', updated_at = now()
            WHERE id IN (SELECT id FROM phone_orders_order WHERE status = 'confirmed'
                         AND order_date >= %s AND order_date < %s
                         AND order_date <> %s AND order_date > %s - 7 AND random() < %s)""",
                       [window[-1], services.add_months(window[-1], 1), day, day, CANCELLED])
        cancelled = cursor.rowcount
    with _cursor() as cursor:  # changes are seen after the overlap
        cursor.execute("UPDATE reports_salessummarymark SET changes_until = changes_until "
                       "+ %s WHERE name = %s", [services.NIGHTLY_OVERLAP, services.NIGHTLY])
    new = _timed_new(lambda timer: services.sales_summary_nightly(months=window,
                                                                  stages=timer))
    after_new = _fingerprint()
    old = _old_refresh(services, window)
    after_old = _fingerprint()
    whole = (_timed_new(lambda timer: services.sales_summary_refresh(months=window,
                                                                     stages=timer))
             if NEW_WHOLE else None)
    same = after_new == after_old == _fingerprint()
    stdout.write(f"   night {night + 1}: {len(pairs):,} new orders, {cancelled:,} cancelled; "
                 f"nightly {new['total']:6.1f} s ({new['result']['stores']:,} stores; "
                 f"{_stages(new)}) {'ok' if new['total'] <= 60 else 'OVER TARGET'}\n"
                 f"      old way, 2 months whole {old['total']:6.1f} s ({_stages(old)}): "
                 f"{old['total'] / new['total']:.1f}x the nightly\n"
                 + (f"      new way, 2 months whole {whole['total']:6.1f} s ({_stages(whole)})\n"
                    if whole else "")
                 + f"      same summaries every way: {'yes' if same else 'NO'}\n")
    stdout.flush()
    return new["total"]


def run(stdout) -> None:
    from django.test import Client
    from django.utils import timezone

    from customers.models import User
    from reports import services
    from reports.models import SalesMonthly

    today = timezone.localdate()
    if built(STORES, MONTHS):
        stdout.write(f"   using the cached {STORES:,} stores x {MONTHS} months (bench_marker)\n")
    else:
        build(stdout, today=today)
    with _cursor() as cursor:
        cursor.execute("SELECT count(*) FROM phone_orders_orderline")
        lines = cursor.fetchone()[0]
    stdout.write(f"   {lines:,} order lines\n")

    started = time.perf_counter()
    rows = services.sales_summary_rebuild() if REBUILD else 0
    rebuild = time.perf_counter() - started
    with _cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_salesmonthly")
        cursor.execute("VACUUM ANALYZE reports_salesrollup")
        cursor.execute("SELECT count(*) FROM reports_salesrollup")
        rollup_rows = cursor.fetchone()[0]
    stdout.write(f"   summaries from scratch: {rebuild:6.1f} s ({rows:,} per-store rows, "
                 f"{rollup_rows:,} rollup rows)\n")

    this_month = services.month_start(today)
    window = [services.add_months(this_month, -1), this_month]
    if not SalesMonthly.objects.filter(month=this_month).exists():  # kept summaries lost
        services.sales_summary_refresh(months=window)
    day = today + timedelta(days=1) if today.day < 28 else today
    nightly = max(_night(stdout, services, window, day, night) for night in range(NIGHTS))

    pairs = _day_orders(services, this_month, day)
    with _cursor() as cursor:
        whole = services._whole_month(cursor, this_month, len(pairs))
    started = time.perf_counter()
    services.sales_summary_refresh_pairs(pairs=pairs)
    one_day = time.perf_counter() - started
    # The same day through the whole month (the import's way above 2,000 stores until
    # 2026-11-24), in the same run: the baseline.
    started = time.perf_counter()
    services.sales_summary_refresh(months=[this_month])
    whole_month = time.perf_counter() - started
    stdout.write(f"   one day's orders ({len(pairs):,} stores, "
                 f"{'whole month' if whole else 'as a store set'}) applied: {one_day:6.1f} s;"
                 f" the whole month: {whole_month:6.1f} s ({whole_month / one_day:.1f}x)\n")
    for size in (1, 200):
        sample = set(sorted(pairs)[:size])
        started = time.perf_counter()
        services.sales_summary_refresh_pairs(pairs=sample)
        stdout.write(f"   {size:,} store(s) refreshed (a confirm, a small import): "
                     f"{(time.perf_counter() - started) * 1000:6.0f} ms\n")

    if REQUESTS == 0:
        return
    admin = User.objects.get(username="rep_admin")
    supervisor = User.objects.get(username="rep_supervisor")
    first = services.add_months(this_month, -11)
    span = {"from": f"{first:%Y-%m}", "to": f"{this_month:%Y-%m}"}
    calls = [(f"sales {group}, admin, 12 months", admin, "/api/reports/sales/",
              {"group_by": group, **span}, group)
             for group in ("month", "department", "territory", "manager", "brand",
                           "price_band", "business_format", "network")]
    calls += [("sales territory, supervisor, 12 months", supervisor, "/api/reports/sales/",
               {"group_by": "territory", **span}, None),
              ("sales brand, admin, one month", admin, "/api/reports/sales/",
               {"group_by": "brand", "from": f"{this_month:%Y-%m}",
                "to": f"{this_month:%Y-%m}"}, None),
              ("grades by territory, admin", admin, "/api/reports/grades/",
               {"group_by": "territory"}, None),
              ("grade changes, admin", admin, "/api/reports/grade-changes/", {}, None),
              ("morning API, supervisor", supervisor, "/api/reports/morning/", {}, None),
              ("morning page (home), supervisor", supervisor, "/", {}, None),
              ("morning API, admin", admin, "/api/reports/morning/", {}, None),
              ("morning page (home), admin", admin, "/", {}, None)]
    # As the WSGI entry point does once the app is loaded (crm_project/wsgi.py): the
    # loaded objects out of the garbage collector's sight.
    gc.freeze()
    clients = {}
    worst = 0.0
    for label, user, path, params, raw_group in calls:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        assert client.get(path, params).status_code == 200, (label, path)
        seconds = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            client.get(path, params)
            seconds.append(time.perf_counter() - started)
        p50, p95 = _ms(seconds)
        worst = max(worst, p95)
        raw = ""
        if raw_group:
            raw_seconds = []
            for _ in range(RAW_REPEATS):
                with _cursor() as cursor:
                    # The baseline at its best: JIT compilation, which the app's own
                    # connections turn off, helps a scan of 35 M order lines.
                    cursor.execute("SET jit = on")
                    started = time.perf_counter()
                    cursor.execute(_raw_sql(raw_group),
                                   [first, services.add_months(this_month, 1)])
                    cursor.fetchall()
                    raw_seconds.append(time.perf_counter() - started)
                    cursor.execute("RESET jit")
            raw_ms = statistics.median(raw_seconds) * 1000
            raw = f"  from order lines {raw_ms:8.0f} ms ({raw_ms / p50:,.0f}x)"
        stdout.write(f"   {label:40s} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  "
                     f"{'ok' if p95 <= TARGET_MS else 'OVER'}{raw}\n")
        stdout.flush()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = worst <= TARGET_MS and nightly <= 60 and peak_mb < 2048
    stdout.write(f"   peak memory {peak_mb:.0f} MB; target (calls p95 <= {TARGET_MS} ms, "
                 f"nightly <= 60 s, < 2 GB): {'met' if ok else 'NOT met'}\n")
