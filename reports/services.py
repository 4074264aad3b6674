"""Keeping the sales summary (reports.SalesMonthly) equal to the confirmed order lines.

Set-wise per month: the order lines summed per store, brand and price band and each
store-month's owner at the end of the month go into temporary tables; then the rows of
some stores are deleted and inserted again, or, for whole months, only the rows that
differ are written. The nightly run (sales_summary_nightly) refreshes only the stores
changed since its last run. Owners come from the store's history
(simple_history), so a store moved to another manager or territory counts for its new
owner from the month of the move on, while its earlier months stay with whoever held it
then; a rebuild from scratch gives the same rows.
"""

from collections import defaultdict
from contextlib import nullcontext
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from customers.models import Customer, Territory
from phone_orders.models import Order, OrderLine, OrderStatus, Product

from .models import RollupLevel, SalesDaily, SalesMonthly, SalesRollup, SalesSummaryMark

LOCK_KEY = 4_401_101  # advisory lock: one writer of the summary at a time
# A month in which more than this share of its buying stores changed (an import, a night)
# is refreshed whole; fewer stores are refreshed as a set, however many they are.
WHOLE_MONTH_SHARE = 0.25


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


# The refresh in three set-wise steps over temporary tables (no WAL, real statistics):
# the order lines summed per (month, store, brand, price band); the owner of each
# store-month looked up once (not once per summed row); then the summary rows.
_SOLD_SQL = """
CREATE TEMP TABLE sales_sold ON COMMIT DROP AS
SELECT date_trunc('month', o.order_date)::date AS month, o.customer_id, p.brand,
       p.price_band, sum(l.granted_cartons) AS cartons, sum(l.amount) AS amount,
       count(DISTINCT o.id) AS orders
FROM {order} o
JOIN {line} l ON l.order_id = o.id
JOIN {product} p ON p.id = l.product_id
WHERE o.status = %(confirmed)s AND o.order_date >= %(first)s AND o.order_date < %(after)s
  AND date_trunc('month', o.order_date)::date = ANY(%(months)s)
  AND (l.granted_cartons > 0 OR l.amount <> 0)
  {customer_filter}
GROUP BY 1, 2, 3, 4
"""
# Who held the store at the end of the month (the first instant of the next one, local
# time), from its history; its current values when the history starts later.
_OWNER_SQL = """
CREATE TEMP TABLE sales_owner ON COMMIT DROP AS
SELECT k.month, c.id AS customer_id,
       coalesce(h.territory_id, c.territory_id) AS territory_id,
       CASE WHEN h.id IS NULL THEN c.manager_id ELSE h.manager_id END AS manager_id,
       coalesce(h.business_format, c.business_format) AS business_format,
       coalesce(h.network, c.network) AS network, c.is_key_account AS key_account
FROM (SELECT DISTINCT month, customer_id FROM sales_sold) k
JOIN {customer} c ON c.id = k.customer_id
LEFT JOIN LATERAL (
    SELECT hc.id, hc.territory_id, hc.manager_id, hc.business_format, hc.network
    FROM {history} hc
    WHERE hc.id = c.id
      AND hc.history_date < ((k.month + interval '1 month')::timestamp
                             AT TIME ZONE %(time_zone)s)
    ORDER BY hc.history_date DESC, hc.history_id DESC LIMIT 1
) h ON true
"""
_SUMMARY_COLUMNS = ("month, customer_id, department_id, territory_id, manager_id, "
                    "business_format, network, brand, price_band, cartons, amount, orders, "
                    "key_account")
