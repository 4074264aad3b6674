"""Keeping the sales summary (reports.SalesMonthly) equal to the confirmed order lines.

One set-wise statement pair per month: delete the month's rows (of some stores, or all)
and insert them again from the order lines, joined to the SKU (brand, price band) and to
the store's owner at the end of that month. Owners come from the store's history
(simple_history), so a store moved to another manager or territory counts for its new
owner from the month of the move on, while its earlier months stay with whoever held it
then; a rebuild from scratch gives the same rows.
"""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from customers.models import Customer, Territory
from phone_orders.models import Order, OrderLine, OrderStatus, Product

from .models import RollupLevel, SalesDaily, SalesMonthly, SalesRollup

LOCK_KEY = 4_401_101  # advisory lock: one writer of the summary at a time
# Beyond this many stores in one change (an import), whole months are refreshed.
WHOLE_MONTH_ABOVE = 2000


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


_REFRESH_SQL = """
WITH sold AS (
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
),
owner AS (
    -- Who held the store at the end of the month (the first instant of the next one,
    -- local time), from its history; its current values when the history starts later.
    SELECT k.month, c.id AS customer_id,
           coalesce(h.territory_id, c.territory_id) AS territory_id,
           CASE WHEN h.id IS NULL THEN c.manager_id ELSE h.manager_id END AS manager_id,
           coalesce(h.business_format, c.business_format) AS business_format,
           coalesce(h.network, c.network) AS network
    FROM (SELECT DISTINCT month, customer_id FROM sold) k
    JOIN {customer} c ON c.id = k.customer_id
    LEFT JOIN LATERAL (
        SELECT hc.id, hc.territory_id, hc.manager_id, hc.business_format, hc.network
        FROM {history} hc
        WHERE hc.id = c.id
          AND hc.history_date < ((k.month + interval '1 month')::timestamp
                                 AT TIME ZONE %(time_zone)s)
        ORDER BY hc.history_date DESC, hc.history_id DESC LIMIT 1
    ) h ON true
)
INSERT INTO {summary} (month, customer_id, department_id, territory_id, manager_id,
                       business_format, network, brand, price_band, cartons, amount, orders)
SELECT s.month, s.customer_id, t.department_id, w.territory_id, w.manager_id,
       w.business_format, w.network, s.brand, s.price_band, s.cartons, s.amount, s.orders
FROM sold s
JOIN owner w USING (month, customer_id)
LEFT JOIN {territory} t ON t.id = w.territory_id
"""


def _sql(customer_filter: str) -> str:
    return _REFRESH_SQL.format(
        order=Order._meta.db_table, line=OrderLine._meta.db_table,
        product=Product._meta.db_table, customer=Customer._meta.db_table,
        history=Customer.history.model._meta.db_table, territory=Territory._meta.db_table,
        summary=SalesMonthly._meta.db_table, customer_filter=customer_filter)


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# --- The rollup (reports.SalesRollup), summed from the per-store rows ------------------

_ROLLUP_KEY = ("level", "month", "department_id", "territory_id", "manager_id",
               "business_format", "network", "brand", "price_band")
_PLACE = "month, department_id, territory_id"
# Each level's columns besides the place, and its GROUPING(manager_id, business_format,
# network, brand, price_band): a bit set for each column summed over.
_LEVELS = {
    RollupLevel.OWNER: ("manager_id, business_format, network", 0b00011),
    RollupLevel.BRAND: ("business_format, network, brand", 0b10001),
    RollupLevel.PRICE_BAND: ("business_format, network, price_band", 0b10010),
    RollupLevel.BRAND_BAND: ("business_format, network, brand, price_band", 0b10000),
    RollupLevel.PLACE: ("", 0b11111),
    RollupLevel.PLACE_FORMAT: ("business_format", 0b10111),
    RollupLevel.PLACE_NETWORK: ("network", 0b11011),
    RollupLevel.PLACE_BRAND: ("brand", 0b11101),
    RollupLevel.PLACE_BAND: ("price_band", 0b11110),
    RollupLevel.PLACE_MANAGER: ("manager_id", 0b01111),
}
_GROUPING = "GROUPING(manager_id, business_format, network, brand, price_band)"
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


def _refresh(cursor, months: list[date], customer_ids: list[int] | None) -> int:
    """Delete and rebuild these months (of these stores) in one pass over their orders,
    and the rollup with them."""
    params = {"confirmed": OrderStatus.CONFIRMED, "months": months, "first": min(months),
              "after": add_months(max(months), 1), "time_zone": settings.TIME_ZONE,
              "customers": customer_ids}
    table = SalesMonthly._meta.db_table
    if customer_ids is None:
        cursor.execute(f"DELETE FROM {table} WHERE month = ANY(%(months)s)", params)
        cursor.execute(_sql(""), params)
        written = cursor.rowcount
        _rollup_whole_months(cursor, params)
        _daily_whole_months(cursor, params)
        return written
    cursor.execute(f"CREATE TEMP TABLE rollup_delta ON COMMIT DROP AS SELECT {_ROLLUP_COLUMNS}"
                   f" FROM {SalesRollup._meta.db_table} WITH NO DATA")
    _rollup_delta(cursor, params, -1)
    _daily_cells(cursor, params)
    cursor.execute(f"DELETE FROM {table} WHERE month = ANY(%(months)s) "
                   "AND customer_id = ANY(%(customers)s)", params)
    cursor.execute(_sql("AND o.customer_id = ANY(%(customers)s)"), params)
    written = cursor.rowcount
    _rollup_delta(cursor, params, 1)
    _rollup_apply_delta(cursor, params)
    _daily_refresh_cells(cursor, params)
    return written


@transaction.atomic
def sales_summary_refresh(*, months: list[date]) -> int:
    """Rebuild whole months (nightly, the command, after a large import); rows written."""
    written = 0
    with connection.cursor() as cursor:
        _lock(cursor)
        months = sorted({month_start(m) for m in months})
        if months:
            written = _refresh(cursor, months, None)
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
            ids = None if len(customer_ids) > WHOLE_MONTH_ABOVE else sorted(customer_ids)
            written += _refresh(cursor, [month], ids)
    return written


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
