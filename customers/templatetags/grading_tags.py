import json

from django import template
from django.utils.translation import gettext_lazy as _

from customers.grading.reasons import reason_sentences, warning_explanations
from customers.grading.selectors import customer_grade_card
from customers.models import ChurnReason

register = template.Library()


@register.inclusion_tag("customers/grading/_card_body.html", takes_context=True)
def grading_card(context, customer):
    """Grade, tier and why, the grade history and recent changes of one store, scoped."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    card = customer_grade_card(user=user, customer_id=customer.pk) if user else None
    return {"card": card}


EVIDENCE_LABELS = {
    "last_order_date": _("last order"),
    "days_since_last_order": _("days without order"),
    "cycles_missed": _("cycles missed"),
    "cycle_days": _("cycle (days)"),
    "threshold_cycles": _("warn after (cycles)"),
    "recent_28_days": _("last 28 days (yuan)"),
    "average_28_days_before": _("usual 28 days (yuan)"),
    "drop_percent": _("drop (%)"),
    "threshold_percent": _("warn from (%)"),
    "old_grade": _("old grade"),
    "new_grade": _("new grade"),
    "changed_on": _("changed on"),
    "old_monthly_average": _("old monthly average (yuan)"),
    "new_monthly_average": _("new monthly average (yuan)"),
    "complaints": _("open complaints"),
    "days_open": _("days open"),
    "churn_risk": _("churn risk (%)"),
}
# Shown as sentences (reason_texts), not as label: value pairs.
EVIDENCE_NOT_LISTED = {"reasons", "explanations"}

RUN_DETAIL_LABELS = {
    "customers_updated": _("stores updated"),
    "snapshots_written": _("snapshots written"),
    "window": _("months counted"),
    "grades": _("grades"),
    "raised": _("raised"),
    "refreshed": _("refreshed"),
    "resolved": _("resolved"),
    "holding": _("open by reason"),
}


def _readable(key, value):
    """A value as a reader writes it: ids as #6, a period as from – to, counts as A 1 · B 2."""
    if isinstance(value, dict):
        reasons = dict(ChurnReason.choices)
        return " · ".join(f"{reasons.get(k, k)} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if key == "window" and len(value) == 2:
            return f"{value[0]} – {value[1]}"
        return ", ".join(f"#{v}" if key == "complaints" else str(v) for v in value)
    return value


@register.filter
def evidence_items(evidence) -> list[tuple[str, object]]:
    """A warning's evidence as (readable label, value) pairs; unknown keys as they are."""
    return [(EVIDENCE_LABELS.get(key, key), _readable(key, value))
            for key, value in (evidence or {}).items() if key not in EVIDENCE_NOT_LISTED]


@register.filter
def run_detail_items(details) -> list[tuple[str, object]]:
    """A job run's details as (readable label, value) pairs, without Python reprs."""
    return [(RUN_DETAIL_LABELS.get(key, key), _readable(key, value))
            for key, value in (details or {}).items()]


@register.filter
def warning_reasons(warning) -> list[str]:
    """Every reason of a warning, translated: the scan merges a store's reasons into one
    warning and lists them in its evidence."""
    codes = (warning.evidence or {}).get("reasons") or [warning.reason]
    labels = dict(ChurnReason.choices)
    return [str(labels.get(code, code)) for code in codes]


@register.filter
def warning_reason_texts(warning) -> list[str]:
    """Every human reason of a warning, translated: what drives the store's risk (the
    model's explanations), then the rules that hold (see customers.grading.reasons)."""
    return reason_sentences(warning_explanations(warning.reason, warning.evidence))


@register.filter
def risk_reason_texts(customer) -> list[str]:
    """What drives a store's churn risk, translated: its own explanations, then those of
    its open warning (`warning_reason` and `warning_evidence` when the list annotates
    them) that say something more."""
    items = list(getattr(customer, "churn_reasons", None) or [])
    reason = getattr(customer, "warning_reason", None)
    if reason:
        codes = {item.get("code") for item in items}
        evidence = getattr(customer, "warning_evidence", None)
        if isinstance(evidence, str):
            evidence = json.loads(evidence)
        items += [item for item in warning_explanations(reason, evidence)
                  if item.get("code") not in codes]
    return reason_sentences(items)


@register.filter
def calibration_rows(model_rows, baseline_rows) -> list[dict]:
    """The model's and the baseline's calibration tables side by side, by decile."""
    baseline = {row["decile"]: row for row in baseline_rows or []}
    return [{**row, "baseline_predicted": baseline.get(row["decile"], {}).get("predicted"),
             "baseline_observed": baseline.get(row["decile"], {}).get("observed")}
            for row in model_rows or []]
