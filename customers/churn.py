"""Churn warnings (客户流失预警): the nightly scan and the manager's actions on a warning.

Rules, each evaluated as of a date D (settings in ChurnRuleSettings):

* no_order: the store has ordered before but not in the last K x 7 days (K order cycles of
  a weekly store), i.e. last_order_date <= D - 7K;
* purchase_drop: purchases in the 28 days up to D are down by X % or more against the
  store's own average per 28 days over the 84 days before them. Purchases are kept per
  month, so each month's amount is spread evenly over its days (the month of D over its
  days up to D);
* grade_drop: a downgrade found by grading within the last G days, the store still below
  its old grade;
* complaint_open is raised and resolved by the complaints app through the same services.

One open warning per store and reason (a partial unique index): the scan opens new ones,
refreshes the score and evidence of open ones, and resolves no_order / purchase_drop /
grade_drop warnings whose condition no longer holds (the store orders normally again).
A warning dismissed as a false alarm is not raised again for 28 days.
"""

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError

from .grading import (
    add_months,
    churn_settings_get,
    copy_into,
    is_postgresql,
    job_lock,
    job_run_record,
    month_start,
    read_frame,
    text_column,
    validate_as_of,
)
from .models import (
    OPEN_WARNING_STATUSES,
    ChurnReason,
    ChurnWarning,
    Customer,
    CustomerStatus,
    GradeChange,
    JobKind,
    JobRun,
    MonthlyPurchase,
    Role,
    WarningStatus,
)
from .selectors import customers_visible_to
from .services import churn_warning_raise, churn_warning_resolve_open

SCANNED_REASONS = [ChurnReason.NO_ORDER, ChurnReason.PURCHASE_DROP, ChurnReason.GRADE_DROP]
RECENT_DAYS = 28
BASELINE_DAYS = 84
DISMISSAL_QUIET_DAYS = 28
GRADE_BONUS = {"A": 20, "B": 10}


# --- Inputs -----------------------------------------------------------------------------


def purchase_weights(*, as_of: date) -> dict[date, tuple[Decimal, Decimal]]:
    """For each month touching the two periods: the share of its amount that falls in the
    recent 28 days and in the 84 baseline days before them."""
    recent_first = as_of - timedelta(days=RECENT_DAYS - 1)
    base_first = recent_first - timedelta(days=BASELINE_DAYS)
    weights = {}
    month = month_start(base_first)
    while month <= as_of:
        next_month = add_months(month, 1)
        last = min(next_month - timedelta(days=1), as_of)
        days = (last - month).days + 1

        def overlap(first: date, end: date, month=month, last=last) -> int:
            return max(0, (min(end, last) - max(first, month)).days + 1)

        recent = overlap(recent_first, as_of)
        base = overlap(base_first, recent_first - timedelta(days=1))
        weights[month] = (Decimal(recent) / days, Decimal(base) / days)
        month = next_month
    return weights


def _churn_inputs(*, as_of: date) -> pd.DataFrame:
    weights = purchase_weights(as_of=as_of)
    recent_cases = " ".join("WHEN %s THEN %s" for _month in weights)
    params: list = []
    for month, (recent, _base) in weights.items():
        params += [month, float(recent)]
    for month, (_recent, base) in weights.items():
        params += [month, float(base)]
    months = sorted(weights)
    params += [months[0], months[-1], CustomerStatus.ACTIVE]
    sql = f"""
        SELECT c.id, c.manager_id, c.last_order_date, c.grade,
               COALESCE(p.recent, 0), COALESCE(p.base, 0)
        FROM {Customer._meta.db_table} c
        LEFT JOIN (
            SELECT customer_id,
                   SUM(amount * CASE month {recent_cases} ELSE 0 END) AS recent,
                   SUM(amount * CASE month {recent_cases} ELSE 0 END) AS base
            FROM {MonthlyPurchase._meta.db_table}
            WHERE month BETWEEN %s AND %s
            GROUP BY customer_id
        ) p ON p.customer_id = c.id
        WHERE c.status = %s
    """
    frame = read_frame(sql, params, ["customer_id", "owner_id", "last_order_date", "grade",
                                     "recent", "base"])
    frame["last_order_date"] = pd.to_datetime(frame["last_order_date"], errors="coerce")
    frame["grade"] = text_column(frame["grade"])
    frame["recent"] = frame["recent"].astype(float).round(2)
    frame["base"] = (frame["base"].astype(float) / (BASELINE_DAYS / RECENT_DAYS)).round(2)
    return frame


