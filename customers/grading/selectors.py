"""Every read of grading and churn, scoped like every other read: from
customers_visible_to."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from customers.access import Ability, can
from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnModel,
    ChurnReason,
    ChurnRuleSettings,
    ChurnWarning,
    GradeChange,
    GradeSnapshot,
    GradingSettings,
    JobRun,
    MonthlyPurchase,
    WarningStatus,
)
from customers.selectors import customers_visible_to


def grading_settings_get() -> GradingSettings:
    settings_row, _created = GradingSettings.objects.get_or_create(pk=1)
    return settings_row


def churn_settings_get() -> ChurnRuleSettings:
    settings_row, _created = ChurnRuleSettings.objects.get_or_create(pk=1)
    return settings_row


def settings_history(row, limit: int = 20):
    """The latest versions of a settings row, with who changed it."""
    return row.history.select_related("history_user")[:limit]


def grading_window_is_empty(*, window: list[date]) -> bool:
    return not MonthlyPurchase.objects.filter(
        month__gte=window[0], month__lte=window[-1], amount__gt=0
    ).exists()


def grade_snapshots_visible_to(user) -> QuerySet[GradeSnapshot]:
    return GradeSnapshot.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer")


def grade_changes_visible_to(user) -> QuerySet[GradeChange]:
    return GradeChange.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer")


def customer_grade_card(*, user, customer_id: int) -> dict | None:
    """What the store card shows: the latest snapshot (the "why"), 12 months of history
    and the thresholds in force. None when the user may not see the store."""
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        return None
    snapshots = list(GradeSnapshot.objects.filter(customer=customer).order_by("-month")[:12])
    latest = snapshots[0] if snapshots else None
    peak = max((s.monthly_average for s in snapshots), default=Decimal(0)) or Decimal(1)
    history = [{"snapshot": s, "percent": int(s.monthly_average * 100 / peak)}
               for s in reversed(snapshots)]
    return {
        "customer": customer, "latest": latest, "history": history,
        "settings": grading_settings_get(),
        "changes": list(GradeChange.objects.filter(customer=customer)[:5]),
        "churn_threshold": churn_settings_get().risk_threshold_percent,
        "churn_horizon": churn_settings_get().horizon_weeks,
    }


def job_runs_visible_to(user) -> QuerySet[JobRun]:
    if not can(user, Ability.RUN_JOBS):
        return JobRun.objects.none()
    return JobRun.objects.select_related("started_by")


def churn_warnings_visible_to(user) -> QuerySet[ChurnWarning]:
    """Warnings of the stores the user may see."""
    return ChurnWarning.objects.filter(customer__in=customers_visible_to(user)).select_related(
        "customer", "owner", "handled_by")


def churn_warning_get(*, user, warning_id: int) -> ChurnWarning:
    """One warning the user may see (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(churn_warnings_visible_to(user), pk=warning_id)


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


def churn_models_visible_to(user) -> QuerySet[ChurnModel]:
    """Every training of the churn model with its back-test figures: for admins only."""
    if not can(user, Ability.RUN_JOBS):
        return ChurnModel.objects.none()
    return ChurnModel.objects.defer("model").select_related("job_run")