_NEW_ROWS_SQL = """
SELECT s.month, s.customer_id, t.department_id, w.territory_id, w.manager_id,
       w.business_format, w.network, s.brand, s.price_band, s.cartons, s.amount, s.orders,
       w.key_account
FROM sales_sold s
JOIN sales_owner w USING (month, customer_id)
LEFT JOIN {territory} t ON t.id = w.territory_id
"""
_INSERT_SQL = "INSERT INTO {summary} (" + _SUMMARY_COLUMNS + ") " + _NEW_ROWS_SQL
# Whole months: only the rows that differ are written (a night changes few of them), so
# the summary's four indexes are not rewritten for a month of unchanged rows.
_STALE_SQL = """
DELETE FROM {summary} m WHERE m.month = ANY(%(months)s) AND NOT EXISTS (
    SELECT 1 FROM sales_sold s WHERE s.month = m.month AND s.customer_id = m.customer_id
        AND s.brand = m.brand AND s.price_band = m.price_band)
"""
_UPSERT_SQL = _INSERT_SQL + """
ON CONFLICT (month, customer_id, brand, price_band) DO UPDATE SET
    department_id = excluded.department_id, territory_id = excluded.territory_id,
    manager_id = excluded.manager_id, business_format = excluded.business_format,
    network = excluded.network, cartons = excluded.cartons, amount = excluded.amount,
    orders = excluded.orders, key_account = excluded.key_account
WHERE ({summary}.department_id, {summary}.territory_id, {summary}.manager_id,
       {summary}.business_format, {summary}.network, {summary}.cartons, {summary}.amount,
       {summary}.orders, {summary}.key_account)
    IS DISTINCT FROM (excluded.department_id, excluded.territory_id, excluded.manager_id,
       excluded.business_format, excluded.network, excluded.cartons, excluded.amount,
       excluded.orders, excluded.key_account)
"""


def _names() -> dict:
    return {"order": Order._meta.db_table, "line": OrderLine._meta.db_table,
            "product": Product._meta.db_table, "customer": Customer._meta.db_table,
            "history": Customer.history.model._meta.db_table,
            "territory": Territory._meta.db_table, "summary": SalesMonthly._meta.db_table}


def _timed(stages, name: str):
    """A stage of a refresh, timed when the caller passes a StageTimer (the benchmark)."""
    return stages.stage(name) if stages is not None else nullcontext()


def _stage(cursor, params: dict, customer_filter: str, stages=None) -> None:
    """The new rows of the months (of some stores) into sales_sold and sales_owner."""
    names = _names()
    cursor.execute("DROP TABLE IF EXISTS sales_sold, sales_owner")
    with _timed(stages, "order lines summed"):
        cursor.execute(_SOLD_SQL.format(customer_filter=customer_filter, **names), params)
        cursor.execute("ANALYZE sales_sold")
    with _timed(stages, "owners"):
        cursor.execute(_OWNER_SQL.format(**names), params)
        cursor.execute("ANALYZE sales_owner")


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# --- The rollup (reports.SalesRollup), summed from the per-store rows ------------------

_ROLLUP_KEY = ("level", "month", "department_id", "territory_id", "manager_id",
               "business_format", "network", "brand", "price_band")
_PLACE = "month, department_id, territory_id"
# Each level's columns besides the place, and its GROUPING(manager_id, business_format,
# network, brand, price_band, key_account): a bit set for each column summed over. The
# key-account level keeps only the key accounts' group (HAVING below).
_LEVELS = {
    RollupLevel.OWNER: ("manager_id, business_format, network", 0b000111),
    RollupLevel.BRAND: ("business_format, network, brand", 0b100011),
    RollupLevel.PRICE_BAND: ("business_format, network, price_band", 0b100101),
    RollupLevel.BRAND_BAND: ("business_format, network, brand, price_band", 0b100001),
    RollupLevel.PLACE: ("", 0b111111),
    RollupLevel.PLACE_FORMAT: ("business_format", 0b101111),
    RollupLevel.PLACE_NETWORK: ("network", 0b110111),
    RollupLevel.PLACE_BRAND: ("brand", 0b111011),
    RollupLevel.PLACE_BAND: ("price_band", 0b111101),
    RollupLevel.PLACE_MANAGER: ("manager_id", 0b011111),
    RollupLevel.KEY_ACCOUNTS: ("key_account", 0b111110),
}
_GROUPING = "GROUPING(manager_id, business_format, network, brand, price_band, key_account)"
_LEVEL_SQL = "CASE {grouping} {cases} END".format(
    grouping=_GROUPING, cases=" ".join(f"WHEN {bits} THEN {int(level)}"
                                       for level, (_columns, bits) in _LEVELS.items()))
