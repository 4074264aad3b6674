"""Scorecard rules (考核指标): the fixed set of formulas that turn an indicator's value into
points, the default rule sets of managers and clerks, and the admin's edit of a role's
rules (weights adding up to 100, all rows or none, every edit kept in the history).

How points are given, for an indicator of weight W:
- ratio: W x value / target, at most W; no target (or 0): no points;
- at_least / at_most: W when the value is at or above (at or below) the target, else 0;
- band: 0 at band low, W at band high, linear between; band_inverse: the other way round;
- a value of None means there was nothing to measure (no complaint to answer, no visit
  planned): full points, since nothing was done wrong.
Points are rounded to 0.01 and the total is the sum of the rounded points.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_project.errors import BusinessError
from customers import access
from customers.access import Ability

from ..models import EvaluatedRole, ScorecardRule, ScoreFormula, TargetIndicator
from .targets import parse_value

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# Every indicator the close can measure, by role, with its label and the kind of its value.
INDICATORS = {
    EvaluatedRole.MANAGER: {
        "purchases_vs_target": gettext_lazy("Purchases against target (yuan)"),
        "average_price_change": gettext_lazy("Average price per carton, change on last year "
                                             "(%)"),
        "grade_net_upgrades": gettext_lazy("Grade upgrades minus downgrades"),
        "churn_handled": gettext_lazy("Churn warnings handled (%)"),
        "stores_lost": gettext_lazy("Stores lost (closed)"),
        "visit_completion": gettext_lazy("Visit completion (%)"),
        "customer_time_ratio": gettext_lazy("Customer-time ratio (%)"),
        "complaint_reply_on_time": gettext_lazy("Complaints answered on time (%)"),
        "callback_satisfaction": gettext_lazy("Satisfied at call-back (%)"),
        "records_reviewed": gettext_lazy("Store records reviewed in 90 days (%)"),
        "service_callback_attitude": gettext_lazy("Attitude at service call-backs (1-5)"),
    },
    EvaluatedRole.CLERK: {
        "calls_completed": gettext_lazy("Calls completed"),
        "ordered_share": gettext_lazy("Called stores that ordered (%)"),
        "average_call_seconds": gettext_lazy("Average call length (seconds)"),
        "unmet_demand_recorded": gettext_lazy("Unmet demand lines recorded"),
        "complaints_from_calls": gettext_lazy("Complaints about orders taken"),
        "service_callback_attitude": gettext_lazy("Attitude at service call-backs (1-5)"),
    },
}
# Indicators whose target may come from the person's monthly target (reports.Target).
PERSON_TARGETS = {"purchases_vs_target": TargetIndicator.PURCHASE_AMOUNT,
                  "visit_completion": TargetIndicator.VISIT_COMPLETION}

F = ScoreFormula
# (code, weight, formula, target, band low, band high)
DEFAULT_RULES = {
    EvaluatedRole.MANAGER: [
        ("purchases_vs_target", 30, F.RATIO, None, None, None),
        ("average_price_change", 10, F.BAND, None, -5, 5),
        ("grade_net_upgrades", 10, F.BAND, None, -3, 3),
        ("churn_handled", 10, F.RATIO, 100, None, None),
        ("stores_lost", 5, F.BAND_INVERSE, None, 0, 3),
        ("visit_completion", 15, F.RATIO, 100, None, None),
        ("customer_time_ratio", 5, F.RATIO, 60, None, None),
        ("complaint_reply_on_time", 5, F.RATIO, 100, None, None),
        ("callback_satisfaction", 5, F.RATIO, 100, None, None),
        ("records_reviewed", 5, F.RATIO, 100, None, None),
    ],
    EvaluatedRole.CLERK: [
        ("calls_completed", 30, F.RATIO, 3000, None, None),
        ("ordered_share", 25, F.RATIO, 90, None, None),
        ("average_call_seconds", 15, F.BAND_INVERSE, None, 180, 420),
        ("unmet_demand_recorded", 15, F.RATIO, 20, None, None),
        ("complaints_from_calls", 15, F.BAND_INVERSE, None, 0, 3),
    ],
}


def indicator_label(role: str, code: str) -> str:
    return str(INDICATORS.get(role, {}).get(code, code))


@dataclass(frozen=True)
class Rule:
    code: str
    position: int
    weight: Decimal
    formula: str
    target: Decimal | None
    band_low: Decimal | None
    band_high: Decimal | None


def rules_for(role: str) -> list[Rule]:
    """A role's rules as stored (the defaults when an admin removed them all)."""
    stored = list(ScorecardRule.objects.filter(role=role).order_by("position", "code"))
    if stored:
        return [Rule(r.code, r.position, r.weight, r.formula, r.target, r.band_low,
                     r.band_high) for r in stored]
    return [Rule(code, position, Decimal(weight), formula, _dec(target), _dec(low), _dec(high))
            for position, (code, weight, formula, target, low, high)
            in enumerate(DEFAULT_RULES[role])]


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def points(*, weight: Decimal, formula: str, value: Decimal | None, target: Decimal | None,
           band_low: Decimal | None, band_high: Decimal | None) -> Decimal:
    """The points of one indicator (see the module's docstring)."""
    if value is None:
        return weight.quantize(CENT, ROUND_HALF_UP)
    if formula == F.RATIO:
        share = min(value / target, Decimal(1)) if target and target > 0 else Decimal(0)
        share = max(share, Decimal(0))
    elif formula == F.AT_LEAST:
        share = Decimal(target is not None and value >= target)
    elif formula == F.AT_MOST:
        share = Decimal(target is not None and value <= target)
    else:
        span = band_high - band_low
        share = min(max((value - band_low) / span, Decimal(0)), Decimal(1))
        if formula == F.BAND_INVERSE:
            share = 1 - share
    return (weight * share).quantize(CENT, ROUND_HALF_UP)


