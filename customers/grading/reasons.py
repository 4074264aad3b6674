"""Why a store is at risk, in words a manager reads (issue 12).

Two halves:

* `store_explanations` (pandas in, plain data out): for each scored store, the facts that
  set it apart from the typical store still buying, in the direction of risk. Each
  candidate fact is measured as the store's distance from the median of the stores below
  the warning threshold, in units of their spread (interquartile range); the facts more
  than MIN_DISTANCE spreads worse than typical, and meaningful in themselves (a cycle missed, a
  drop of 10 % or more, a complaint open, a visit overdue), are kept, furthest first, at
  most MAX_EXPLANATIONS. Stored as codes and numbers (`{"code": "cycles_missed",
  "cycles": 3, "cycle_days": 14}`) on the store and in its warning's evidence, so that
  every page renders them in the reader's language.
* `reason_sentences` (codes in, translated sentences out), used by the inbox, the call
  list, the store card, the phone console and the API; a warning without model
  explanations (no model in service, or a complaint warning) gets its rules' evidence in
  the same sentences.
"""

import math

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_EXPLANATIONS = 3
MIN_DISTANCE = 1.5  # spreads past the typical store: an outlier, not an ordinary variation
MIN_DROP_PERCENT = 10

# (code, the feature measured, +1 when higher is riskier / -1 when lower is)
CANDIDATES = [
    ("cycles_missed", "recency_in_intervals", 1),
    ("weeks_silent", "weeks_since_last", 1),
    ("purchase_drop", "purchase_trend", -1),
    ("complaint_open", "oldest_open_complaint_days", 1),
    ("not_visited", "days_since_visit", 1),
]

# The rules' reasons and the explanation that says the same thing.
RULE_EXPLANATION = {"no_order": "cycles_missed", "purchase_drop": "purchase_drop",
                    "grade_drop": "grade_drop", "complaint_open": "complaint_open"}


def _spread(values: pd.Series) -> float:
    known = values.dropna()
    if not len(known):
        return 1.0
    spread = float(known.quantile(0.75) - known.quantile(0.25))
    return spread if spread > 0 else max(float(known.std() or 0), 1.0)


def _meaningful(code: str, features: pd.DataFrame) -> pd.Series:
    """The facts worth a sentence whatever the distance."""
    if code == "cycles_missed":
        return _missed_cycles(features) >= 1
    if code == "weeks_silent":
        return features["usual_interval_weeks"].isna() & (features["weeks_since_last"] >= 3)
    if code == "purchase_drop":
        return _drop_percent(features) >= MIN_DROP_PERCENT
    if code == "complaint_open":
        return features["open_complaints"] > 0
    if code == "not_visited":
        return features["days_since_visit"] > 0
    return pd.Series(False, index=features.index)


def _missed_cycles(features: pd.DataFrame) -> pd.Series:
    # A store whose last order week is w weeks back, ordering every i weeks, missed
    # floor(w / i) - 1 orders (the one due this week is not missed yet).
    return np.floor(features["weeks_since_last"] / features["usual_interval_weeks"]) - 1


def _drop_percent(features: pd.DataFrame) -> pd.Series:
    return ((1 - features["purchase_trend"]) * 100).round()


def store_explanations(features: pd.DataFrame, risk: np.ndarray, threshold: int
                       ) -> list[list[dict]]:
    """The explanations of each row of `features` (see the module)."""
    features = features.reset_index(drop=True)
    typical = features[np.asarray(risk) < threshold]
    if len(typical) < 10:
        typical = features
    distances = {}
    for code, column, direction in CANDIDATES:
        if column not in features:
            continue
        median = typical[column].median()
        median = 0.0 if pd.isna(median) else float(median)
        distance = direction * (features[column] - median) / _spread(typical[column])
        keep = _meaningful(code, features) & (distance > MIN_DISTANCE)
        distances[code] = distance.where(keep)
    if not distances:
        return [[] for _row in range(len(features))]
    table = pd.DataFrame(distances)
    missed = _missed_cycles(features)
    drop = _drop_percent(features)
    result: list[list[dict]] = []
    for position, row in zip(range(len(table)), table.itertuples(index=False), strict=True):
        ranked = sorted(((value, code) for code, value in zip(table.columns, row, strict=True)
                         if not math.isnan(value)), reverse=True)[:MAX_EXPLANATIONS]
        items = []
        for _distance, code in ranked:
            items.append(_explanation(code, features, position, missed, drop))
        result.append(items)
    return result