_SETS = ", ".join(f"({_PLACE}{', ' + columns if columns else ''})"
                  for columns, _bits in _LEVELS.values())


def _kept(column: str, blank: str) -> str:
    return f"CASE WHEN GROUPING({column}) = 0 THEN {column} ELSE {blank} END AS {column}"


_ROLLUP_SELECT = f"""
SELECT {_LEVEL_SQL} AS level, {_PLACE}, {_kept("manager_id", "NULL")},
       {_kept("business_format", "''")}, {_kept("network", "''")},
       {_kept("brand", "''")}, {_kept("price_band", "0")},
       {{sign}} * sum(cartons) AS cartons, {{sign}} * sum(amount) AS amount,
       {{sign}} * count(DISTINCT customer_id) AS stores
FROM {SalesMonthly._meta.db_table}
WHERE month = ANY(%(months)s) {{customer_filter}}
GROUP BY GROUPING SETS ({_SETS})
HAVING GROUPING(key_account) = 1 OR key_account
"""
_ROLLUP_COLUMNS = ", ".join((*_ROLLUP_KEY, "cartons", "amount", "stores"))


def _rollup_whole_months(cursor, params: dict) -> None:
    table = SalesRollup._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE month = ANY(%(months)s)", params)
    cursor.execute(f"INSERT INTO {table} ({_ROLLUP_COLUMNS}) "
                   + _ROLLUP_SELECT.format(sign=1, customer_filter=""), params)


def _rollup_delta(cursor, params: dict, sign: int) -> None:
    """Add (+1) or take away (-1) what these stores' rows of the months contribute."""
    cursor.execute(f"INSERT INTO rollup_delta ({_ROLLUP_COLUMNS}) " + _ROLLUP_SELECT.format(
        sign=sign, customer_filter="AND customer_id = ANY(%(customers)s)"), params)


def _rollup_apply_delta(cursor, params: dict) -> None:
    """Add the summed differences to the rollup; drop rows no store buys in any more.
    Exact for the store counts: each store files a month under one owner, so its
    contribution to a row's distinct stores is 0 or 1, taken away and added back."""
    table = SalesRollup._meta.db_table
    key = ", ".join(_ROLLUP_KEY)
    cursor.execute(f"""
        INSERT INTO {table} ({_ROLLUP_COLUMNS})
        SELECT {key}, sum(cartons), sum(amount), sum(stores) FROM rollup_delta
        GROUP BY {key}
        ON CONFLICT ({key}) DO UPDATE SET cartons = {table}.cartons + excluded.cartons,
            amount = {table}.amount + excluded.amount,
            stores = {table}.stores + excluded.stores""")
    cursor.execute(f"DELETE FROM {table} WHERE month = ANY(%(months)s) AND stores <= 0",
                   params)
    cursor.execute("DROP TABLE rollup_delta")


# --- The daily sums per owner (reports.SalesDaily), for the morning view ------------------