def seed_default_rules(rule_model=ScorecardRule) -> None:
    """Write the default rule sets where a role has none (the data migration calls it)."""
    for role, rows in DEFAULT_RULES.items():
        if rule_model.objects.filter(role=role).exists():
            continue
        for position, (code, weight, formula, target, low, high) in enumerate(rows):
            rule_model.objects.create(role=role, code=code, position=position, weight=weight,
                                      formula=formula, target=_dec(target),
                                      band_low=_dec(low), band_high=_dec(high))


@transaction.atomic
def rules_save(*, user, role: str, rows: list[dict]) -> list[ScorecardRule]:
    """Replace a role's rules with `rows` (code, weight, formula, target, band_low,
    band_high as text or numbers; an indicator left out is dropped). All or none."""
    access.require(user, Ability.EDIT_SCORECARD_RULES)
    if role not in EvaluatedRole.values:
        raise BusinessError(_("Unknown role “%(value)s”.") % {"value": role}, field="role")
    known = INDICATORS[role]
    errors, clean, seen = [], [], set()
    for position, row in enumerate(rows):
        code = str(row.get("code", ""))
        label = str(known.get(code, code))
        try:
            if code not in known:
                raise BusinessError(_("Unknown indicator “%(value)s”.") % {"value": code})
            if code in seen:
                raise BusinessError(_("%(label)s: given twice.") % {"label": label})
            seen.add(code)
            weight = parse_value(row.get("weight"), label=label)
            if weight is None or weight > HUNDRED:
                raise BusinessError(_("%(label)s: the weight must be between 0 and 100.")
                                    % {"label": label})
            formula = str(row.get("formula", ""))
            if formula not in ScoreFormula.values:
                raise BusinessError(_("%(label)s: unknown formula “%(value)s”.")
                                    % {"label": label, "value": formula})
            target = _number(row.get("target"), label=label)
            low = _number(row.get("band_low"), label=label)
            high = _number(row.get("band_high"), label=label)
            if formula in (F.BAND, F.BAND_INVERSE):
                if low is None or high is None or low >= high:
                    raise BusinessError(_("%(label)s: a band needs a low below its high.")
                                        % {"label": label})
            elif target is None and code not in PERSON_TARGETS:
                raise BusinessError(_("%(label)s: this formula needs a target.")
                                    % {"label": label})
            elif target is not None and target < 0:
                raise BusinessError(_("%(label)s: a target cannot be negative.")
                                    % {"label": label})
            clean.append(dict(code=code, position=position, weight=weight, formula=formula,
                              target=target, band_low=low, band_high=high))
        except BusinessError as error:
            errors.append(str(error.message))
    total = sum((row["weight"] for row in clean), Decimal(0))
    if not errors and total != HUNDRED:
        errors.append(_("The weights add up to %(total)s, not 100.") % {"total": total})
    if errors:
        raise BusinessError(_("Nothing was saved: %(count)d problem(s). %(first)s")
                            % {"count": len(errors), "first": errors[0]}, errors=errors)
    existing = {rule.code: rule for rule in ScorecardRule.objects.filter(role=role)}
    for code, rule in existing.items():
        if code not in seen:
            rule._history_user = user
            rule.delete()
    saved = []
    for row in clean:
        rule = existing.get(row["code"]) or ScorecardRule(role=role, code=row["code"])
        changed = rule.pk is None or any(getattr(rule, k) != v for k, v in row.items())
        for key, value in row.items():
            setattr(rule, key, value)
        if changed:
            rule._history_user = user
            rule.full_clean()
            rule.save()
        saved.append(rule)
    return saved


def _number(raw, *, label: str) -> Decimal | None:
    """A target or band bound: any number (bands may start below zero)."""
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    negative = text.startswith("-")
    value = parse_value(text.lstrip("-"), label=label)
    return -value if negative else value
