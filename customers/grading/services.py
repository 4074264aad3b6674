"""Writes of grading and churn that people make: settings, the manager's actions on a
warning, and starting a run (the runs themselves are in jobs.py)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers.access import Ability, can, is_manager, oversees_department, require
from customers.models import (
    ChurnRuleSettings,
    ChurnWarning,
    GradingSettings,
    JobKind,
    JobRun,
    JobStatus,
    WarningStatus,
)

from .rules import grading_window
from .selectors import (
    churn_settings_get,
    churn_warnings_visible_to,
    grading_settings_get,
    grading_window_is_empty,
)

GRADING_SETTINGS_FIELDS = ["window_months", "method", "a_share_percent", "b_share_percent",
                           "c_share_percent", "a_amount", "b_amount", "tier_count"]
CHURN_SETTINGS_FIELDS = ["no_order_cycles", "drop_percent", "grade_drop_days", "horizon_weeks",
                         "risk_threshold_percent"]


def validate_as_of(as_of: date) -> None:
    if as_of > timezone.localdate():
        raise BusinessError(_("The as-of date %(date)s is in the future.")
                            % {"date": as_of.isoformat()}, field="as_of")


def validate_window_has_purchases(window: list[date], message: str) -> None:
    if grading_window_is_empty(window=window):
        raise BusinessError(message % {"first": window[0].strftime("%Y-%m"),
                                       "last": window[-1].strftime("%Y-%m")}, field="as_of")


# --- Settings ---------------------------------------------------------------------------


def _settings_apply(row, *, user, data: dict, fields: list[str]) -> None:
    require(user, Ability.EDIT_SETTINGS,
            _("Only an administrator may change these settings."))
    for field, value in data.items():
        if field not in fields:
            raise BusinessError(_("Unknown setting."), field=field)
        setattr(row, field, value)
    try:
        row.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise BusinessError(messages[0], field=field) from error


def _settings_save(row, *, user, reason: str) -> None:
    row._history_user = user
    row._change_reason = reason
    row.save()


@transaction.atomic
def grading_settings_update(*, user, data: dict, reason: str = "") -> GradingSettings:
    """Change the grading settings (admins only); the history keeps every version."""
    row = GradingSettings.objects.select_for_update().get(pk=grading_settings_get().pk)
    _settings_apply(row, user=user, data=data, fields=GRADING_SETTINGS_FIELDS)
    shares = row.a_share_percent + row.b_share_percent + row.c_share_percent
    if shares != Decimal("100"):
        raise BusinessError(
            _("The A, B and C shares must add up to 100 %% (they add up to %(total)s %%).")
            % {"total": shares.normalize()}, field="c_share_percent",
        )
    if row.b_amount >= row.a_amount:
        raise BusinessError(_("The B standard amount must be below the A standard amount."),
                            field="b_amount")
    _settings_save(row, user=user, reason=reason)
    return row


@transaction.atomic
def churn_settings_update(*, user, data: dict, reason: str = "") -> ChurnRuleSettings:
    """Change the churn rules (admins only); the history keeps every version."""
    row = ChurnRuleSettings.objects.select_for_update().get(pk=churn_settings_get().pk)
    _settings_apply(row, user=user, data=data, fields=CHURN_SETTINGS_FIELDS)
    _settings_save(row, user=user, reason=reason)
    return row


# --- Starting a run from the UI or the API (admins) --------------------------------------


def job_run_start(*, user, kind: str, as_of: date | None) -> None:
    """Check the request and queue the job after commit; the worker records the run."""
    require(user, Ability.RUN_JOBS, _("Only an administrator may start a run."))
    if kind not in JobKind.values:
        raise BusinessError(_("Choose a job."), field="kind")
    as_of = as_of or timezone.localdate()
    validate_as_of(as_of)
    if kind == JobKind.GRADES:
        window = grading_window(as_of=as_of, months=grading_settings_get().window_months)
        validate_window_has_purchases(window, _("No purchases are recorded from %(first)s to "
                                                "%(last)s: there is nothing to grade."))
    from customers.tasks import recompute_grades_task, scan_churn_task, train_churn_model_task

    task = {JobKind.GRADES: recompute_grades_task, JobKind.CHURN: scan_churn_task,
            JobKind.TRAIN: train_churn_model_task}[kind]
    transaction.on_commit(lambda: task.delay(as_of=as_of.isoformat(), user_id=user.pk))


RESTARTABLE = (JobStatus.INTERRUPTED, JobStatus.FAILED)


def job_run_restart(*, user, run: JobRun) -> JobRun:
    """Queue an interrupted or failed run again; the worker reuses its record."""
    require(user, Ability.RUN_JOBS, _("Only an administrator may start a run."))
    if run.status not in RESTARTABLE:
        raise BusinessError(_("Only an interrupted or failed run can be restarted."),
                            field="status")
    from customers.tasks import recompute_grades_task, scan_churn_task

    task = recompute_grades_task if run.kind == JobKind.GRADES else scan_churn_task
    transaction.on_commit(lambda: task.delay(as_of=run.as_of.isoformat(), user_id=user.pk,
                                             run_id=run.pk))
    return run


# --- The manager's actions on a warning ---------------------------------------------------


def user_can_work_warning(user, warning: ChurnWarning) -> bool:
    """A manager works the warnings of their own stores; a supervisor those of their
    department; an admin every one."""
    if not can(user, Ability.WORK_CHURN_WARNINGS):
        return False
    if is_manager(user):
        return warning.customer.manager_id == user.pk
    return oversees_department(user, warning.customer.territory.department_id)


def _warning_for_action(*, user, warning_id: int) -> ChurnWarning:
    warning = get_object_or_404(
        churn_warnings_visible_to(user).select_related("customer__territory")
        .select_for_update(of=("self",)), pk=warning_id)
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


WARNING_ACTIONS = {"resolve": WarningStatus.RESOLVED, "dismiss": WarningStatus.DISMISSED}


def churn_warning_act(*, user, warning_id: int, action: str,
                      resolution: str = "") -> ChurnWarning:
    """One of the inbox's buttons: acknowledge, resolve or dismiss."""
    if action == "acknowledge":
        return churn_warning_acknowledge(user=user, warning_id=warning_id)
    return churn_warning_close(user=user, warning_id=warning_id,
                               status=WARNING_ACTIONS[action], resolution=resolution)
