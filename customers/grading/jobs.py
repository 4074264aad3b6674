"""The overnight runs: recompute_grades and scan_churn.

Work is set-wise, in one transaction under an advisory lock, and each run is recorded as a
JobRun with its seconds per stage:

* grading computes the rules of rules.py in PostgreSQL (one SELECT with window functions
  into a temporary staging table; nothing crosses to Python), then writes with one
  statement per target table, touching only rows that changed;
* the churn scan reads a few columns per store into pandas through COPY, applies
  rules.churn_evaluate there, and writes back through a COPY-loaded staging table.
"""

import json
from datetime import date, timedelta

import pandas as pd
from django.apps import apps
from django.db import connection, transaction
from django.utils.translation import gettext as _

from crm_project.jobs import (
    JOB_JOIN_WORK_MEM,
    StageTimer,
    job_lock,
    job_work_mem,
    read_frame,
    stage_frame,
    table_replace,
    text_column,
)
from customers.jobruns import job_run_record
from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnReason,
    ChurnWarning,
    Customer,
    CustomerGrade,
    CustomerStatus,
    GradeChange,
    GradeSnapshot,
    GradingMethod,
    GradingSettings,
    JobKind,
    JobRun,
    MonthlyPurchase,
    WarningStatus,
)

from .rules import (
    BASELINE_DAYS,
    CYCLE_LOOKBACK_DAYS,
    DISMISSAL_QUIET_DAYS,
    RECENT_DAYS,
    SCANNED_REASONS,
    add_months,
    churn_evaluate,
    churn_merge,
    grading_window,
    month_start,
    purchase_weights,
    usual_cycle_days,
)
from .selectors import churn_settings_get, grading_settings_get
from .services import validate_as_of, validate_window_has_purchases
from .training import churn_model_in_service, churn_risks_score, churn_risks_write

SCANNED_SQL = ", ".join(f"'{reason}'" for reason in SCANNED_REASONS)
# From this share of changed grades on, the run writes the grade table anew instead of
# updating its rows. Measured at a million stores: the new table with its key, check and
# statistics takes about 3 s whatever changed, while an update in place took about 9 s
# when every row changed (a new version and index entry per row), so about a third is
# where the two meet; a quarter keeps the rewrite for new months (nearly every row changes)
# and the update for the nightly reruns (a few).
REWRITE_SHARE = 0.25


# --- Grades -----------------------------------------------------------------------------


def recompute_grades(*, as_of: date, started_by=None, run_id: int | None = None,
                     task_id: str = "") -> JobRun:
    """Grade every active store as of a date and record the run (see rules.py).

    Bad input (a future date, a window without purchases) is refused before anything is
    written. The write-back is one transaction: a failed run leaves the previous grades.
    """
    validate_as_of(as_of)
    settings_row = grading_settings_get()
    window = grading_window(as_of=as_of, months=settings_row.window_months)
    validate_window_has_purchases(window, _(
        "No purchases are recorded from %(first)s to %(last)s: there is nothing to "
        "grade, and the current grades are kept."))

    def body() -> dict:
        timer = StageTimer()
        with transaction.atomic():
            job_lock(JobKind.GRADES)
            stats = _grades_recompute_locked(as_of=as_of, settings_row=settings_row,
                                             window=window, timer=timer)
            timer.mark()
        timer.since_mark("commit")
        return {**stats, "seconds": timer.seconds}

    return job_run_record(kind=JobKind.GRADES, as_of=as_of, started_by=started_by, body=body,
                          run_id=run_id, task_id=task_id)


