"""Pages of grading and churn warnings: the manager's warning inbox, job runs and settings
(admins). Views parse input, call one service or read, and render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError, form_add_error

from . import churn, grading
from .models import (
    ChurnReason,
    ChurnRuleSettings,
    GradingSettings,
    JobKind,
    Role,
    WarningStatus,
)

INBOX_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.ADMIN)


def _require_inbox(user) -> None:
    if not (user.is_admin_role or user.role in INBOX_ROLES):
        raise PermissionDenied


@login_required
def warning_inbox_view(request):
    _require_inbox(request.user)
    status = request.GET.get("status", "open")
    reason = request.GET.get("reason", "")
    warnings = churn.churn_warning_inbox(user=request.user, status=status, reason=reason)
    page_obj = Paginator(warnings, 25).get_page(request.GET.get("page"))
    return render(request, "customers/grading/inbox.html", {
        "page_obj": page_obj, "status": status, "reason": reason,
        "statuses": [("open", _("Open or acknowledged")), *WarningStatus.choices],
        "reasons": ChurnReason.choices,
    })


@login_required
@require_POST
def warning_action_view(request, pk, action):
    """Acknowledge, resolve or dismiss; htmx gets the row back, a plain form a redirect."""
    _require_inbox(request.user)
    resolution = request.POST.get("resolution", "")
    error = None
    try:
        if action == "acknowledge":
            warning = churn.churn_warning_acknowledge(user=request.user, warning_id=pk)
        else:
            status = WarningStatus.RESOLVED if action == "resolve" else WarningStatus.DISMISSED
            warning = churn.churn_warning_close(user=request.user, warning_id=pk,
                                                status=status, resolution=resolution)
    except BusinessError as refused:
        error = refused.message
        warning = churn.churn_warnings_visible_to(request.user).get(pk=pk)
    if request.htmx:
        return render(request, "customers/grading/_warning_row.html",
                      {"w": warning, "error": error, "resolution": resolution})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Warning updated."))
    return redirect(request.POST.get("next") or "grading:inbox")


class GradingSettingsForm(forms.ModelForm):
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), required=False,
                             max_length=100)

    class Meta:
        model = GradingSettings
        fields = grading.GRADING_SETTINGS_FIELDS


class ChurnSettingsForm(forms.ModelForm):
    class Meta:
        model = ChurnRuleSettings
        fields = grading.CHURN_SETTINGS_FIELDS


def _require_admin(user) -> None:
    if not user.is_admin_role:
        raise PermissionDenied


@login_required
def settings_view(request):
    _require_admin(request.user)
    grading_row = grading.grading_settings_get()
    churn_row = grading.churn_settings_get()
    grading_form = GradingSettingsForm(instance=grading_row, prefix="grading")
    churn_form = ChurnSettingsForm(instance=churn_row, prefix="churn")
    if request.method == "POST":
        which = request.POST.get("which")
        form_class, prefix, row, service = (
            (GradingSettingsForm, "grading", grading_row, grading.grading_settings_update)
            if which == "grading" else
            (ChurnSettingsForm, "churn", churn_row, grading.churn_settings_update))
        form = form_class(request.POST, instance=row, prefix=prefix)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
            try:
                service(user=request.user, data=data,
                        reason=form.cleaned_data.get("reason", ""))
            except BusinessError as refused:
                form_add_error(form, refused)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("grading:settings")
        if which == "grading":
            grading_form = form
        else:
            churn_form = form
    return render(request, "customers/grading/settings.html", {
        "grading_form": grading_form, "churn_form": churn_form,
        "grading_history": grading_row.history.select_related("history_user")[:20],
        "churn_history": churn_row.history.select_related("history_user")[:20],
    })


class JobStartForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Job"), choices=JobKind.choices)
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def job_runs_view(request):
    _require_admin(request.user)
    form = JobStartForm(initial={"as_of": timezone.localdate()})
    if request.method == "POST":
        form = JobStartForm(request.POST)
        if form.is_valid():
            try:
                grading.job_run_start(user=request.user, kind=form.cleaned_data["kind"],
                                      as_of=form.cleaned_data["as_of"])
            except BusinessError as refused:
                form_add_error(form, refused)
            else:
                messages.success(request, _("The run has been queued; it appears below when "
                                            "it starts."))
                return redirect("grading:runs")
    runs = Paginator(grading.job_runs_visible_to(request.user), 25).get_page(
        request.GET.get("page"))
    return render(request, "customers/grading/runs.html", {"form": form, "page_obj": runs})
