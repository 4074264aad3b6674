"""ABC grading (客户分类分级) and the plumbing of the overnight jobs.

The exact rules, so that anyone can recompute a grade by hand:

* window: the N complete calendar months before the as-of date's month (N = 3..6);
* monthly average = purchases in the window / number of window months from the store's
  first-ever purchase onward (months without purchases count as zero), rounded half up to
  the fen; a store with no purchase in the window has average 0;
* cumulative share: stores sorted by monthly average, highest first, ties by customer
  code; a store is A while the share of the total held by the stores *before* it is below
  the A share (so the store that crosses 80 % is still A), B while below A+B, otherwise C;
  a store with average 0 is always C;
* standard amounts: A if average >= the A amount, B if >= the B amount, else C;
* tier (档位) 1..T: with r the 1-based ascending rank of the average (ties share the lowest
  rank) among the n graded stores, tier = floor((r - 1) * T / n) + 1;
* only active stores are graded.

Work is set-wise: a few columns per store are read into pandas (COPY on PostgreSQL), the
grades are computed there, and the results are written back through a staging table with
one statement per target table, touching only rows that changed, in one transaction under
an advisory lock. SQLite (the laptop demo) takes a simpler ORM path.
"""

import io
import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError

from .models import (
    ChurnRuleSettings,
    Customer,
    CustomerStatus,
    GradeChange,
    GradeSnapshot,
    GradingMethod,
    GradingSettings,
    JobKind,
    JobRun,
    JobStatus,
    MonthlyPurchase,
)

logger = logging.getLogger(__name__)

# Keys of the PostgreSQL advisory locks that keep two runs of one job from interleaving.
LOCK_KEYS = {"grades": 4_401_001, "churn": 4_401_002}


class JobBusy(BusinessError):
    """Another run of the same job holds the lock; the task retries later."""


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def job_lock(kind: str) -> None:
    """Take the job's advisory lock for the current transaction, or raise JobBusy.

    SQLite (the laptop demo) has one writer at a time anyway, so there is nothing to take.
    """
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEYS[kind]])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise JobBusy(_("Another run of this job is in progress; try again when it has "
                        "finished."))


def job_run_record(*, kind: str, as_of: date, started_by, body: Callable[[], dict]) -> JobRun:
    """Run `body` and keep a JobRun row of it: counts when it succeeds, the error if not.

    The run row is written outside the job's own transaction, so a failed run is still
    recorded while everything the job wrote is rolled back.
    """
    run = JobRun.objects.create(kind=kind, as_of=as_of, started_by=started_by)
    try:
        stats = body()
    except Exception as error:
        message = getattr(error, "message", None) or str(error) or error.__class__.__name__
        try:
            JobRun.objects.filter(pk=run.pk).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), error=str(message)[:2000]
            )
        except Exception:  # the connection itself may be gone; the error still propagates
            logger.exception("Could not record the failure of job run %s", run.pk)
        raise
    run.status = JobStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.stores_processed = stats.pop("stores_processed", 0)
    run.changes = stats.pop("changes", 0)
    run.details = stats
    run.save(update_fields=["status", "finished_at", "stores_processed", "changes", "details"])
    return run


def read_frame(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame; on PostgreSQL through COPY (fast)."""
    with connection.cursor() as cursor:
        if is_postgresql():
            buffer = io.StringIO()
            query = cursor.mogrify(sql, params)
            if isinstance(query, bytes):
                query = query.decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
            buffer.seek(0)
            if not buffer.getvalue():
                return pd.DataFrame(columns=columns)
            return pd.read_csv(buffer, header=None, names=columns, keep_default_na=True)
        cursor.execute(sql, params)
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def text_column(series: pd.Series) -> pd.Series:
    """Strings with "" for missing values (CSV reads an all-empty column as floats)."""
    return series.astype("string").fillna("").astype(str)


def copy_into(table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """COPY a DataFrame's columns into a (staging) table on PostgreSQL."""
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
        )


# --- Settings ---------------------------------------------------------------------------


def grading_settings_get() -> GradingSettings:
    settings_row, _created = GradingSettings.objects.get_or_create(pk=1)
    return settings_row


def churn_settings_get() -> ChurnRuleSettings:
    settings_row, _created = ChurnRuleSettings.objects.get_or_create(pk=1)
    return settings_row


