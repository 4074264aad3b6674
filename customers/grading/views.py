"""Pages of grading and churn warnings: the manager's warning inbox, job runs and settings
(admins). Each view checks the role, hands the request to one form, service or selector,
and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError
from customers.access import Ability, require

from . import selectors, services
from .forms import JobStartForm, WarningActionForm, WarningInboxForm, settings_forms


@login_required
def warning_inbox_view(request):
    require(request.user, Ability.WORK_CHURN_WARNINGS)
    filters = WarningInboxForm(request.GET).filters()
    warnings = selectors.churn_warning_inbox(user=request.user, **filters)
    page_obj = Paginator(warnings, 25).get_page(request.GET.get("page"))
    return render(request, "customers/grading/inbox.html",
                  {"page_obj": page_obj, **filters, **WarningInboxForm.choices()})


@login_required
@require_POST
def warning_action_view(request, pk, action):
    """Acknowledge, resolve or dismiss; htmx gets the row back, a plain form a redirect."""
    require(request.user, Ability.WORK_CHURN_WARNINGS)
    form = WarningActionForm(request.POST)
    warning, error = form.act(user=request.user, warning_id=pk, action=action)
    if request.htmx:
        return render(request, "customers/grading/_warning_row.html",
                      {"w": warning, "error": error, "resolution": form.data.get("resolution")})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Warning updated."))
    return redirect(form.data.get("next") or "grading:inbox")


@login_required
@require_POST
def job_run_restart_view(request, pk):
    require(request.user, Ability.RUN_JOBS)
    run = get_object_or_404(selectors.job_runs_visible_to(request.user), pk=pk)
    try:
        services.job_run_restart(user=request.user, run=run)
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The run has been queued again."))
    return redirect("grading:runs")


@login_required
def settings_view(request):
    require(request.user, Ability.EDIT_SETTINGS)
    forms, submitted = settings_forms(request.POST if request.method == "POST" else None)
    if submitted and forms[submitted].submit(user=request.user):
        messages.success(request, _("Settings saved."))
        return redirect("grading:settings")
    return render(request, "customers/grading/settings.html", {
        "grading_form": forms["grading"], "churn_form": forms["churn"],
        "grading_history": selectors.settings_history(selectors.grading_settings_get()),
        "churn_history": selectors.settings_history(selectors.churn_settings_get()),
    })


@login_required
def job_runs_view(request):
    require(request.user, Ability.RUN_JOBS)
    if request.method == "POST":
        form = JobStartForm(request.POST)
        if form.submit(user=request.user):
            messages.success(request, _("The run has been queued; it appears below when "
                                        "it starts."))
            return redirect("grading:runs")
    else:
        form = JobStartForm(initial={"as_of": timezone.localdate()})
    runs = Paginator(selectors.job_runs_visible_to(request.user), 25).get_page(
        request.GET.get("page"))
    return render(request, "customers/grading/runs.html", {"form": form, "page_obj": runs})


@login_required
def churn_model_view(request):
    """The churn models trained, the one in service, and each back-test against the
    baseline "days since last order"."""
    require(request.user, Ability.RUN_JOBS)
    models = list(selectors.churn_models_visible_to(request.user)[:12])
    return render(request, "customers/grading/model.html", {
        "models": models, "latest": models[0] if models else None,
        "in_service": next((m for m in models if m.status == "in_service"), None),
    })