_DAILY_SQL = f"""
INSERT INTO {SalesDaily._meta.db_table} (day, department_id, territory_id, manager_id,
                                         cartons, amount, orders)
SELECT o.order_date, s.department_id, s.territory_id, s.manager_id,
       sum(l.granted_cartons), sum(l.amount), count(DISTINCT o.id)
FROM {{stores}} s
JOIN {Order._meta.db_table} o ON o.customer_id = s.customer_id
     AND o.order_date >= s.month AND o.order_date < s.month + interval '1 month'
JOIN {OrderLine._meta.db_table} l ON l.order_id = o.id
WHERE o.status = %(confirmed)s AND (l.granted_cartons > 0 OR l.amount <> 0)
GROUP BY 1, 2, 3, 4
"""
_OWNERS = f"""(SELECT DISTINCT month, customer_id, department_id, territory_id, manager_id
      FROM {SalesMonthly._meta.db_table} WHERE month = ANY(%(months)s))"""
# The (territory, manager) cells of the month's rows of some stores.
_CELLS_SQL = f"""
INSERT INTO daily_cells SELECT DISTINCT territory_id, manager_id
FROM {SalesMonthly._meta.db_table}
WHERE month = ANY(%(months)s) AND customer_id = ANY(%(customers)s)
"""
# Every store filed under those cells in the month, found through the (manager, month)
# and (territory, month) indexes.
_CELL_STORES_SQL = f"""
CREATE TEMP TABLE daily_stores ON COMMIT DROP AS
SELECT DISTINCT m.month, m.customer_id, m.department_id, m.territory_id, m.manager_id
FROM daily_cells d
JOIN {SalesMonthly._meta.db_table} m ON m.month = ANY(%(months)s) AND (
     (d.manager_id IS NOT NULL AND m.manager_id = d.manager_id
      AND m.territory_id IS NOT DISTINCT FROM d.territory_id)
  OR (d.manager_id IS NULL AND d.territory_id IS NOT NULL AND m.manager_id IS NULL
      AND m.territory_id = d.territory_id)
  OR (d.manager_id IS NULL AND d.territory_id IS NULL AND m.manager_id IS NULL
      AND m.territory_id IS NULL))
"""
_IN_CELLS = """AND EXISTS (SELECT 1 FROM daily_cells d
    WHERE d.territory_id IS NOT DISTINCT FROM {table}.territory_id
      AND d.manager_id IS NOT DISTINCT FROM {table}.manager_id)"""


def _month_days() -> str:
    return ("date_trunc('month', day)::date = ANY(%(months)s) AND day >= %(first)s "
            "AND day < %(after)s")


def _daily_whole_months(cursor, params: dict) -> None:
    cursor.execute(f"DELETE FROM {SalesDaily._meta.db_table} WHERE {_month_days()}",
                   params)
    cursor.execute(_DAILY_SQL.format(stores=_OWNERS), params)


def _daily_cells(cursor, params: dict) -> None:
    """Before the stores' rows change: remember the owners they were filed under."""
    cursor.execute("CREATE TEMP TABLE daily_cells (territory_id integer, manager_id integer)"
                   " ON COMMIT DROP")
    cursor.execute(_CELLS_SQL, params)


def _daily_refresh_cells(cursor, params: dict) -> None:
    """After: the days of the month of every owner the stores were or are filed under,
    summed again from their stores' orders (a manager's few hundred stores)."""
    cursor.execute(_CELLS_SQL, params)
    cursor.execute("ANALYZE daily_cells")
    table = SalesDaily._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE {_month_days()} "
                   + _IN_CELLS.format(table=table), params)
    cursor.execute(_CELL_STORES_SQL, params)
    cursor.execute("ANALYZE daily_stores")
    cursor.execute(_DAILY_SQL.format(stores="daily_stores"), params)
    cursor.execute("DROP TABLE daily_cells, daily_stores")