GRADING_SETTINGS_FIELDS = ["window_months", "method", "a_share_percent", "b_share_percent",
                           "c_share_percent", "a_amount", "b_amount", "tier_count"]
CHURN_SETTINGS_FIELDS = ["no_order_cycles", "drop_percent", "grade_drop_days"]


def _require_admin(user) -> None:
    if not getattr(user, "is_admin_role", False):
        raise PermissionDenied(_("Only an administrator may change these settings."))


def _clean_settings(row) -> None:
    try:
        row.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise BusinessError(messages[0], field=field) from error


@transaction.atomic
def grading_settings_update(*, user, data: dict, reason: str = "") -> GradingSettings:
    """Change the grading settings (admins only); the history keeps every version."""
    _require_admin(user)
    row = GradingSettings.objects.select_for_update().get(pk=grading_settings_get().pk)
    for field, value in data.items():
        if field not in GRADING_SETTINGS_FIELDS:
            raise BusinessError(_("Unknown setting."), field=field)
        setattr(row, field, value)
    _clean_settings(row)
    shares = row.a_share_percent + row.b_share_percent + row.c_share_percent
    if shares != Decimal("100"):
        raise BusinessError(
            _("The A, B and C shares must add up to 100 %% (they add up to %(total)s %%).")
            % {"total": shares.normalize()}, field="c_share_percent",
        )
    if row.b_amount >= row.a_amount:
        raise BusinessError(_("The B standard amount must be below the A standard amount."),
                            field="b_amount")
    row._history_user = user
    row._change_reason = reason
    row.save()
    return row


@transaction.atomic
def churn_settings_update(*, user, data: dict, reason: str = "") -> ChurnRuleSettings:
    _require_admin(user)
    row = ChurnRuleSettings.objects.select_for_update().get(pk=churn_settings_get().pk)
    for field, value in data.items():
        if field not in CHURN_SETTINGS_FIELDS:
            raise BusinessError(_("Unknown setting."), field=field)
        setattr(row, field, value)
    _clean_settings(row)
    row._history_user = user
    row._change_reason = reason
    row.save()
    return row


# --- Dates ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def grading_window(*, as_of: date, months: int) -> list[date]:
    """The N complete calendar months before as_of's month, oldest first."""
    first = add_months(month_start(as_of), -months)
    return [add_months(first, i) for i in range(months)]


def validate_as_of(as_of: date) -> None:
    if as_of > timezone.localdate():
        raise BusinessError(_("The as-of date %(date)s is in the future.")
                            % {"date": as_of.isoformat()}, field="as_of")


# --- Computing grades -------------------------------------------------------------------


def _grade_inputs(*, window: list[date]) -> pd.DataFrame:
    """One row per active store: code, current grade, purchases in the window (fen) and the
    month of its first-ever purchase."""
    sql = f"""
        SELECT c.id, c.code, c.grade, c.tier, CAST(ROUND(c.monthly_average * 100) AS BIGINT),
               CAST(ROUND(COALESCE(SUM(CASE WHEN mp.month >= %s THEN mp.amount END), 0) * 100)
                    AS BIGINT),
               MIN(mp.month)
        FROM {Customer._meta.db_table} c
        LEFT JOIN {MonthlyPurchase._meta.db_table} mp
               ON mp.customer_id = c.id AND mp.month < %s AND mp.amount > 0
        WHERE c.status = %s
        GROUP BY c.id, c.code, c.grade, c.tier, c.monthly_average
    """
    frame = read_frame(
        sql, [window[0], add_months(window[-1], 1), CustomerStatus.ACTIVE],
        ["customer_id", "code", "old_grade", "old_tier", "old_average_fen", "window_fen",
         "first_month"],
    )
    frame["code"] = frame["code"].astype(str)
    frame["old_grade"] = text_column(frame["old_grade"])
    frame["window_fen"] = frame["window_fen"].astype("int64")
    return frame