def grades_select_sql(*, window: list[date], settings_row: GradingSettings) -> tuple[str, dict]:
    """The rules of rules.py as one SELECT over the monthly purchase summary: one row per
    active store (customer_id, grade, tier, monthly_average, rank, cumulative_share,
    counted_months), computed by PostgreSQL's window functions. Amounts are in integer fen
    and shares in double precision rounded as pandas rounds them, so the rows are those of
    rules.grades_compute (a test holds them equal)."""
    months = len(window)
    if settings_row.method == GradingMethod.STANDARD_AMOUNTS:
        a_fen, b_fen = int(settings_row.a_amount * 100), int(settings_row.b_amount * 100)
        grade = f"""CASE WHEN average_fen = 0 THEN 'C' WHEN average_fen >= {a_fen} THEN 'A'
                         WHEN average_fen >= {b_fen} THEN 'B' ELSE 'C' END"""
    else:
        # Shares in hundredths of a percent, compared in integers: before / total < share.
        a_bp = int(settings_row.a_share_percent * 100)
        ab_bp = a_bp + int(settings_row.b_share_percent * 100)
        grade = f"""CASE WHEN average_fen = 0 THEN 'C'
                         WHEN before_fen * 10000 < {a_bp}::numeric * grand_total THEN 'A'
                         WHEN before_fen * 10000 < {ab_bp}::numeric * grand_total THEN 'B'
                         ELSE 'C' END"""
    tiers = settings_row.tier_count or 0
    tier = (f"((ascending_rank - 1) * {tiers} / stores + 1)::smallint" if tiers
            else "NULL::smallint")
    sql = f"""
        WITH inputs AS (
            SELECT c.id AS customer_id, c.code,
                   CAST(ROUND(COALESCE(SUM(mp.amount) FILTER (WHERE mp.month >= %(first)s), 0)
                              * 100) AS bigint) AS window_fen,
                   (EXTRACT(YEAR FROM MIN(mp.month)) * 12 + EXTRACT(MONTH FROM MIN(mp.month))
                    - 1)::int AS first_index
            FROM {Customer._meta.db_table} c
            LEFT JOIN {MonthlyPurchase._meta.db_table} mp
                   ON mp.customer_id = c.id AND mp.month < %(end)s AND mp.amount > 0
            WHERE c.status = %(active)s
            GROUP BY c.id
        ), counted AS (
            SELECT *, CASE WHEN first_index IS NULL THEN 0
                           ELSE LEAST({months}, GREATEST(0, {months} - GREATEST(0,
                                first_index - %(window_index)s))) END AS counted_months
            FROM inputs
        ), averaged AS (
            SELECT *, CASE WHEN counted_months > 0 AND window_fen > 0
                           THEN (2 * window_fen + counted_months) / (2 * counted_months)
                           ELSE 0 END AS average_fen
            FROM counted
        ), ranked AS (
            SELECT *,
                   row_number() OVER by_average AS rank,
                   SUM(average_fen) OVER by_average - average_fen AS before_fen,
                   SUM(average_fen) OVER () AS grand_total,
                   -- The ascending rank (1 + the stores below) from the same sort as the
                   -- rank: the stores at or above this average, peers included, counted
                   -- in descending order. A second sort, ascending, cost a second.
                   COUNT(*) OVER () - COUNT(*) OVER at_or_above + 1 AS ascending_rank,
                   COUNT(*) OVER () AS stores
            FROM averaged
            WINDOW by_average AS (ORDER BY average_fen DESC, code COLLATE "C"
                                  ROWS UNBOUNDED PRECEDING),
                   at_or_above AS (ORDER BY average_fen DESC
                                   RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT customer_id, ({grade})::char(1) AS grade, {tier} AS tier,
               (average_fen / 100.0)::numeric(14, 2) AS monthly_average, rank::integer,
               CASE WHEN grand_total = 0 THEN 0
                    ELSE round((before_fen * 100)::float8 / grand_total::float8 * 10000)
                         / 10000 END::numeric(7, 4) AS cumulative_share,
               counted_months::smallint
        FROM ranked
    """
    window_index = window[0].year * 12 + window[0].month - 1
    return sql, {"first": window[0], "end": add_months(window[-1], 1),
                 "active": CustomerStatus.ACTIVE, "window_index": window_index}


def grading_session() -> None:
    """The grading statement's memory for the rest of the transaction. More memory
    (256 MB) keeps its sort off the disk but makes the planner hash the million stores'
    purchases, which is slower here (8.2 s against 6.4 s at a million stores); JIT
    compilation off saved nothing measurable."""
    job_work_mem()