def _explanation(code: str, features: pd.DataFrame, position: int, missed: pd.Series,
                 drop: pd.Series) -> dict:
    row = features.iloc[position]
    if code == "cycles_missed":
        return {"code": code, "cycles": int(missed.iloc[position]),
                "cycle_days": int(round(row["usual_interval_weeks"] * 7))}
    if code == "weeks_silent":
        return {"code": code, "weeks": int(row["weeks_since_last"])}
    if code == "purchase_drop":
        return {"code": code, "percent": int(drop.iloc[position])}
    if code == "complaint_open":
        return {"code": code, "complaints": int(row["open_complaints"]),
                "days": int(row["oldest_open_complaint_days"])}
    return {"code": code, "days": int(row["days_since_visit"])}


# --- Sentences --------------------------------------------------------------------------


def explanation_sentence(item: dict) -> str:
    code = item.get("code")
    if code == "cycles_missed":
        return ngettext(
            "no order for %(cycles)s of its usual %(days)s-day cycles",
            "no order for %(cycles)s of its usual %(days)s-day cycles",
            item["cycles"]) % {"cycles": item["cycles"], "days": item["cycle_days"]}
    if code == "weeks_silent":
        return ngettext("no order for %(weeks)s week", "no order for %(weeks)s weeks",
                        item["weeks"]) % {"weeks": item["weeks"]}
    if code == "purchase_drop":
        return _("purchases down %(percent)s %% on its 3-month average") % {
            "percent": item["percent"]}
    if code == "complaint_open":
        days = ngettext("complaint open %(days)s day", "complaint open %(days)s days",
                        item["days"]) % {"days": item["days"]}
        if item.get("complaints", 1) > 1:
            return _("%(count)s complaints open, the oldest: %(days)s") % {
                "count": item["complaints"], "days": days}
        return days
    if code == "not_visited":
        return ngettext("not visited for %(days)s day", "not visited for %(days)s days",
                        item["days"]) % {"days": item["days"]}
    if code == "grade_drop":
        return _("grade down from %(old)s to %(new)s") % {"old": item["old"],
                                                          "new": item["new"]}
    return _("another sign of risk")


def rule_explanations(reasons: list[str], evidence: dict) -> list[dict]:
    """The rules' evidence of a warning as explanations (see RULE_EXPLANATION)."""
    items = []
    for reason in reasons:
        if reason == "no_order" and "cycles_missed" in evidence:
            items.append({"code": "cycles_missed", "cycles": int(evidence["cycles_missed"]),
                          "cycle_days": int(evidence.get("cycle_days") or 7)})
        elif reason == "purchase_drop" and "drop_percent" in evidence:
            items.append({"code": "purchase_drop",
                          "percent": int(round(float(evidence["drop_percent"])))})
        elif reason == "grade_drop" and evidence.get("old_grade"):
            items.append({"code": "grade_drop", "old": evidence["old_grade"],
                          "new": evidence.get("new_grade", "")})
        elif reason == "complaint_open" and "days_open" in evidence:
            complaints = evidence.get("complaints") or [None]
            items.append({"code": "complaint_open", "days": int(evidence["days_open"]),
                          "complaints": len(complaints) if isinstance(complaints, list)
                          else int(complaints)})
    return items


def warning_explanations(reason: str, evidence: dict | None) -> list[dict]:
    """Every reason of a warning: the model's explanations of the store's risk, then the
    rules that hold and say something the explanations do not."""
    evidence = evidence or {}
    items = list(evidence.get("explanations") or [])
    codes = {item.get("code") for item in items}
    reasons = evidence.get("reasons") or [reason]
    for item in rule_explanations(reasons, evidence):
        if item["code"] not in codes:
            items.append(item)
            codes.add(item["code"])
    return items


def reason_sentences(items) -> list[str]:
    return [explanation_sentence(item) for item in items or []]
