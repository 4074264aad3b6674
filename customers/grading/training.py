"""Training the churn model (monthly, or `manage.py train_churn_model --as-of`) and
scoring every active store with the model in service (from the nightly churn scan).

Both read the confirmed orders as one weekly purchase matrix (stores x order weeks)
through COPY, so the work is set-wise; the maths is in churn_model.py.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from crm_project.jobs import StageTimer, job_lock, read_frame, stage_frame
from customers.jobruns import job_run_record
from customers.models import (
    MAX_HORIZON_WEEKS,
    MAX_RISK_THRESHOLD,
    MIN_HORIZON_WEEKS,
    MIN_RISK_THRESHOLD,
    ChurnModel,
    ChurnModelStatus,
    Customer,
    CustomerStatus,
    GradeSnapshot,
    JobKind,
    JobRun,
)

from . import churn_model
from .features import features_at, provider_columns
from .reasons import store_explanations
from .selectors import churn_settings_get
from .services import validate_as_of

HISTORY_WEEKS = 104
GRADE_CODES = {"A": 0, "B": 1, "C": 2}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class WeeklyPurchases:
    customer_ids: np.ndarray
    amounts: np.ndarray  # stores x weeks, float32
    first_monday: date
    first_week: int  # the column of the first order week held

    def column(self, day: date) -> int:
        return (monday(day) - self.first_monday).days // 7


def weekly_purchases(*, first: date, end: date, last_day: date, active_only: bool = False
                     ) -> WeeklyPurchases:
    """Confirmed purchases per store and order week, for weeks first <= Monday < end and
    orders on or before last_day."""
    order_table = apps.get_model("phone_orders", "Order")._meta.db_table
    active = (f"AND customer_id IN (SELECT id FROM {Customer._meta.db_table} "
              f"WHERE status = %s)") if active_only else ""
    params = [first, end, last_day] + ([CustomerStatus.ACTIVE] if active_only else [])
    frame = read_frame(f"""
        SELECT customer_id, (cycle_start - %s::date) / 7 AS week, SUM(total_amount)
        FROM {order_table}
        WHERE status = 'confirmed' AND cycle_start >= %s AND cycle_start < %s
          AND order_date <= %s {active}
        GROUP BY customer_id, cycle_start
    """, [first, *params], ["customer_id", "week", "amount"])
    weeks = (end - first).days // 7
    ids, rows = np.unique(frame["customer_id"].to_numpy(dtype="int64"), return_inverse=True)
    amounts = np.zeros((len(ids), weeks), dtype="float32")
    week = frame["week"].to_numpy(dtype="int64")
    amounts[rows, week] = frame["amount"].to_numpy(dtype="float32")
    first_week = int(week.min()) if len(week) else weeks
    return WeeklyPurchases(ids, amounts, first, first_week)


def _grades_by_cutoff(data: WeeklyPurchases):
    """grades_at(t) and tiers_at(t): each store's grade and tier of the latest snapshot
    before the cut-off's month (NaN when none)."""
    snapshots = pd.DataFrame(GradeSnapshot.objects.filter(
        month__gte=data.first_monday.replace(day=1),
    ).values_list("customer_id", "month", "grade", "tier"),
        columns=["customer_id", "month", "grade", "tier"])
    index = pd.Index(data.customer_ids)

    def at(t: int, column: str) -> np.ndarray:
        cutoff_month = (data.first_monday + timedelta(weeks=t)).replace(day=1)
        known = snapshots[snapshots["month"] < cutoff_month]
        values = np.full(len(index), np.nan)
        if len(known):
            latest = known.sort_values("month").drop_duplicates("customer_id", keep="last")
            positions = index.get_indexer(latest["customer_id"])
            found = positions >= 0
            source = latest[column].map(GRADE_CODES) if column == "grade" else latest[column]
            values[positions[found]] = source.to_numpy(dtype="float64")[found]
        return values

    return (lambda t: at(t, "grade")), (lambda t: at(t, "tier"))


def _extras_by_cutoff(data: WeeklyPurchases):
    """extras_at(t, rows): the feature providers' columns of the given store rows at
    cut-off t (the Monday of week t: rows before it only). None without providers."""
    if not provider_columns():
        return None

    def extras_at(t: int, rows: np.ndarray) -> pd.DataFrame:
        cutoff = data.first_monday + timedelta(weeks=t)
        return features_at(data.customer_ids[rows], cutoff)

    return extras_at