def _grades_recompute_locked(*, as_of: date, settings_row: GradingSettings,
                             window: list[date], timer: StageTimer) -> dict:
    grading_session()
    sql, params = grades_select_sql(window=window, settings_row=settings_row)
    with connection.cursor() as cursor, timer.stage("compute"):
        # ON COMMIT DROP does not fire inside an enclosing transaction (tests), hence the
        # explicit DROP.
        cursor.execute("DROP TABLE IF EXISTS grading_stage")
        # In store order: the writes below then visit the grade table and the snapshots'
        # (customer, month) index page after page instead of all over. The old grade is
        # read here, in this transaction, under the job's lock; `changed` flags the stores
        # whose grade row must be rewritten and `graded_before` those that have one.
        cursor.execute(f"""
            CREATE TEMP TABLE grading_stage ON COMMIT DROP AS
            SELECT graded.*, old.grade AS old_grade, old.tier AS old_tier,
                   old.monthly_average AS old_monthly_average,
                   old.customer_id IS NOT NULL AS graded_before,
                   (old.grade, old.tier, old.monthly_average, old.as_of)
                   IS DISTINCT FROM (graded.grade, graded.tier, graded.monthly_average,
                                     %(month)s::date) AS changed
            FROM ({sql}) graded
            LEFT JOIN {CustomerGrade._meta.db_table} old ON old.customer_id = graded.customer_id
            ORDER BY graded.customer_id""", {**params, "month": month_start(as_of)})
        cursor.execute("ANALYZE grading_stage")
    counts = _grades_write(as_of=as_of, month=month_start(as_of), settings_row=settings_row,
                           timer=timer)
    return {
        "stores_processed": counts["stores"],
        "changes": counts["grade_changes"],
        "customers_updated": counts["customers_updated"],
        "snapshots_written": counts["snapshots_written"],
        "window": [window[0].isoformat(), window[-1].isoformat()],
        "grades": counts["grades"],
    }