_DAYS_SQL = f"""
SELECT DISTINCT o.order_date FROM {Order._meta.db_table} o
WHERE o.customer_id = ANY(%(moved)s) AND o.order_date >= %(first)s
  AND o.order_date < %(after)s
"""
# The days' purchases per owner, each store filed as in the summary for its month. Each
# order's lines are summed through the order's index (the planner would otherwise read
# every order line to hash-join a few days' orders).
_DAILY_DAYS_SQL = f"""
INSERT INTO {SalesDaily._meta.db_table} (day, department_id, territory_id, manager_id,
                                         cartons, amount, orders)
SELECT o.order_date, w.department_id, w.territory_id, w.manager_id,
       sum(l.cartons), sum(l.amount), count(*)
FROM {Order._meta.db_table} o
JOIN LATERAL (
    SELECT m.department_id, m.territory_id, m.manager_id
    FROM {SalesMonthly._meta.db_table} m
    WHERE m.month = date_trunc('month', o.order_date)::date AND m.customer_id = o.customer_id
    LIMIT 1) w ON true
JOIN LATERAL (
    SELECT sum(ol.granted_cartons) AS cartons, sum(ol.amount) AS amount, count(*) AS lines
    FROM {OrderLine._meta.db_table} ol
    WHERE ol.order_id = o.id AND (ol.granted_cartons > 0 OR ol.amount <> 0)) l
    ON l.lines > 0
WHERE o.status = %(confirmed)s AND o.order_date = ANY(%(days)s)
GROUP BY 1, 2, 3, 4
"""


def _daily_days(cursor, params: dict, days: dict) -> None:
    """The days of the changed orders, and every day of the month on which a store filed
    elsewhere now (`days[None]`) has an order, summed again for all stores of those days
    (a day's orders, found through the (status, order date) index)."""
    moved = sorted(days.get(None, ()))
    days = {day for day in days if day is not None}
    if moved:
        cursor.execute(_DAYS_SQL, {**params, "moved": moved})
        days.update(row[0] for row in cursor.fetchall())
    days = sorted(days)
    if not days:
        return
    cursor.execute(f"DELETE FROM {SalesDaily._meta.db_table} WHERE day = ANY(%(days)s)",
                   {"days": days})
    cursor.execute(_DAILY_DAYS_SQL, {**params, "days": days})


def _params(months: list[date], customer_ids: list[int] | None) -> dict:
    return {"confirmed": OrderStatus.CONFIRMED, "months": months, "first": min(months),
            "after": add_months(max(months), 1), "time_zone": settings.TIME_ZONE,
            "customers": customer_ids}


def _refresh(cursor, months: list[date], customer_ids: list[int] | None, *,
             by_days: dict | None = None, stages=None) -> int:
    """Rebuild these months (of these stores) in one pass over their orders, and the
    rollup and the daily sums with them. Whole months write only the rows that differ.
    A store set keeps the daily sums by owner (a few hundred stores each), or with
    `by_days` by the days of its changed orders ({day: stores}, None for the stores
    filed under another owner now: every day of theirs; the nightly catch-up)."""
    params = _params(months, customer_ids)
    table = SalesMonthly._meta.db_table
    names = _names()
    if customer_ids is None:
        _stage(cursor, params, "", stages)
        with _timed(stages, "summary rows written"):
            cursor.execute(_STALE_SQL.format(**names), params)
            written = cursor.rowcount
            cursor.execute(_UPSERT_SQL.format(**names), params)
            written += cursor.rowcount
        with _timed(stages, "rollup"):
            _rollup_whole_months(cursor, params)
        with _timed(stages, "daily"):
            _daily_whole_months(cursor, params)
        cursor.execute("DROP TABLE sales_sold, sales_owner")
        return written
    cursor.execute(f"CREATE TEMP TABLE rollup_delta ON COMMIT DROP AS SELECT {_ROLLUP_COLUMNS}"
                   f" FROM {SalesRollup._meta.db_table} WITH NO DATA")
    with _timed(stages, "rollup"):
        _rollup_delta(cursor, params, -1)
    if by_days is None:
        _daily_cells(cursor, params)
    with _timed(stages, "summary rows written"):
        cursor.execute(f"DELETE FROM {table} WHERE month = ANY(%(months)s) "
                       "AND customer_id = ANY(%(customers)s)", params)
    _stage(cursor, params, "AND o.customer_id = ANY(%(customers)s)", stages)
    with _timed(stages, "summary rows written"):
        cursor.execute(_INSERT_SQL.format(**names), params)
        written = cursor.rowcount
    cursor.execute("DROP TABLE sales_sold, sales_owner")
    with _timed(stages, "rollup"):
        _rollup_delta(cursor, params, 1)
        _rollup_apply_delta(cursor, params)
    with _timed(stages, "daily"):
        if by_days is not None:
            _daily_days(cursor, params, by_days)
        else:
            _daily_refresh_cells(cursor, params)
    return written