def grades_compute(frame: pd.DataFrame, *, window: list[date],
                   settings_row: GradingSettings) -> pd.DataFrame:
    """Add monthly_average_fen, rank, cumulative_share, grade and tier to the input rows."""
    months = len(window)
    window_index = window[0].year * 12 + window[0].month - 1
    first = pd.to_datetime(frame["first_month"], errors="coerce")
    first_index = (first.dt.year * 12 + first.dt.month - 1).fillna(10**9).astype("int64")
    counted = (months - (first_index - window_index).clip(lower=0)).clip(lower=0, upper=months)
    frame["counted_months"] = counted.astype("int64")
    total = frame["window_fen"]
    safe_counted = frame["counted_months"].where(frame["counted_months"] > 0, 1)
    # Half up to the fen, in integers so that the result is exact.
    average = (2 * total + safe_counted) // (2 * safe_counted)
    frame["monthly_average_fen"] = average.where((frame["counted_months"] > 0) & (total > 0), 0)

    frame = frame.sort_values(["monthly_average_fen", "code"], ascending=[False, True],
                              kind="mergesort").reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    grand_total = int(frame["monthly_average_fen"].sum())
    before = frame["monthly_average_fen"].cumsum() - frame["monthly_average_fen"]
    if grand_total:
        frame["cumulative_share"] = (before * 100 / grand_total).round(4)
    else:
        frame["cumulative_share"] = 0.0

    zero = frame["monthly_average_fen"] == 0
    if settings_row.method == GradingMethod.STANDARD_AMOUNTS:
        a_fen = int(settings_row.a_amount * 100)
        b_fen = int(settings_row.b_amount * 100)
        grade = pd.Series("C", index=frame.index)
        grade[frame["monthly_average_fen"] >= b_fen] = "B"
        grade[frame["monthly_average_fen"] >= a_fen] = "A"
    else:
        # Shares in hundredths of a percent, compared in integers: before / total < share.
        a_bp = int(settings_row.a_share_percent * 100)
        ab_bp = a_bp + int(settings_row.b_share_percent * 100)
        scaled = before * 10_000
        grade = pd.Series("C", index=frame.index)
        grade[scaled < ab_bp * grand_total] = "B"
        grade[scaled < a_bp * grand_total] = "A"
    grade[zero] = "C"
    frame["grade"] = grade

    tiers = settings_row.tier_count
    if tiers and len(frame):
        ascending_rank = frame["monthly_average_fen"].rank(method="min").astype("int64")
        frame["tier"] = ((ascending_rank - 1) * tiers // len(frame) + 1).astype("Int64")
    else:
        frame["tier"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame


# --- The job ----------------------------------------------------------------------------


def grading_window_is_empty(*, window: list[date]) -> bool:
    return not MonthlyPurchase.objects.filter(
        month__gte=window[0], month__lte=window[-1], amount__gt=0
    ).exists()


def recompute_grades(*, as_of: date, started_by=None) -> JobRun:
    """Grade every active store as of a date and record the run (see the module docstring).

    Bad input (a future date, a window without purchases) is refused before anything is
    written. The write-back is one transaction: a failed run leaves the previous grades.
    """
    validate_as_of(as_of)
    settings_row = grading_settings_get()
    window = grading_window(as_of=as_of, months=settings_row.window_months)
    if grading_window_is_empty(window=window):
        raise BusinessError(
            _("No purchases are recorded from %(first)s to %(last)s: there is nothing to "
              "grade, and the current grades are kept.")
            % {"first": window[0].strftime("%Y-%m"), "last": window[-1].strftime("%Y-%m")},
            field="as_of",
        )

    def body() -> dict:
        with transaction.atomic():
            job_lock(JobKind.GRADES)
            return _grades_recompute_locked(as_of=as_of, settings_row=settings_row,
                                            window=window)

    return job_run_record(kind=JobKind.GRADES, as_of=as_of, started_by=started_by, body=body)


def _grades_recompute_locked(*, as_of: date, settings_row: GradingSettings,
                             window: list[date]) -> dict:
    frame = grades_compute(_grade_inputs(window=window), window=window,
                           settings_row=settings_row)
    month = month_start(as_of)
    frame["monthly_average"] = frame["monthly_average_fen"].map(lambda fen: Decimal(fen) / 100)
    if is_postgresql():
        counts = _grades_write_postgresql(frame, as_of=as_of, month=month,
                                          settings_row=settings_row)
    else:
        counts = grades_write_orm(frame, as_of=as_of, month=month, settings_row=settings_row)
    grades = frame["grade"].value_counts().to_dict()
    return {
        "stores_processed": len(frame),
        "changes": counts["grade_changes"],
        "customers_updated": counts["customers_updated"],
        "snapshots_written": counts["snapshots_written"],
        "window": [window[0].isoformat(), window[-1].isoformat()],
        "grades": {g: int(grades.get(g, 0)) for g in ("A", "B", "C")},
    }


STAGE_COLUMNS = ["customer_id", "grade", "tier", "monthly_average", "rank", "cumulative_share",
                 "counted_months"]


def _grades_write_postgresql(frame: pd.DataFrame, *, as_of: date, month: date,
                             settings_row: GradingSettings) -> dict:
    customer_table = Customer._meta.db_table
    snapshot_table = GradeSnapshot._meta.db_table
    change_table = GradeChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS grading_stage")
        cursor.execute("""
            CREATE TEMP TABLE grading_stage (
                customer_id bigint PRIMARY KEY, grade char(1), tier smallint,
                monthly_average numeric(14, 2), rank integer, cumulative_share numeric(7, 4),
                counted_months smallint
            ) ON COMMIT DROP
        """)
    copy_into("grading_stage", frame, STAGE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grading_stage")
        cursor.execute(f"""
            DELETE FROM {snapshot_table} s WHERE s.month = %s
               AND NOT EXISTS (SELECT 1 FROM grading_stage g WHERE g.customer_id = s.customer_id)
        """, [month])
        removed = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO {snapshot_table} AS s (customer_id, month, as_of, grade, tier,
                monthly_average, rank, cumulative_share, window_months, counted_months, method)
            SELECT customer_id, %s, %s, grade, tier, monthly_average, rank, cumulative_share,
                   %s, counted_months, %s
            FROM grading_stage
            ON CONFLICT (customer_id, month) DO UPDATE SET
                as_of = EXCLUDED.as_of, grade = EXCLUDED.grade, tier = EXCLUDED.tier,
                monthly_average = EXCLUDED.monthly_average, rank = EXCLUDED.rank,
                cumulative_share = EXCLUDED.cumulative_share,
                window_months = EXCLUDED.window_months,
                counted_months = EXCLUDED.counted_months, method = EXCLUDED.method
            WHERE (s.grade, s.tier, s.monthly_average, s.rank, s.cumulative_share,
                   s.window_months, s.counted_months, s.method)
                  IS DISTINCT FROM
                  (EXCLUDED.grade, EXCLUDED.tier, EXCLUDED.monthly_average, EXCLUDED.rank,
                   EXCLUDED.cumulative_share, EXCLUDED.window_months,
                   EXCLUDED.counted_months, EXCLUDED.method)
        """, [month, as_of, settings_row.window_months, settings_row.method])
        snapshots = cursor.rowcount + removed
        cursor.execute(f"""
            INSERT INTO {change_table} (customer_id, month, as_of, old_grade, new_grade,
                old_monthly_average, new_monthly_average, created_at)
            SELECT g.customer_id, %s, %s, c.grade, g.grade, c.monthly_average,
                   g.monthly_average, now()
            FROM grading_stage g JOIN {customer_table} c ON c.id = g.customer_id
            WHERE c.grade <> '' AND c.grade <> g.grade
        """, [month, as_of])
        changes = cursor.rowcount
        cursor.execute(f"""
            UPDATE {customer_table} c
               SET grade = g.grade, tier = g.tier, monthly_average = g.monthly_average,
                   grade_as_of = %s
              FROM grading_stage g
             WHERE c.id = g.customer_id
               AND (c.grade, c.tier, c.monthly_average, c.grade_as_of)
                   IS DISTINCT FROM (g.grade, g.tier, g.monthly_average, %s::date)
        """, [month, month])
        updated = cursor.rowcount
    return {"grade_changes": changes, "customers_updated": updated,
            "snapshots_written": snapshots}


def grades_write_orm(frame: pd.DataFrame, *, as_of: date, month: date,
                     settings_row: GradingSettings) -> dict:
    """The same writes through the ORM: for SQLite (the laptop demo, a few thousand
    stores). Same rows as the PostgreSQL path."""
    rows = frame.to_dict("records")
    existing = {s.customer_id: s for s in GradeSnapshot.objects.filter(month=month)}
    graded_ids = {int(r["customer_id"]) for r in rows}
    stale = [pk for cid, s in existing.items() if cid not in graded_ids for pk in [s.pk]]
    GradeSnapshot.objects.filter(pk__in=stale).delete()
    snapshots, changes, written = [], [], len(stale)
    customers = Customer.objects.in_bulk(graded_ids)
    customers_changed = []
    for row in rows:
        customer_id = int(row["customer_id"])
        tier = None if pd.isna(row["tier"]) else int(row["tier"])
        values = {
            "grade": row["grade"], "tier": tier, "monthly_average": row["monthly_average"],
            "rank": int(row["rank"]),
            "cumulative_share": Decimal(str(row["cumulative_share"])).quantize(
                Decimal("0.0001")),
            "window_months": settings_row.window_months,
            "counted_months": int(row["counted_months"]), "method": settings_row.method,
        }
        current = existing.get(customer_id)
        if current is None or any(getattr(current, k) != v for k, v in values.items()):
            snapshots.append(GradeSnapshot(customer_id=customer_id, month=month, as_of=as_of,
                                           **values))
        customer = customers[customer_id]
        if customer.grade and customer.grade != row["grade"]:
            changes.append(GradeChange(
                customer_id=customer_id, month=month, as_of=as_of, old_grade=customer.grade,
                new_grade=row["grade"], old_monthly_average=customer.monthly_average,
                new_monthly_average=row["monthly_average"],
            ))
        new = (row["grade"], tier, row["monthly_average"], month)
        if (customer.grade, customer.tier, customer.monthly_average, customer.grade_as_of) != new:
            (customer.grade, customer.tier, customer.monthly_average, customer.grade_as_of) = new
            customers_changed.append(customer)
    GradeSnapshot.objects.bulk_create(
        snapshots, batch_size=500, update_conflicts=True, unique_fields=["customer", "month"],
        update_fields=["as_of", "grade", "tier", "monthly_average", "rank", "cumulative_share",
                       "window_months", "counted_months", "method"],
    )
    GradeChange.objects.bulk_create(changes, batch_size=500)
    Customer.objects.bulk_update(customers_changed,
                                 ["grade", "tier", "monthly_average", "grade_as_of"],
                                 batch_size=500)
    return {"grade_changes": len(changes), "customers_updated": len(customers_changed),
            "snapshots_written": written + len(snapshots)}


# --- Starting a run from the UI or the API (admins) --------------------------------------


def job_run_start(*, user, kind: str, as_of: date | None) -> None:
    """Check the request and queue the job after commit; the worker records the run."""
    if not getattr(user, "is_admin_role", False):
        raise PermissionDenied(_("Only an administrator may start a run."))
    if kind not in JobKind.values:
        raise BusinessError(_("Choose a job."), field="kind")
    as_of = as_of or timezone.localdate()
    validate_as_of(as_of)
    if kind == JobKind.GRADES:
        window = grading_window(as_of=as_of, months=grading_settings_get().window_months)
        if grading_window_is_empty(window=window):
            raise BusinessError(_("No purchases are recorded from %(first)s to %(last)s: "
                                  "there is nothing to grade.")
                                % {"first": window[0].strftime("%Y-%m"),
                                   "last": window[-1].strftime("%Y-%m")}, field="as_of")
    from .tasks import recompute_grades_task, scan_churn_task

    task = recompute_grades_task if kind == JobKind.GRADES else scan_churn_task
    transaction.on_commit(lambda: task.delay(as_of=as_of.isoformat(), user_id=user.pk))


# --- Reads (scoped like every other read: from customers_visible_to) ---------------------


def grade_snapshots_visible_to(user):
    from .selectors import customers_visible_to

    return GradeSnapshot.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer")


def grade_changes_visible_to(user):
    from .selectors import customers_visible_to

    return GradeChange.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer")


def customer_grade_card(*, user, customer_id: int) -> dict | None:
    """What the store card shows: the latest snapshot (the "why"), 12 months of history
    and the thresholds in force. None when the user may not see the store."""
    from .selectors import customers_visible_to

    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        return None
    snapshots = list(GradeSnapshot.objects.filter(customer=customer).order_by("-month")[:12])
    settings_row = grading_settings_get()
    latest = snapshots[0] if snapshots else None
    peak = max((s.monthly_average for s in snapshots), default=Decimal(0)) or Decimal(1)
    history = [{"snapshot": s, "percent": int(s.monthly_average * 100 / peak)}
               for s in reversed(snapshots)]
    return {
        "customer": customer, "latest": latest, "history": history,
        "settings": settings_row,
        "changes": list(GradeChange.objects.filter(customer=customer)[:5]),
    }


def job_runs_visible_to(user):
    if not getattr(user, "is_admin_role", False):
        return JobRun.objects.none()
    return JobRun.objects.select_related("started_by")