def _grade_drops(*, as_of: date, days: int) -> pd.DataFrame:
    """The latest grade change per store within the look-back, with the current grade."""
    sql = f"""
        SELECT DISTINCT ON (g.customer_id) g.customer_id, g.old_grade, g.new_grade, g.as_of,
               g.old_monthly_average, g.new_monthly_average
        FROM {GradeChange._meta.db_table} g
        WHERE g.as_of > %s AND g.as_of <= %s
        ORDER BY g.customer_id, g.as_of DESC, g.id DESC
    """
    columns = ["customer_id", "old_grade", "new_grade", "changed_on", "old_average",
               "new_average"]
    if is_postgresql():
        return read_frame(sql, [as_of - timedelta(days=days), as_of], columns)
    rows = {}
    changes = GradeChange.objects.filter(as_of__gt=as_of - timedelta(days=days),
                                         as_of__lte=as_of).order_by("as_of", "id")
    for change in changes:
        rows[change.customer_id] = [change.customer_id, change.old_grade, change.new_grade,
                                    change.as_of, change.old_monthly_average,
                                    change.new_monthly_average]
    return pd.DataFrame(list(rows.values()), columns=columns)


# --- Rules ------------------------------------------------------------------------------


def churn_evaluate(frame: pd.DataFrame, drops: pd.DataFrame, *, as_of: date,
                   settings_row) -> pd.DataFrame:
    """Rows (customer_id, owner_id, reason, score, evidence) of every warning that holds."""
    cycles = settings_row.no_order_cycles
    drop_percent = settings_row.drop_percent
    bonus = frame["grade"].map(GRADE_BONUS).fillna(0).astype(int)
    found = []

    days_since = (pd.Timestamp(as_of) - frame["last_order_date"]).dt.days
    no_order = frame["last_order_date"].notna() & (days_since >= 7 * cycles)
    for row, days, extra in zip(frame[no_order].itertuples(), days_since[no_order],
                                bonus[no_order], strict=True):
        missed = int(days) // 7
        found.append((row.customer_id, row.owner_id, ChurnReason.NO_ORDER,
                      min(100, 40 + 15 * (missed - cycles) + extra), {
                          "last_order_date": row.last_order_date.date().isoformat(),
                          "days_since_last_order": int(days), "cycles_missed": missed,
                          "cycle_days": 7, "threshold_cycles": cycles}))

    base = frame["base"]
    dropped = (base > 0) & (frame["recent"] * 100 <= base * (100 - drop_percent))
    for row, extra in zip(frame[dropped].itertuples(), bonus[dropped], strict=True):
        percent = (Decimal(1) - Decimal(str(row.recent)) / Decimal(str(row.base))) * 100
        percent = percent.quantize(Decimal("0.1"), ROUND_HALF_UP)
        found.append((row.customer_id, row.owner_id, ChurnReason.PURCHASE_DROP,
                      min(100, int(percent) + extra), {
                          "recent_28_days": f"{row.recent:.2f}",
                          "average_28_days_before": f"{row.base:.2f}",
                          "drop_percent": str(percent), "threshold_percent": drop_percent}))

    if len(drops):
        current = frame.set_index("customer_id")["grade"]
        owners = frame.set_index("customer_id")["owner_id"]
        for row in drops.itertuples():
            grade_now = current.get(row.customer_id, "")
            if row.new_grade > row.old_grade and grade_now and grade_now > row.old_grade:
                steps = ord(grade_now) - ord(row.old_grade)
                found.append((row.customer_id, owners.get(row.customer_id),
                              ChurnReason.GRADE_DROP, 50 if steps == 1 else 80, {
                                  "old_grade": row.old_grade, "new_grade": grade_now,
                                  "changed_on": str(row.changed_on)[:10],
                                  "old_monthly_average": _money(row.old_average),
                                  "new_monthly_average": _money(row.new_average)}))
    return pd.DataFrame(found, columns=["customer_id", "owner_id", "reason", "score",
                                        "evidence"])