@transaction.atomic
def sales_summary_refresh(*, months: list[date], stages=None) -> int:
    """Rebuild whole months (the command, a large import, the first nightly run); rows
    written (changed, added or removed). `stages`: a StageTimer to fill (benchmark)."""
    written = 0
    with connection.cursor() as cursor:
        _lock(cursor)
        months = sorted({month_start(m) for m in months})
        if months:
            written = _refresh(cursor, months, None, stages=stages)
    return written


@transaction.atomic
def sales_summary_refresh_pairs(*, pairs: set[tuple[int, date]]) -> int:
    """Rebuild the rows of these (store, month) pairs: what one order or import touched."""
    by_month: dict[date, set[int]] = defaultdict(set)
    for customer_id, month in pairs:
        by_month[month_start(month)].add(int(customer_id))
    written = 0
    with connection.cursor() as cursor:
        _lock(cursor)
        for month, customer_ids in sorted(by_month.items()):
            whole = _whole_month(cursor, month, len(customer_ids))
            written += _refresh(cursor, [month], None if whole else sorted(customer_ids))
    return written


@transaction.atomic
def sales_summary_key_account(*, customer_id: int) -> int:
    """A store confirmed or dropped as a key account: its rows of every summarised month
    take its flag now, and the rollup's key-account level follows (its contribution taken
    away and added back). Returns the per-store rows changed."""
    table = SalesMonthly._meta.db_table
    with connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"SELECT DISTINCT month FROM {SalesRollup._meta.db_table} "
                       "WHERE level = %s", [int(RollupLevel.PLACE)])
        months = sorted(row[0] for row in cursor.fetchall())
        if not months:
            return 0
        params = _params(months, [customer_id])
        cursor.execute(f"CREATE TEMP TABLE rollup_delta ON COMMIT DROP AS SELECT "
                       f"{_ROLLUP_COLUMNS} FROM {SalesRollup._meta.db_table} WITH NO DATA")
        _rollup_delta(cursor, params, -1)
        cursor.execute(f"""
            UPDATE {table} m SET key_account = c.is_key_account
            FROM {Customer._meta.db_table} c
            WHERE c.id = m.customer_id AND m.month = ANY(%(months)s)
              AND m.customer_id = ANY(%(customers)s)
              AND m.key_account IS DISTINCT FROM c.is_key_account""", params)
        changed = cursor.rowcount
        _rollup_delta(cursor, params, 1)
        _rollup_apply_delta(cursor, params)
    return changed


# --- The nightly run: only what changed since the last one ----------------------------

NIGHTLY = "nightly"
# Changes are looked for from a while before the watermark: an order saved just before a
# run but committed after it is still taken in by the next one.
NIGHTLY_OVERLAP = timedelta(minutes=30)

