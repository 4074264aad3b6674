"""The rules of grading and churn as pure functions: dates and pandas in, pandas out.

Grading, exactly, so that anyone can recompute a grade by hand:

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

Churn, each rule evaluated as of a date D:

* no_order: the store has ordered before but not in the last K of its own usual order
  cycles, i.e. last_order_date <= D - K x cycle. The usual cycle is the mean gap between
  the distinct order weeks of its confirmed orders in the year up to D, in whole days
  between 7 and 91; a store with fewer than three order weeks in that year counts as weekly;
* purchase_drop: purchases in the 28 days up to D are down by X % or more against the
  store's own average per 28 days over the 84 days before them. Purchases are kept per
  month, so each month's amount is spread evenly over its days (the month of D over its
  days up to D);
* grade_drop: a downgrade found by grading within the last G days, the store still below
  its old grade.

A store gets at most one warning from these rules: its reasons are merged (churn_merge)
into one row whose reason is the first that holds (no_order, purchase_drop, grade_drop),
whose score is the highest, and whose evidence carries the evidence of every reason with
the list of reasons under "reasons".
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from customers.models import ChurnReason, GradingMethod

RECENT_DAYS = 28
BASELINE_DAYS = 84
DISMISSAL_QUIET_DAYS = 28
GRADE_BONUS = {"A": 20, "B": 10}
WEEKLY_CYCLE_DAYS = 7
LONGEST_CYCLE_DAYS = 91
CYCLE_LOOKBACK_DAYS = 365
MIN_CYCLES_FOR_INTERVAL = 3
# A rule's reason comes first; HIGH_RISK (the model's risk alone) only when no rule holds.
SCANNED_REASONS = [ChurnReason.NO_ORDER, ChurnReason.PURCHASE_DROP, ChurnReason.GRADE_DROP,
                   ChurnReason.HIGH_RISK]


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


# --- Grades -----------------------------------------------------------------------------


def grades_compute(frame: pd.DataFrame, *, window: list[date], settings_row) -> pd.DataFrame:
    """Add monthly_average_fen, rank, cumulative_share, grade and tier to the input rows
    (customer_id, code, window_fen, first_month)."""
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


# --- Churn ------------------------------------------------------------------------------


def usual_cycle_days(cycles: pd.Series, first: pd.Series, last: pd.Series) -> pd.Series:
    """Each store's usual order interval in days from its distinct order weeks in the
    look-back year and the first and last order dates among them (see the module)."""
    span = (pd.to_datetime(last) - pd.to_datetime(first)).dt.days
    gaps = (cycles.astype("float64") - 1).where(cycles >= MIN_CYCLES_FOR_INTERVAL)
    interval = (span / gaps).round().clip(WEEKLY_CYCLE_DAYS, LONGEST_CYCLE_DAYS)
    return interval.fillna(WEEKLY_CYCLE_DAYS).astype("int64")


def churn_evaluate(frame: pd.DataFrame, drops: pd.DataFrame, *, as_of: date,
                   settings_row) -> pd.DataFrame:
    """Rows (customer_id, owner_id, reason, score, evidence) of every warning that holds."""
    cycles = settings_row.no_order_cycles
    drop_percent = settings_row.drop_percent
    bonus = frame["grade"].map(GRADE_BONUS).fillna(0).astype(int)
    found = []

    days_since = (pd.Timestamp(as_of) - frame["last_order_date"]).dt.days
    cycle_days = frame["cycle_days"] if "cycle_days" in frame else pd.Series(
        WEEKLY_CYCLE_DAYS, index=frame.index)
    no_order = frame["last_order_date"].notna() & (days_since >= cycle_days * cycles)
    for row, days, cycle, extra in zip(frame[no_order].itertuples(), days_since[no_order],
                                       cycle_days[no_order], bonus[no_order], strict=True):
        missed = int(days) // int(cycle)
        found.append((row.customer_id, row.owner_id, ChurnReason.NO_ORDER,
                      min(100, 40 + 15 * (missed - cycles) + extra), {
                          "last_order_date": row.last_order_date.date().isoformat(),
                          "days_since_last_order": int(days), "cycles_missed": missed,
                          "cycle_days": int(cycle), "threshold_cycles": cycles}))

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


def churn_merge(found: pd.DataFrame) -> pd.DataFrame:
    """One row per store out of the rows of churn_evaluate: the first of its reasons in the
    order of SCANNED_REASONS (a store that stopped ordering is warned for that, its fall in
    purchases following from it), the highest score, and the evidence of all its reasons
    merged, with the reasons in that order under "reasons"."""
    columns = ["customer_id", "owner_id", "reason", "score", "evidence"]
    if not len(found):
        return pd.DataFrame(columns=columns)
    order = {reason: i for i, reason in enumerate(SCANNED_REASONS)}
    ranked = found.assign(_order=found["reason"].map(order)).sort_values(
        ["customer_id", "_order"], kind="mergesort")
    rows = []
    for customer_id, group in ranked.groupby("customer_id", sort=True):
        evidence: dict = {}
        for item in group["evidence"]:
            evidence.update(item)
        evidence["reasons"] = [str(r) for r in group["reason"]]
        top = group.iloc[0]
        rows.append((customer_id, top["owner_id"], top["reason"], int(group["score"].max()),
                     evidence))
    return pd.DataFrame(rows, columns=columns)


def _money(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return f"{Decimal(str(value)):.2f}"