def _money(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return f"{Decimal(str(value)):.2f}"


# --- The job ----------------------------------------------------------------------------


def scan_churn(*, as_of: date, started_by=None) -> JobRun:
    """Raise, refresh and resolve churn warnings as of a date, and record the run."""
    validate_as_of(as_of)
    settings_row = churn_settings_get()

    def body() -> dict:
        with transaction.atomic():
            job_lock(JobKind.CHURN)
            return _churn_scan_locked(as_of=as_of, settings_row=settings_row)

    return job_run_record(kind=JobKind.CHURN, as_of=as_of, started_by=started_by, body=body)


def _churn_scan_locked(*, as_of: date, settings_row) -> dict:
    frame = _churn_inputs(as_of=as_of)
    drops = _grade_drops(as_of=as_of, days=settings_row.grade_drop_days)
    found = churn_evaluate(frame, drops, as_of=as_of, settings_row=settings_row)
    quiet = set(ChurnWarning.objects.filter(
        status=WarningStatus.DISMISSED, reason__in=SCANNED_REASONS,
        resolved_at__date__gt=as_of - timedelta(days=DISMISSAL_QUIET_DAYS),
    ).values_list("customer_id", "reason"))
    if quiet:
        keep = [(c, r) not in quiet for c, r in zip(found["customer_id"], found["reason"],
                                                    strict=True)]
        found = found[keep]
    holding = set(zip(found["customer_id"], found["reason"], strict=True))
    open_rows = list(ChurnWarning.objects.filter(
        status__in=OPEN_WARNING_STATUSES, reason__in=SCANNED_REASONS,
        customer__status=CustomerStatus.ACTIVE,
    ).values_list("id", "customer_id", "reason", "evidence"))
    current = frame.set_index("customer_id")
    to_resolve = []
    for warning_id, customer_id, reason, evidence in open_rows:
        if (customer_id, reason) in holding:
            continue
        resolution = _resolution(reason, current, customer_id, evidence)
        if resolution:
            to_resolve.append((warning_id, customer_id, reason, resolution))
    if is_postgresql():
        raised, refreshed = _warnings_upsert_postgresql(found, as_of=as_of)
        _warnings_resolve_postgresql(to_resolve)
    else:
        raised, refreshed = _warnings_upsert_orm(found, as_of=as_of)
        for _id, customer_id, reason, resolution in to_resolve:
            churn_warning_resolve_open(customer=Customer(pk=customer_id), reason=reason,
                                       resolution=resolution)
    by_reason = found["reason"].value_counts().to_dict()
    return {
        "stores_processed": len(frame), "changes": raised + len(to_resolve),
        "raised": raised, "refreshed": refreshed, "resolved": len(to_resolve),
        "holding": {str(r): int(by_reason.get(r, 0)) for r in SCANNED_REASONS},
    }


def _resolution(reason: str, current: pd.DataFrame, customer_id: int, evidence) -> str:
    """How a warning whose condition no longer holds was resolved ("" keeps it open)."""
    if customer_id not in current.index:
        return ""
    row = current.loc[customer_id]
    if reason == ChurnReason.NO_ORDER:
        if pd.isna(row["last_order_date"]):
            return ""
        return _("Resolved automatically: the store ordered again on %(date)s.") % {
            "date": row["last_order_date"].date().isoformat()}
    if reason == ChurnReason.PURCHASE_DROP:
        return _("Resolved automatically: purchases in the last 28 days (%(recent).2f yuan) "
                 "are back near the store's own average (%(base).2f yuan).") % {
            "recent": row["recent"], "base": row["base"]}
    if reason == ChurnReason.GRADE_DROP:
        if isinstance(evidence, str):
            evidence = json.loads(evidence)
        old = (evidence or {}).get("old_grade", "")
        if row["grade"] and old and row["grade"] <= old:
            return _("Resolved automatically: the store is back to grade %(grade)s.") % {
                "grade": row["grade"]}
    return ""


def _warnings_upsert_postgresql(found: pd.DataFrame, *, as_of: date) -> tuple[int, int]:
    table = ChurnWarning._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS churn_stage")
        cursor.execute("""
            CREATE TEMP TABLE churn_stage (customer_id bigint, owner_id bigint,
                reason varchar(20), score smallint, evidence jsonb) ON COMMIT DROP
        """)
    if not len(found):
        return 0, 0
    staged = found.copy()
    staged["evidence"] = staged["evidence"].map(json.dumps)
    staged["owner_id"] = staged["owner_id"].astype("Int64")
    copy_into("churn_stage", staged, ["customer_id", "owner_id", "reason", "score", "evidence"])
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH upserted AS (
                INSERT INTO {table} AS w (customer_id, owner_id, reason, score, evidence,
                    status, as_of, raised_at, updated_at, resolution)
                SELECT customer_id, owner_id, reason, score, evidence, %s, %s, now(), now(), ''
                FROM churn_stage
                ON CONFLICT (customer_id, reason) WHERE status IN ('open', 'acknowledged')
                DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence,
                              as_of = EXCLUDED.as_of, updated_at = now()
                WHERE (w.score, w.evidence, w.as_of)
                      IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.evidence, EXCLUDED.as_of)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted)
            FROM upserted
        """, [WarningStatus.OPEN, as_of])
        raised, refreshed = cursor.fetchone()
    return raised, refreshed


def _warnings_resolve_postgresql(to_resolve: list) -> None:
    if not to_resolve:
        return
    frame = pd.DataFrame(to_resolve, columns=["id", "customer_id", "reason", "resolution"])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS churn_resolve")
        cursor.execute("CREATE TEMP TABLE churn_resolve (id bigint, resolution text) "
                       "ON COMMIT DROP")
    copy_into("churn_resolve", frame, ["id", "resolution"])
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {ChurnWarning._meta.db_table} w
               SET status = %s, resolution = r.resolution, resolved_at = now(),
                   updated_at = now(), handled_by_id = NULL
              FROM churn_resolve r WHERE w.id = r.id
        """, [WarningStatus.RESOLVED])