# The (month, store) pairs of the months whose rows may have changed since %(since)s:
# orders saved since (confirmed, cancelled, imported: each save stamps updated_at), stores
# whose history (owner, territory, format, network) changed since, from the month of the
# change on, and rows filed under a department their territory no longer belongs to.
_CHANGED_SQL = f"""
SELECT date_trunc('month', o.order_date)::date, o.customer_id, o.order_date
FROM {Order._meta.db_table} o
WHERE o.order_date >= %(first)s AND o.order_date < %(after)s AND o.updated_at >= %(since)s
UNION
SELECT m.month, h.id, NULL::date
FROM (SELECT id, min(history_date) AS changed
      FROM {Customer.history.model._meta.db_table} WHERE history_date >= %(since)s
      GROUP BY id) h
JOIN unnest(%(months)s::date[]) m(month)
     ON (m.month + interval '1 month')::timestamp AT TIME ZONE %(time_zone)s > h.changed
UNION
SELECT DISTINCT s.month, s.customer_id, NULL::date
FROM {SalesMonthly._meta.db_table} s
JOIN {Territory._meta.db_table} t ON t.id = s.territory_id
WHERE s.month = ANY(%(months)s) AND s.department_id IS DISTINCT FROM t.department_id
"""


def _month_stores(cursor, month: date) -> int:
    """The month's buying stores, from the rollup (a few hundred rows, not the summary)."""
    cursor.execute(f"SELECT coalesce(sum(stores), 0) FROM {SalesRollup._meta.db_table} "
                   "WHERE level = %s AND month = %s", [int(RollupLevel.PLACE), month])
    return cursor.fetchone()[0]


def _whole_month(cursor, month: date, changed_stores: int) -> bool:
    """Whether a change of this many stores is cheaper as the whole month: more than
    WHOLE_MONTH_SHARE of the month's buying stores (any change of a month not summarised
    yet)."""
    return changed_stores > WHOLE_MONTH_SHARE * _month_stores(cursor, month)


@transaction.atomic
def sales_summary_nightly(*, months: list[date], stages=None) -> dict:
    """The nightly refresh of these months: the first run (no watermark yet) rebuilds
    them whole; later runs only the stores whose orders or owners changed since the last
    run (whole months when a large share changed), then move the watermark. Returns what
    was done: {"rows": rows written, "stores": stores refreshed, or None for whole
    months}."""
    months = sorted({month_start(m) for m in months})
    done = {"rows": 0, "stores": None}
    with connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0]
        mark = SalesSummaryMark.objects.select_for_update().filter(name=NIGHTLY).first()
        if months and mark is None:
            done["rows"] = _refresh(cursor, months, None, stages=stages)
        elif months:
            params = {**_params(months, None), "since": mark.changes_until - NIGHTLY_OVERLAP}
            with _timed(stages, "changed stores found"):
                cursor.execute(_CHANGED_SQL, params)
            by_month: dict[date, dict] = defaultdict(lambda: defaultdict(set))
            for month, customer_id, day in cursor.fetchall():
                by_month[month][day].add(customer_id)
            done["stores"] = 0
            for month, days in sorted(by_month.items()):
                customer_ids = sorted(set().union(*days.values()))
                whole = _whole_month(cursor, month, len(customer_ids))
                done["rows"] += _refresh(cursor, [month], None if whole else customer_ids,
                                         by_days=days, stages=stages)
                done["stores"] += len(customer_ids)
        SalesSummaryMark.objects.update_or_create(name=NIGHTLY,
                                                  defaults={"changes_until": started})
    return done


def sales_summary_months_with_orders() -> list[date]:
    """Every month that has a confirmed order (a rebuild from scratch)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', order_date)::date FROM {Order._meta.db_table}"
            " WHERE status = %s ORDER BY 1", [OrderStatus.CONFIRMED])
        return [row[0] for row in cursor.fetchall()]


def sales_summary_rebuild() -> int:
    """Everything from scratch: every month with orders, and no row of a month without."""
    months = sales_summary_months_with_orders()
    with transaction.atomic():
        SalesMonthly.objects.exclude(month__in=months).delete()
        SalesRollup.objects.exclude(month__in=months).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SalesDaily._meta.db_table} "
                           "WHERE NOT date_trunc('month', day)::date = ANY(%s::date[])",
                           [months])
        return sales_summary_refresh(months=months)
