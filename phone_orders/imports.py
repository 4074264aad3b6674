"""Import of historical orders (one row per order line) from CSV or Excel.

Whole columns are parsed and checked with pandas; a file with any bad row imports nothing
and reports every bad row. The good rows are COPYed into a temporary staging
table and written with a few set-based statements. An order is a store's order date: a date
already present is skipped, so importing the same file twice does not duplicate anything; a
second date in one cycle is imported as a supplementary order (补单).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from crm_project.jobs import (
    IMPORT_LOCK_CLASS,
    rows_reap,
    session_lock_try,
    session_unlock,
    watch_client_connection,
)
from crm_project.tables import read_table
from customers.models import Customer

from .models import ImportStatus, Order, OrderImport, OrderLine, OrderSource, OrderStatus, Product
from .signals import purchases_changed

COLUMNS = ["customer_code", "order_date", "sku_code", "cartons", "amount"]
MAX_REPORTED_ERRORS = 100_000
# [0-9], not \d: \d also matches Arabic-Indic, full-width and other Unicode digits, which
# the database's numeric types refuse.
AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
CARTONS_PATTERN = r"^-?[0-9]{1,6}$"
# A unit price outside this range of the SKU's wholesale price is a typing error.
PRICE_RANGE = (0.5, 2.0)


@dataclass
class ImportResult:
    total_rows: int = 0
    errors: list = field(default_factory=list)
    bad_rows: int = 0
    orders_created: int = 0
    lines_created: int = 0
    orders_skipped: int = 0
    skipped: list = field(default_factory=list)  # one entry per file row not imported
    skipped_orders: list = field(default_factory=list)  # (customer_id, order_date, order_id)
    orders_supplementary: int = 0
    supplementary: list = field(default_factory=list)  # one entry per row of a 补单
    supplementary_orders: list = field(default_factory=list)  # (customer_id, date, order_id)


def validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict], int]:
    """Check every column at once; returns the typed rows and every error found."""
    rows = pd.DataFrame(index=frame.index)
    row_numbers = frame.index.to_series() + 2  # the header is row 1
    problems: list[pd.DataFrame] = []

    def flag(mask: pd.Series, column: str, reason) -> None:
        """`reason` is one text, or a Series of texts per row."""
        if mask.any():
            reasons = reason[mask] if isinstance(reason, pd.Series) else reason
            problems.append(pd.DataFrame({"row": row_numbers[mask], "column": column,
                                          "reason": reasons}))

    customers = dict(Customer.objects.values_list("code", "pk"))
    rows["customer_id"] = frame["customer_code"].map(customers)
    flag(frame["customer_code"] == "", "customer_code", _("empty"))
    flag(rows["customer_id"].isna() & (frame["customer_code"] != ""), "customer_code",
         _("unknown customer code"))

    dates = pd.to_datetime(frame["order_date"], format="%Y-%m-%d", errors="coerce")
    bad_date = dates.isna()
    flag(bad_date, "order_date", _("not a date in the form YYYY-MM-DD"))
    today = pd.Timestamp(timezone.localdate())
    flag(~bad_date & (dates > today), "order_date", _("in the future"))
    rows["order_date"] = dates.dt.date

    catalog = {code: (pk, price) for code, pk, price in
               Product.objects.values_list("code", "pk", "wholesale_price")}
    products = {code: pk for code, (pk, _price) in catalog.items()}
    rows["product_id"] = frame["sku_code"].map(products)
    flag(rows["product_id"].isna(), "sku_code", _("unknown SKU code"))

    cartons_ok = frame["cartons"].str.fullmatch(CARTONS_PATTERN)
    cartons = pd.to_numeric(frame["cartons"].where(cartons_ok), errors="coerce")
    flag(~cartons_ok, "cartons", _("not a whole number of cartons"))
    flag(cartons_ok & (cartons <= 0), "cartons", _("must be at least 1"))
    rows["cartons"] = cartons

    amount_ok = frame["amount"].str.fullmatch(AMOUNT_PATTERN)
    flag(~amount_ok, "amount", _("not an amount in yuan with at most two decimals"))
    rows["amount"] = frame["amount"].where(amount_ok)

    # A unit price far from the SKU's wholesale price (4 cartons for 1.00 yuan).
    wholesale = frame["sku_code"].map({code: float(price) for code, (_pk, price)
                                       in catalog.items()})
    unit = pd.to_numeric(rows["amount"], errors="coerce") / cartons.where(cartons > 0)
    far = unit.notna() & wholesale.notna() & (
        (unit < wholesale * PRICE_RANGE[0]) | (unit > wholesale * PRICE_RANGE[1]))
    if far.any():
        template = _("unit price %(price)s yuan per carton is far from the wholesale price "
                     "%(wholesale)s yuan")
        texts = pd.Series("", index=frame.index)
        texts[far] = [template % {"price": f"{u:.2f}", "wholesale": f"{w:.2f}"}
                      for u, w in zip(unit[far], wholesale[far], strict=True)]
        flag(far, "amount", texts)

    good = ~(bad_date | rows["customer_id"].isna())
    cycles = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date
    rows["cycle_start"] = cycles
    # The same SKU twice in one order: refused, naming the row it repeats.
    # An order is one store's order date (a second date in a cycle is a supplementary order).
    by_sku = pd.DataFrame({"customer": rows["customer_id"], "date": rows["order_date"],
                           "product": rows["product_id"], "row": row_numbers})[
        good & rows["product_id"].notna()]
    first_row = by_sku.groupby(["customer", "date", "product"])["row"].transform("min")
    repeated = pd.Series(False, index=frame.index)
    repeated.loc[first_row.index] = first_row != by_sku["row"]
    if repeated.any():
        texts = pd.Series("", index=frame.index)
        texts[repeated] = [_("the same SKU as row %(row)s of this order") % {"row": int(r)}
                           for r in first_row[repeated[first_row.index]]]
        flag(repeated, "sku_code", texts)

    errors = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(
        columns=["row", "column", "reason"])
    bad_rows = int(errors["row"].nunique()) if len(errors) else 0
    errors = errors.sort_values(["row", "column"], kind="stable").head(MAX_REPORTED_ERRORS)
    return rows, errors.to_dict("records"), bad_rows


def import_orders(path: str | Path, *, file_name: str | None = None,
                  progress: Callable[[str, int], None] | None = None) -> ImportResult:
    """Import a whole file or nothing. Raises BusinessError for an unreadable file."""
    report = progress or (lambda stage, percent: None)
    report("reading", 5)
    frame = read_table(path, filename=file_name or str(path), columns=COLUMNS)
    result = ImportResult(total_rows=len(frame))
    report("checking", 25)
    rows, errors, bad_rows = validate(frame)
    if errors:
        result.errors = [{"row": int(e["row"]), "column": e["column"], "reason": e["reason"]}
                         for e in errors]
        result.bad_rows = bad_rows
        return result
    if rows.empty:
        return result
    rows["customer_id"] = rows["customer_id"].astype("int64")
    rows["product_id"] = rows["product_id"].astype("int64")
    rows["cartons"] = rows["cartons"].astype("int64")
    file_rows = pd.DataFrame({"row": rows.index.to_series() + 2,
                              "customer_id": rows["customer_id"],
                              "order_date": rows["order_date"]})
    # The same SKU twice on one order is refused above; amounts are still summed exactly
    # as integer fen (the pattern checked above guarantees at most two decimals).
    parts = rows["amount"].str.split(".", n=1, expand=True)
    fraction = (parts[1] if parts.shape[1] > 1 else pd.Series("", index=rows.index))
    rows["fen"] = (parts[0].astype("int64") * 100
                   + fraction.fillna("").str.ljust(2, "0").astype("int64"))
    rows = (rows.groupby(["customer_id", "cycle_start", "order_date", "product_id"],
                         as_index=False, sort=False)
            .agg(cartons=("cartons", "sum"), fen=("fen", "sum")))
    rows["amount"] = ((rows["fen"] // 100).astype(str) + "."
                      + (rows["fen"] % 100).astype(str).str.zfill(2))
    rows = rows.drop(columns="fen")
    report("loading", 50)
    load_rows(rows, result=result, progress=report)
    result.skipped = _skipped_rows(file_rows, result.skipped_orders)
    result.supplementary = _supplementary_rows(file_rows, result.supplementary_orders)
    report("done", 100)
    return result


def _rows_of(file_rows: pd.DataFrame, orders: list, text: str) -> list[dict]:
    """Every file row of the orders given as (customer_id, order_date, order_id)."""
    if not orders:
        return []
    present = {(customer, day): order for customer, day, order in orders}
    found = []
    for row, customer, day in file_rows[["row", "customer_id", "order_date"]].itertuples(
            index=False):
        order = present.get((customer, day))
        if order is not None:
            found.append({"row": int(row), "column": "order_date",
                          "reason": text % {"order": order, "date": day.isoformat()}})
    return found


def _skipped_rows(file_rows: pd.DataFrame, skipped_orders: list) -> list[dict]:
    """Every file row of an order that was not imported because the store already has an
    order of that date, with that order."""
    return _rows_of(file_rows, skipped_orders, _(
        "this store already has order #%(order)s of %(date)s; the row was not imported"))


def _supplementary_rows(file_rows: pd.DataFrame, orders: list) -> list[dict]:
    """Every file row imported into a supplementary order (补单), with that order."""
    return _rows_of(file_rows, orders, _(
        "imported as supplementary order #%(order)s of %(date)s: the store already has an "
        "order in this order cycle"))


def load_rows(rows: pd.DataFrame, *, result: ImportResult | None = None,
              source: str = OrderSource.IMPORT, progress=None) -> ImportResult:
    """Write checked order lines (customer_id, cycle_start, order_date, product_id, cartons,
    amount as text) as confirmed orders, one per store and order date, skipping dates the
    store has an order of; a second order in a cycle is a supplementary order (补单)."""
    result = result or ImportResult(total_rows=len(rows))
    report = progress or (lambda stage, percent: None)
    with transaction.atomic():
        _load(rows, result, report, source)
        if result.orders_created:
            months = pd.to_datetime(rows["order_date"]).to_numpy().astype("datetime64[M]")
            purchases_changed.send(sender=Order, pairs=set(zip(
                rows["customer_id"].astype("int64").tolist(),
                months.astype("datetime64[D]").astype(object).tolist(), strict=True)))
    return result


def _load(rows: pd.DataFrame, result: ImportResult, report, source: str) -> None:
    """COPY the rows into a staging table, then insert orders and lines set-wise."""
    order_table = Order._meta.db_table
    line_table = OrderLine._meta.db_table
    buffer = io.StringIO()
    rows[["customer_id", "cycle_start", "order_date", "product_id", "cartons", "amount"]].to_csv(
        buffer, index=False, header=False)
    buffer.seek(0)
    now = timezone.now()
    with connection.cursor() as cursor:
        # ON COMMIT DROP does not fire inside an enclosing transaction (tests, callers
        # that batch several imports), so the tables are also dropped explicitly.
        cursor.execute(
            "DROP TABLE IF EXISTS order_import_stage, order_import_plan, order_import_new")
        cursor.execute(
            "CREATE TEMP TABLE order_import_stage (customer_id bigint, cycle_start date, "
            "order_date date, product_id bigint, cartons integer, amount numeric(14, 2)) "
            "ON COMMIT DROP")
        cursor.copy_expert("COPY order_import_stage FROM STDIN WITH (FORMAT csv)", buffer)
        report("loading", 65)
        live = "status IN ('draft', 'confirmed')"
        # One order per store and order date. A date the store already has a live order of
        # is skipped; of the new dates of a cycle, the earliest is the cycle's main order
        # unless the cycle has one, the others are supplementary orders (补单).
        cursor.execute(
            f"""
            CREATE TEMP TABLE order_import_plan ON COMMIT DROP AS
            WITH dates AS (
                SELECT DISTINCT customer_id, cycle_start, order_date FROM order_import_stage
            ), present AS (
                SELECT o.customer_id, o.order_date, min(o.id) AS id
                FROM {order_table} o
                JOIN (SELECT DISTINCT customer_id, order_date FROM dates) d
                  USING (customer_id, order_date)
                WHERE o.{live}
                GROUP BY o.customer_id, o.order_date
            )
            SELECT d.customer_id, d.cycle_start, d.order_date, p.id AS existing_id,
                p.id IS NULL
                AND row_number() OVER (PARTITION BY d.customer_id, d.cycle_start, p.id IS NULL
                                       ORDER BY d.order_date) = 1
                AND NOT EXISTS (SELECT 1 FROM {order_table} m
                                WHERE m.customer_id = d.customer_id
                                  AND m.cycle_start = d.cycle_start AND m.{live}
                                  AND NOT m.is_supplementary) AS is_main
            FROM dates d LEFT JOIN present p USING (customer_id, order_date)
            """
        )
        cursor.execute("CREATE TEMP TABLE order_import_new (id bigint, customer_id bigint, "
                       "order_date date, is_supplementary boolean) ON COMMIT DROP")
        insert = f"""
            WITH inserted AS (
                INSERT INTO {order_table} (customer_id, cycle_start, order_date, status,
                    channel, source, created_at, updated_at, confirmed_at, cancel_reason,
                    requested_cartons, granted_cartons, total_amount, is_supplementary)
                SELECT p.customer_id, p.cycle_start, p.order_date, %s, 'phone', %s, %s, %s,
                    %s, '', sum(s.cartons), sum(s.cartons), sum(s.amount), {{supplementary}}
                FROM order_import_plan p
                JOIN order_import_stage s USING (customer_id, order_date)
                WHERE p.existing_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM order_import_new n
                                  WHERE n.customer_id = p.customer_id
                                    AND n.order_date = p.order_date)
                GROUP BY p.customer_id, p.cycle_start, p.order_date, p.is_main
                ON CONFLICT (customer_id, cycle_start)
                    WHERE {live} AND NOT is_supplementary
                DO NOTHING
                RETURNING id, customer_id, order_date, is_supplementary
            )
            INSERT INTO order_import_new SELECT * FROM inserted
            """
        params = [OrderStatus.CONFIRMED, source, now, now, now]
        cursor.execute(insert.format(supplementary="NOT p.is_main"), params)
        # A main order taken meanwhile at the console: the dates that clashed with it are
        # imported as supplementary orders, never dropped.
        cursor.execute(insert.format(supplementary="true"), params)
        cursor.execute("SELECT customer_id, order_date, id, is_supplementary "
                       "FROM order_import_new ORDER BY customer_id, order_date")
        created = cursor.fetchall()
        result.orders_created = len(created)
        result.supplementary_orders = [(c, d, i) for c, d, i, extra in created if extra]
        result.orders_supplementary = len(result.supplementary_orders)
        cursor.execute("SELECT customer_id, order_date, existing_id FROM order_import_plan "
                       "WHERE existing_id IS NOT NULL ORDER BY customer_id, order_date")
        result.skipped_orders = cursor.fetchall()
        result.orders_skipped = len(result.skipped_orders)
        report("loading", 80)
        cursor.execute(
            f"""
            INSERT INTO {line_table} (order_id, product_id, requested_cartons, granted_cartons,
                unit_price, amount, unmet_reason)
            SELECT n.id, s.product_id, s.cartons, s.cartons, round(s.amount / s.cartons, 2),
                s.amount, ''
            FROM order_import_stage s
            JOIN order_import_new n USING (customer_id, order_date)
            """
        )
        result.lines_created = cursor.rowcount
        report("summing", 90)
        _purchases_recompute_sql(cursor)
        cursor.execute("DROP TABLE order_import_stage, order_import_plan, order_import_new")


def _purchases_recompute_sql(cursor) -> None:
    """Recompute, set-wise, the monthly purchases and last order dates of the stores and
    months the new orders touched."""
    from customers.models import MonthlyPurchase

    order_table = Order._meta.db_table
    purchase_table = MonthlyPurchase._meta.db_table
    customer_table = Customer._meta.db_table
    cursor.execute(
        f"""
        INSERT INTO {purchase_table} (customer_id, month, amount, cartons, orders)
        SELECT o.customer_id, date_trunc('month', o.order_date)::date, sum(o.total_amount),
            sum(o.granted_cartons), count(*)
        FROM {order_table} o
        JOIN (SELECT DISTINCT o2.customer_id, date_trunc('month', o2.order_date)::date AS month
              FROM order_import_new n JOIN {order_table} o2 ON o2.id = n.id) touched
          ON touched.customer_id = o.customer_id
         AND o.order_date >= touched.month
         AND o.order_date < touched.month + interval '1 month'
        WHERE o.status = %s
        GROUP BY o.customer_id, date_trunc('month', o.order_date)
        ON CONFLICT (customer_id, month) DO UPDATE
        SET amount = EXCLUDED.amount, cartons = EXCLUDED.cartons, orders = EXCLUDED.orders
        """,
        [OrderStatus.CONFIRMED],
    )
    cursor.execute(
        f"""
        UPDATE {customer_table} c SET last_order_date = latest.last
        FROM (SELECT o.customer_id, max(o.order_date) AS last FROM {order_table} o
              WHERE o.status = %s
                AND o.customer_id IN (SELECT DISTINCT customer_id FROM order_import_new)
              GROUP BY o.customer_id) latest
        WHERE c.id = latest.customer_id AND c.last_order_date IS DISTINCT FROM latest.last
        """,
        [OrderStatus.CONFIRMED],
    )


# --- The upload job -------------------------------------------------------------------

def order_import_create(*, user, uploaded_file) -> OrderImport:
    """Keep an uploaded file for the import task (administrators only)."""
    from django.core.exceptions import PermissionDenied

    if not user.is_admin_role:
        raise PermissionDenied(_("Only an administrator may import orders."))
    name = uploaded_file.name or ""
    if not name.lower().endswith((".csv", ".xlsx", ".xlsm", ".txt")):
        raise BusinessError(_("Upload a .csv or .xlsx file."), field="file")
    job = OrderImport(file_name=name[:200], created_by=user)
    job.file.save(name, uploaded_file, save=False)
    job.save()
    return job


def order_import_run(*, import_id: int) -> OrderImport:
    """Run one upload; claimed with a conditional update so a retried task does not run
    it twice."""
    watch_client_connection()
    with transaction.atomic():
        # Claimed and locked together: the reaper sees it running only while locked.
        claimed = OrderImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
            status=ImportStatus.RUNNING, stage="reading", progress=1)
        if claimed == 1:
            session_lock_try(IMPORT_LOCK_CLASS, import_id)
    job = OrderImport.objects.get(pk=import_id)
    if claimed != 1:
        return job
    try:
        return _order_import_claimed(job)
    finally:
        session_unlock(IMPORT_LOCK_CLASS, import_id)


def order_imports_reap() -> int:
    """Mark every import left running by a worker that is gone (its writes were rolled back
    with its session) as rejected, saying so: uploading the file again restarts it (an
    import is idempotent). Not queued again by itself, so that a file that kills its worker
    cannot do so forever."""

    def mark(pk: int) -> None:
        OrderImport.objects.filter(pk=pk).update(
            status=ImportStatus.FAILED, stage="", finished_at=timezone.now(),
            errors=[{"row": 0, "column": "file", "reason": _(
                "Interrupted: the worker running this import stopped and nothing was "
                "imported. Upload the file again to restart it.")}])

    return rows_reap(OrderImport.objects.filter(status=ImportStatus.RUNNING),
                     IMPORT_LOCK_CLASS, mark)


def _order_import_claimed(job: OrderImport) -> OrderImport:
    import_id = job.pk

    def progress(stage: str, percent: int) -> None:
        OrderImport.objects.filter(pk=import_id).update(stage=stage, progress=percent)

    try:
        result = import_orders(job.file.path, file_name=job.file_name, progress=progress)
    except BusinessError as error:
        result = ImportResult(errors=[{"row": 0, "column": "file", "reason": str(error)}],
                              bad_rows=0)
    except Exception as error:
        # Not left "running" forever: the job shows the failure, the task log the trace.
        OrderImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, stage="", finished_at=timezone.now(),
            errors=[{"row": 0, "column": "file", "reason": repr(error)[:500]}])
        raise
    job.refresh_from_db()
    job.total_rows = result.total_rows
    job.errors = result.errors
    job.bad_rows = result.bad_rows
    job.orders_created = result.orders_created
    job.lines_created = result.lines_created
    job.orders_skipped = result.orders_skipped
    job.skipped = result.skipped
    job.orders_supplementary = result.orders_supplementary
    job.supplementary = result.supplementary
    job.status = ImportStatus.FAILED if result.errors else ImportStatus.DONE
    job.stage = ""
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()
    return job