def validate_churn_settings(settings_row) -> None:
    if not MIN_HORIZON_WEEKS <= settings_row.horizon_weeks <= MAX_HORIZON_WEEKS:
        raise BusinessError(_("The churn horizon must be from %(low)s to %(high)s weeks.") % {
            "low": MIN_HORIZON_WEEKS, "high": MAX_HORIZON_WEEKS}, field="horizon_weeks")
    if not MIN_RISK_THRESHOLD <= settings_row.risk_threshold_percent <= MAX_RISK_THRESHOLD:
        raise BusinessError(_("The warning threshold must be from %(low)s to %(high)s %%.") % {
            "low": MIN_RISK_THRESHOLD, "high": MAX_RISK_THRESHOLD},
            field="risk_threshold_percent")


def train_churn_model(*, as_of: date, started_by=None) -> ChurnModel:
    """Back-test and train the churn model as of a date, and put it in service when it
    ranks the stores that stop ordering at least as well as the baseline.

    Refused before anything is written: a future date, a horizon or threshold out of
    range, less than six months of order history. The model in service then stays."""
    validate_as_of(as_of)
    settings_row = churn_settings_get()
    validate_churn_settings(settings_row)
    horizon = settings_row.horizon_weeks
    end = monday(as_of)
    data = weekly_purchases(first=end - timedelta(weeks=HISTORY_WEEKS), end=end,
                            last_day=as_of)
    history = data.amounts.shape[1] - data.first_week
    if history < churn_model.MIN_HISTORY_WEEKS:
        raise BusinessError(_(
            "Training needs at least %(needed)s weeks (six months) of order history before "
            "%(date)s; there are %(weeks)s. The model in service stays.") % {
            "needed": churn_model.MIN_HISTORY_WEEKS, "date": end.isoformat(),
            "weeks": max(history, 0)}, field="as_of")
    result: dict = {}

    def body() -> dict:
        timer = StageTimer()
        grades_at, tiers_at = _grades_by_cutoff(data)
        with timer.stage("back_test"):
            test = churn_model.back_test(
                data.amounts, first_week=data.first_week, horizon=horizon,
                threshold=settings_row.risk_threshold_percent / 100,
                grades_at=grades_at, tiers_at=tiers_at, extras_at=_extras_by_cutoff(data))
        with transaction.atomic(), timer.stage("store"):
            job_lock(JobKind.TRAIN)
            result["model"] = _model_store(test, as_of=as_of, data=data,
                                           settings_row=settings_row)
        model = result["model"]
        return {"stores_processed": len(data.customer_ids),
                "changes": int(model.status == ChurnModelStatus.IN_SERVICE),
                "version": model.version, "status": model.status, "message": model.message,
                "auc": model.metrics.get("model", {}).get("auc"),
                "baseline_auc": model.metrics.get("baseline", {}).get("auc"),
                "sample_rate": test.sampling.get("train", {}).get("rate"),
                "seconds": timer.seconds}

    run = job_run_record(kind=JobKind.TRAIN, as_of=as_of, started_by=started_by, body=body)
    model = result["model"]
    ChurnModel.objects.filter(pk=model.pk).update(job_run=run)
    model.job_run = run
    return model


def _week_day(data: WeeklyPurchases, t: int) -> str:
    return (data.first_monday + timedelta(weeks=t)).isoformat()