def _warnings_upsert_orm(found: pd.DataFrame, *, as_of: date) -> tuple[int, int]:
    raised = refreshed = 0
    customers = Customer.objects.in_bulk(set(found["customer_id"].astype(int)))
    for row in found.itertuples():
        warning_before = ChurnWarning.objects.filter(
            customer_id=row.customer_id, reason=row.reason, status__in=OPEN_WARNING_STATUSES
        ).values_list("score", "evidence", "as_of").first()
        if warning_before == (row.score, row.evidence, as_of):
            continue
        _warning, created = churn_warning_raise(
            customer=customers[int(row.customer_id)], reason=row.reason, score=int(row.score),
            evidence=row.evidence, as_of=as_of)
        raised += created
        refreshed += not created
    return raised, refreshed


# --- Reads and the manager's actions ----------------------------------------------------


def churn_warnings_visible_to(user) -> QuerySet[ChurnWarning]:
    """Warnings of the stores the user may see."""
    return ChurnWarning.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer", "owner", "handled_by")


def churn_warning_inbox(*, user, status: str = "open", reason: str = "") -> QuerySet:
    """The warnings a user works: a manager's own stores, a supervisor's department."""
    warnings = churn_warnings_visible_to(user)
    if status == "open":
        warnings = warnings.filter(status__in=OPEN_WARNING_STATUSES)
    elif status in WarningStatus.values:
        warnings = warnings.filter(status=status)
    if reason in ChurnReason.values:
        warnings = warnings.filter(reason=reason)
    return warnings.order_by("-score", "-raised_at", "-id")


def user_can_work_warning(user, warning: ChurnWarning) -> bool:
    if user.is_admin_role:
        return True
    if user.role == Role.SUPERVISOR:
        return True  # the warning is in their department (scoped by the selector)
    return user.role == Role.MANAGER and warning.customer.manager_id == user.pk


def _warning_for_action(*, user, warning_id: int) -> ChurnWarning:
    from django.shortcuts import get_object_or_404

    warning = get_object_or_404(churn_warnings_visible_to(user).select_for_update(of=("self",)),
                                pk=warning_id)
    if not user_can_work_warning(user, warning):
        raise PermissionDenied(_("You may not work this warning."))
    return warning


@transaction.atomic
def churn_warning_acknowledge(*, user, warning_id: int) -> ChurnWarning:
    warning = _warning_for_action(user=user, warning_id=warning_id)
    if warning.status != WarningStatus.OPEN:
        raise BusinessError(_("Only an open warning can be acknowledged."), field="status")
    warning.status = WarningStatus.ACKNOWLEDGED
    warning.handled_by = user
    warning.save(update_fields=["status", "handled_by", "updated_at"])
    return warning


@transaction.atomic
def churn_warning_close(*, user, warning_id: int, status: str,
                        resolution: str = "") -> ChurnWarning:
    """Resolve a warning (saying how) or dismiss it as a false alarm."""
    warning = _warning_for_action(user=user, warning_id=warning_id)
    if status not in (WarningStatus.RESOLVED, WarningStatus.DISMISSED):
        raise BusinessError(_("Choose resolved or dismissed."), field="status")
    if not warning.is_open:
        raise BusinessError(_("This warning is already closed."), field="status")
    resolution = (resolution or "").strip()
    if status == WarningStatus.RESOLVED and not resolution:
        raise BusinessError(_("Say how the warning was resolved."), field="resolution")
    warning.status = status
    warning.resolution = resolution
    warning.handled_by = user
    warning.resolved_at = timezone.now()
    warning.full_clean()
    warning.save(update_fields=["status", "resolution", "handled_by", "resolved_at",
                                "updated_at"])
    return warning