def _grades_write(*, as_of: date, month: date, settings_row: GradingSettings,
                  timer: StageTimer) -> dict:
    snapshot_table = GradeSnapshot._meta.db_table
    change_table = GradeChange._meta.db_table
    job_work_mem(JOB_JOIN_WORK_MEM)
    with connection.cursor() as cursor, timer.stage("snapshot_insert"):
        cursor.execute(f"""
            DELETE FROM {snapshot_table} s WHERE s.month = %s
               AND NOT EXISTS (SELECT 1 FROM grading_stage g WHERE g.customer_id = s.customer_id)
        """, [month])
        removed = cursor.rowcount
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {snapshot_table} WHERE month = %s)",
                       [month])
        (month_has_snapshots,) = cursor.fetchone()
        partition = None if month_has_snapshots else _new_snapshot_partition(cursor, month)
        # The first run of a month only adds rows: a plain INSERT, without the speculative
        # insertion that ON CONFLICT needs for each row.
        upsert = """
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
        """ if month_has_snapshots else ""
        # A rerun within the month reaches only the stores whose snapshot differs (a
        # conflicting row is locked, and so rewritten, even when the update's WHERE fails).
        differing = f"""
            LEFT JOIN {snapshot_table} old ON old.customer_id = g.customer_id
                                          AND old.month = %(month)s
            WHERE (old.grade, old.tier, old.monthly_average, old.rank, old.cumulative_share,
                   old.window_months, old.counted_months, old.method)
                  IS DISTINCT FROM
                  (g.grade, g.tier, g.monthly_average, g.rank, g.cumulative_share,
                   %(window_months)s, g.counted_months, %(method)s)
        """ if month_has_snapshots else ""
        cursor.execute(f"""
            INSERT INTO {partition or snapshot_table} AS s (customer_id, month, as_of, grade,
                tier, monthly_average, rank, cumulative_share, window_months, counted_months,
                method)
            SELECT g.customer_id, %(month)s, %(as_of)s, g.grade, g.tier, g.monthly_average,
                   g.rank, g.cumulative_share, %(window_months)s, g.counted_months, %(method)s
            FROM grading_stage g {differing} {upsert}
        """, {"month": month, "as_of": as_of, "window_months": settings_row.window_months,
              "method": settings_row.method})
        snapshots = cursor.rowcount + removed
        if partition:
            _snapshot_partition_indexes(cursor, partition)
    with connection.cursor() as cursor, timer.stage("grade_changes"):
        cursor.execute(f"""
            INSERT INTO {change_table} (customer_id, month, as_of, old_grade, new_grade,
                old_monthly_average, new_monthly_average, created_at)
            SELECT customer_id, %s, %s, old_grade, grade, old_monthly_average,
                   monthly_average, now()
            FROM grading_stage
            WHERE old_grade <> '' AND old_grade <> grade
        """, [month, as_of])
        changes = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FILTER (WHERE changed), COUNT(*), "
                       "COUNT(*) FILTER (WHERE graded_before) FROM grading_stage")
        changed, staged, graded_before = cursor.fetchone()
    if changed and changed >= REWRITE_SHARE * staged:
        grades_rewritten = True  # last, just before the commit (see below)
        updated = changed
    else:
        grades_rewritten = False
        updated = _grades_update(month=month, timer=timer)
    if partition:
        # Last, just before the commit: attaching locks the default partition.
        with connection.cursor() as cursor, timer.stage("snapshot_attach"):
            cursor.execute(f"ALTER TABLE {snapshot_table} ATTACH PARTITION {partition} "
                           "FOR VALUES FROM (%s) TO (%s)", [month, add_months(month, 1)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT grade, COUNT(*) FROM grading_stage GROUP BY grade")
        grades = dict(cursor.fetchall())
    if grades_rewritten:
        with timer.stage("grade_write"):
            _grades_rewrite(month=month, graded_before=graded_before)
    return {"grade_changes": changes, "customers_updated": updated,
            "snapshots_written": snapshots, "stores": sum(grades.values()),
            "grades": {g: int(grades.get(g, 0)) for g in ("A", "B", "C")}}


def _grades_update(*, month: date, timer: StageTimer) -> int:
    """The few stores whose grade changed (a rerun within the month), in place."""
    grade_table = CustomerGrade._meta.db_table
    with connection.cursor() as cursor, timer.stage("grade_write"):
        cursor.execute(f"""
            UPDATE {grade_table} c
               SET grade = g.grade, tier = g.tier, monthly_average = g.monthly_average,
                   as_of = %s
              FROM grading_stage g
             WHERE g.changed AND g.graded_before AND c.customer_id = g.customer_id
        """, [month])
        updated = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO {grade_table} (customer_id, grade, tier, monthly_average, as_of)
            SELECT customer_id, grade, tier, monthly_average, %s
            FROM grading_stage WHERE NOT graded_before
        """, [month])
        updated += cursor.rowcount
    return updated


def _grades_rewrite(*, month: date, graded_before: int) -> None:
    """Every store's grade row written anew (a new month: most rows change): the graded
    stores' from the stage (in store order), the rest (stores graded once and now closed
    or suspended) carried over; when the stage holds every old row, there is no rest to
    look for."""
    grade_table = CustomerGrade._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {grade_table}")
        (existing,) = cursor.fetchone()
    rest = f"""
        UNION ALL
        SELECT o.customer_id, o.grade, o.tier, o.monthly_average, o.as_of
        FROM {grade_table} o
        WHERE NOT EXISTS (SELECT 1 FROM grading_stage g WHERE g.customer_id = o.customer_id)
    """ if existing > graded_before else ""
    table_replace(grade_table, f"""
        SELECT customer_id, grade, tier, monthly_average, %s::date FROM grading_stage
        {rest}""", [month])


def snapshot_partition_name(month: date) -> str:
    """The grade snapshots of one month live in a partition of their own (customers
    migration 0019); months written through the ORM alone land in the default one."""
    return f"{GradeSnapshot._meta.db_table}_p{month:%Y%m}"


def _new_snapshot_partition(cursor, month: date) -> str | None:
    """A month's first grading run writes its snapshots into a new table without indexes,
    indexes it once, sorted, and attaches it as the month's partition, instead of adding
    each store's entry on another page of the (customer, month) index: at a million stores
    the snapshots went from 0.6-0.8x the grading floor to a third of it (README). None when
    the month already has a partition."""
    name = snapshot_partition_name(month)
    cursor.execute("SELECT to_regclass(%s) IS NULL", [name])
    if not cursor.fetchone()[0]:
        return None
    # The month's range as a checked constraint: attaching then skips the scan proving it.
    cursor.execute(f"""
        CREATE TABLE {name} (LIKE {GradeSnapshot._meta.db_table}
                             INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                             CONSTRAINT {name}_month CHECK (month >= %s AND month < %s))""",
                   [month, add_months(month, 1)])
    return name


def _snapshot_partition_indexes(cursor, name: str) -> None:
    """The parent's keys and index, built once on the filled table (attaching adopts them
    instead of building its own)."""
    cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_pkey PRIMARY KEY (id, month)")
    cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_customer_month "
                   "UNIQUE (customer_id, month)")
    cursor.execute(f"CREATE INDEX {name}_month_grade ON {name} (month, grade)")


# --- Churn ------------------------------------------------------------------------------


def scan_churn(*, as_of: date, started_by=None, run_id: int | None = None,
               task_id: str = "") -> JobRun:
    """Raise, refresh and resolve churn warnings as of a date, and record the run.

    One open warning per store carrying all its reasons (a partial unique index): the
    scan opens new ones, refreshes the reason, score and evidence of open ones, and
    resolves those whose conditions no longer hold. A store whose warning was dismissed as
    a false alarm is not warned again for 28 days. complaint_open warnings are raised and
    resolved by the complaints app.
    """
    validate_as_of(as_of)
    settings_row = churn_settings_get()

    def body() -> dict:
        with transaction.atomic():
            job_lock(JobKind.CHURN)
            return _churn_scan_locked(as_of=as_of, settings_row=settings_row)

    return job_run_record(kind=JobKind.CHURN, as_of=as_of, started_by=started_by, body=body,
                          run_id=run_id, task_id=task_id)


def _churn_inputs(*, as_of: date) -> pd.DataFrame:
    weights = purchase_weights(as_of=as_of)
    recent_cases = " ".join("WHEN %s THEN %s" for _month in weights)
    params: list = []
    for month, (recent, _base) in weights.items():
        params += [month, float(recent)]
    for month, (_recent, base) in weights.items():
        params += [month, float(base)]
    months = sorted(weights)
    params += [months[0], months[-1], as_of - timedelta(days=CYCLE_LOOKBACK_DAYS), as_of,
               CustomerStatus.ACTIVE]
    order_table = apps.get_model("phone_orders", "Order")._meta.db_table
    sql = f"""
        SELECT c.id, c.manager_id, c.last_order_date, g.grade,
               COALESCE(p.recent, 0), COALESCE(p.base, 0),
               COALESCE(o.cycles, 0), o.first_date, o.last_date
        FROM {Customer._meta.db_table} c
        LEFT JOIN {CustomerGrade._meta.db_table} g ON g.customer_id = c.id
        LEFT JOIN (
            SELECT customer_id,
                   SUM(amount * CASE month {recent_cases} ELSE 0 END) AS recent,
                   SUM(amount * CASE month {recent_cases} ELSE 0 END) AS base
            FROM {MonthlyPurchase._meta.db_table}
            WHERE month BETWEEN %s AND %s
            GROUP BY customer_id
        ) p ON p.customer_id = c.id
        LEFT JOIN (
            SELECT customer_id, COUNT(DISTINCT cycle_start) AS cycles,
                   MIN(order_date) AS first_date, MAX(order_date) AS last_date
            FROM {order_table}
            WHERE status = 'confirmed' AND order_date > %s AND order_date <= %s
            GROUP BY customer_id
        ) o ON o.customer_id = c.id
        WHERE c.status = %s
    """
    frame = read_frame(sql, params, ["customer_id", "owner_id", "last_order_date", "grade",
                                     "recent", "base", "cycles", "first_date", "last_date"])
    frame["cycle_days"] = usual_cycle_days(frame["cycles"].astype("int64"),
                                           frame["first_date"], frame["last_date"])
    frame["last_order_date"] = pd.to_datetime(frame["last_order_date"], errors="coerce")
    frame["grade"] = text_column(frame["grade"])
    frame["recent"] = frame["recent"].astype(float).round(2)
    frame["base"] = (frame["base"].astype(float) / (BASELINE_DAYS / RECENT_DAYS)).round(2)
    return frame


def _grade_drops(*, as_of: date, days: int) -> pd.DataFrame:
    """The latest grade change per store within the look-back."""
    sql = f"""
        SELECT DISTINCT ON (g.customer_id) g.customer_id, g.old_grade, g.new_grade, g.as_of,
               g.old_monthly_average, g.new_monthly_average
        FROM {GradeChange._meta.db_table} g
        WHERE g.as_of > %s AND g.as_of <= %s
        ORDER BY g.customer_id, g.as_of DESC, g.id DESC
    """
    return read_frame(sql, [as_of - timedelta(days=days), as_of],
                      ["customer_id", "old_grade", "new_grade", "changed_on", "old_average",
                       "new_average"])


def _churn_scan_locked(*, as_of: date, settings_row) -> dict:
    timer = StageTimer()
    with timer.stage("read"):
        frame = _churn_inputs(as_of=as_of)
        drops = _grade_drops(as_of=as_of, days=settings_row.grade_drop_days)
    model_row = churn_model_in_service()
    risks = None
    if model_row is not None:
        with timer.stage("score"):
            risks = churn_risks_score(as_of=as_of, model_row=model_row,
                                      threshold=settings_row.risk_threshold_percent)
    with timer.stage("compute"):
        holding = churn_evaluate(frame, drops, as_of=as_of, settings_row=settings_row)
        by_reason = holding["reason"].value_counts().to_dict()
        found, below = _found_by_risk(churn_merge(holding), risks, frame,
                                      settings_row=settings_row)
        found = _without_quiet_dismissals(found, as_of=as_of)
        to_resolve = _warnings_to_resolve(found, frame, below=below, risks=risks)
    with timer.stage("write"):
        if risks is not None:
            churn_risks_write(risks, as_of=as_of)
        raised, refreshed = _warnings_upsert(found, as_of=as_of)
        _warnings_resolve(to_resolve)
    model_details = {} if model_row is None else {
        "model_version": model_row.version, "scored": len(risks),
        "at_risk": int((risks["risk"] >= settings_row.risk_threshold_percent).sum())}
    return {**model_details,
        "stores_processed": len(frame), "changes": raised + len(to_resolve),
        "raised": raised, "refreshed": refreshed, "resolved": len(to_resolve),
        "holding": {str(r): int(by_reason.get(r, 0)) for r in SCANNED_REASONS
                    if r != ChurnReason.HIGH_RISK},  # what each fixed rule found
        "seconds": timer.seconds,
    }


def _found_by_risk(found: pd.DataFrame, risks: pd.DataFrame | None, frame: pd.DataFrame,
                   *, settings_row) -> tuple[pd.DataFrame, dict]:
    """With a churn model in service, a store is warned when its risk reaches the
    threshold; the warning's score is the risk. A rule that holds gives its reason; a store
    at risk with no rule holding is warned for its high risk, its explanations (what sets
    it apart from the stores below the threshold) as the reasons. Returns the warnings and
    the risk of the stores whose rules hold but whose risk is below the threshold."""
    if risks is None:
        return found, {}
    found = pd.concat([found, _risk_only(found, risks, frame, settings_row=settings_row)],
                      ignore_index=True) if len(risks) else found
    by_store = risks.set_index("customer_id")
    risk = found["customer_id"].map(by_store["risk"]).fillna(0)
    risk = risk.astype("int64")
    threshold = settings_row.risk_threshold_percent
    kept = found[risk >= threshold].copy()
    kept["score"] = risk[risk >= threshold]
    # The evidence carries what drives this store's risk besides the rules' figures.
    explanations = kept["customer_id"].map(by_store["reasons"])
    kept["evidence"] = [{**evidence, "churn_risk": int(value),
                         "explanations": items if isinstance(items, list) else []}
                        for evidence, value, items in
                        zip(kept["evidence"], kept["score"], explanations, strict=True)]
    below = dict(zip(found["customer_id"][risk < threshold], risk[risk < threshold],
                     strict=True))
    return kept, below


def _risk_only(found: pd.DataFrame, risks: pd.DataFrame, frame: pd.DataFrame, *,
               settings_row) -> pd.DataFrame:
    """HIGH_RISK rows for the stores at or above the threshold that no rule warns."""
    at_risk = risks[(risks["risk"] >= settings_row.risk_threshold_percent)
                    & ~risks["customer_id"].isin(set(found["customer_id"]))]
    owners = frame.set_index("customer_id")["owner_id"]
    at_risk = at_risk[at_risk["customer_id"].isin(owners.index)]
    return pd.DataFrame({
        "customer_id": at_risk["customer_id"].astype("int64").to_numpy(),
        "owner_id": at_risk["customer_id"].map(owners).to_numpy(),
        "reason": ChurnReason.HIGH_RISK.value,
        "score": at_risk["risk"].astype("int64").to_numpy(),
        "evidence": [{"reasons": [ChurnReason.HIGH_RISK.value]} for _row in range(len(at_risk))],
    }, columns=["customer_id", "owner_id", "reason", "score", "evidence"])


def _without_quiet_dismissals(found: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    quiet = ChurnWarning.objects.filter(
        status=WarningStatus.DISMISSED, reason__in=SCANNED_REASONS,
        resolved_at__date__gt=as_of - timedelta(days=DISMISSAL_QUIET_DAYS),
    ).values_list("customer_id", flat=True)
    return found[~found["customer_id"].isin(set(quiet))]


def _warnings_to_resolve(found: pd.DataFrame, frame: pd.DataFrame, *, below: dict,
                         risks: pd.DataFrame | None = None) -> list[tuple]:
    """Open warnings whose condition no longer holds, with how they were resolved."""
    holding = set(found["customer_id"])
    risk_of = {} if risks is None else dict(zip(risks["customer_id"], risks["risk"],
                                                strict=True))
    open_rows = ChurnWarning.objects.filter(
        status__in=OPEN_WARNING_STATUSES, reason__in=SCANNED_REASONS,
        customer__status=CustomerStatus.ACTIVE,
    ).values_list("id", "customer_id", "reason", "evidence")
    current = frame.set_index("customer_id")
    to_resolve = []
    for warning_id, customer_id, reason, evidence in open_rows:
        if customer_id in holding:
            continue
        # Warned for the model's risk alone: over once the risk is below the threshold
        # (or no longer scored: the store stopped being active, or has no history).
        risk = (int(risk_of.get(customer_id, 0)) if reason == ChurnReason.HIGH_RISK
                else below.get(customer_id))
        if risk is not None:
            to_resolve.append((warning_id, _(
                "Resolved automatically: the churn risk is down to %(risk)s %%, below the "
                "warning threshold.") % {"risk": risk}))
            continue
        resolution = _resolution(reason, current, customer_id, evidence)
        if resolution:
            to_resolve.append((warning_id, resolution))
    return to_resolve


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


def _warnings_upsert(found: pd.DataFrame, *, as_of: date) -> tuple[int, int]:
    if not len(found):
        return 0, 0
    table = ChurnWarning._meta.db_table
    staged = found.copy()
    staged["evidence"] = staged["evidence"].map(json.dumps)
    staged["owner_id"] = staged["owner_id"].astype("Int64")
    stage_frame("churn_stage", staged, {"customer_id": "bigint", "owner_id": "bigint",
                                        "reason": "varchar(20)", "score": "smallint",
                                        "evidence": "jsonb"})
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH upserted AS (
                INSERT INTO {table} AS w (customer_id, owner_id, reason, score, evidence,
                    status, as_of, raised_at, updated_at, resolution)
                SELECT customer_id, owner_id, reason, score, evidence, %s, %s, now(), now(), ''
                FROM churn_stage
                ON CONFLICT (customer_id) WHERE status IN ('open', 'acknowledged')
                                              AND reason IN ({SCANNED_SQL})
                DO UPDATE SET reason = EXCLUDED.reason, score = EXCLUDED.score,
                              evidence = EXCLUDED.evidence, as_of = EXCLUDED.as_of,
                              updated_at = now()
                WHERE (w.reason, w.score, w.evidence, w.as_of)
                      IS DISTINCT FROM (EXCLUDED.reason, EXCLUDED.score, EXCLUDED.evidence,
                                        EXCLUDED.as_of)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted)
            FROM upserted
        """, [WarningStatus.OPEN, as_of])
        raised, refreshed = cursor.fetchone()
    return raised, refreshed


def _warnings_resolve(to_resolve: list[tuple]) -> None:
    if not to_resolve:
        return
    frame = pd.DataFrame(to_resolve, columns=["id", "resolution"])
    stage_frame("churn_resolve", frame, {"id": "bigint", "resolution": "text"})
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {ChurnWarning._meta.db_table} w
               SET status = %s, resolution = r.resolution, resolved_at = now(),
                   updated_at = now(), handled_by_id = NULL
              FROM churn_resolve r WHERE w.id = r.id
        """, [WarningStatus.RESOLVED])