def _model_store(test: churn_model.BackTest, *, as_of: date, data: WeeklyPurchases,
                 settings_row) -> ChurnModel:
    version = (ChurnModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    metrics = {
        "model": test.metrics, "baseline": test.baseline,
        "train_cutoffs": [_week_day(data, t) for t in test.train_cutoffs],
        "test_cutoffs": [_week_day(data, t) for t in test.test_cutoffs],
        "train_rows": test.train_rows, "train_positives": test.train_positives,
        "features": test.features or churn_model.FEATURES,
        # Training and back-test rows are a stratified sample of the eligible rows.
        "sampling": test.sampling,
    }
    values = {"model": test.metrics.get("auc"), "baseline": test.baseline.get("auc")}
    if test.model is None:
        status = ChurnModelStatus.REJECTED
        message = _("Not put in service: the history has too few stores that stopped "
                    "ordering (or too few that kept ordering) to learn and measure from.")
    elif test.beats_baseline:
        status = ChurnModelStatus.IN_SERVICE
        message = _("Put in service: back-test AUC %(model).3f against %(baseline).3f for "
                    "days since the last order.") % values
    else:
        status = ChurnModelStatus.REJECTED
        message = _("Not put in service: back-test AUC %(model).3f is worse than "
                    "%(baseline).3f for days since the last order; the model in service "
                    "stays.") % {k: v or 0 for k, v in values.items()}
    if status == ChurnModelStatus.IN_SERVICE:
        ChurnModel.objects.filter(status=ChurnModelStatus.IN_SERVICE).update(
            status=ChurnModelStatus.RETIRED)
    return ChurnModel.objects.create(
        version=version, as_of=as_of, horizon_weeks=settings_row.horizon_weeks,
        threshold_percent=settings_row.risk_threshold_percent, status=status,
        model=churn_model.model_dump(test.model) if test.model is not None else b"",
        metrics=metrics, message=message)


def churn_model_in_service() -> ChurnModel | None:
    return ChurnModel.objects.filter(status=ChurnModelStatus.IN_SERVICE).first()


def churn_risks_score(*, as_of: date, model_row: ChurnModel, threshold: int = 100
                      ) -> pd.DataFrame:
    """(customer_id, risk 0-100, reasons) of every active store with orders in the
    look-back year, scored by the model in service at as_of; reasons (what drives the
    risk, see reasons.py) for the stores at or above the threshold, [] for the others."""
    end = monday(as_of) + timedelta(weeks=1)
    data = weekly_purchases(first=end - timedelta(weeks=churn_model.LOOKBACK_WEEKS + 1),
                            end=end, last_day=as_of, active_only=True)
    if not len(data.customer_ids):
        return pd.DataFrame({"customer_id": [], "risk": [], "reasons": []})
    t = data.amounts.shape[1]
    current = pd.DataFrame(Customer.objects.filter(pk__in=data.customer_ids.tolist()).values_list(
        "pk", "grade", "tier"), columns=["customer_id", "grade", "tier"]).set_index(
        "customer_id").reindex(data.customer_ids)
    features, scored = churn_model.week_features(
        data.amounts, t, current["grade"].map(GRADE_CODES).to_numpy(dtype="float64"),
        current["tier"].to_numpy(dtype="float64"))
    ids = data.customer_ids[scored]
    features = features[scored].reset_index(drop=True)
    # The providers' facts up to and including as_of (the cut-off is the day after).
    extras = features_at(ids, as_of + timedelta(days=1))
    for column in extras.columns:
        features[column] = extras[column].to_numpy()
    model = churn_model.model_load(model_row.model)
    probability = churn_model.model_predict(model, features)
    risk = np.rint(probability * 100).astype("int64")
    reasons = [[] for _row in range(len(ids))]
    at_risk = np.flatnonzero(risk >= threshold)
    if len(at_risk):
        explained = store_explanations(features, risk, threshold)
        for position in at_risk:
            reasons[position] = explained[position]
    return pd.DataFrame({"customer_id": ids, "risk": risk, "reasons": reasons})


def churn_risks_write(risks: pd.DataFrame, *, as_of: date) -> int:
    """Write churn_risk, churn_risk_as_of and churn_reasons of every active store (NULL
    and no reasons for the stores without history), touching only rows that change."""
    staged = risks[["customer_id", "risk"]].copy()
    staged["reasons"] = [json.dumps(items) for items in risks["reasons"]] \
        if "reasons" in risks else "[]"
    stage_frame("churn_risk_stage", staged, {"customer_id": "bigint PRIMARY KEY",
                                             "risk": "smallint", "reasons": "jsonb"})
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {Customer._meta.db_table} c
               SET churn_risk = s.risk, churn_risk_as_of = %s,
                   churn_reasons = COALESCE(s.reasons, '[]'::jsonb)
              FROM {Customer._meta.db_table} c2
              LEFT JOIN churn_risk_stage s ON s.customer_id = c2.id
             WHERE c.id = c2.id AND c2.status = %s
               AND (c.churn_risk, c.churn_risk_as_of, c.churn_reasons)
                   IS DISTINCT FROM (s.risk, %s::date, COALESCE(s.reasons, '[]'::jsonb))
        """, [as_of, CustomerStatus.ACTIVE, as_of])
        return cursor.rowcount


def last_training_runs(limit: int = 10):
    return JobRun.objects.filter(kind=JobKind.TRAIN)[:limit]
