"""Pages of the visits app: the day on a phone, the visit log, the plan and the figures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError
from customers.access import Ability, require

from . import forms, selectors, services


def _day_url(manager, day, user) -> str:
    url = reverse("visits:day", args=[day.isoformat()])
    return url if manager.pk == user.pk else f"{url}?manager={manager.pk}"


def _message(error) -> str:
    """A service's refusal (BusinessError) or a model's (ValidationError) as one line."""
    return getattr(error, "message", None) or "; ".join(error.messages)


def service_worker_view(request):
    """The visits service worker, served under /visits/ so it may look after those pages."""
    script = finders.find("js/visits-sw.js")
    response = FileResponse(open(script, "rb"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/visits/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def day_view(request, day=None):
    query = forms.ManagerQuery.of(request).values()
    context = selectors.day_page(
        user=request.user, day=forms.day_or_404(day),
        manager=selectors.manager_or_none(user=request.user, pk=query["manager"]))
    if request.htmx and query["partial"] == "stops":
        return render(request, "visits/_stops.html", context)
    return render(request, "visits/day.html", context)


@login_required
@require_POST
def stop_move_view(request, pk, direction):
    stop = selectors.planned_visit_get(user=request.user, pk=pk)
    try:
        services.plan_stop_move(stop=stop, user=request.user,
                                offset=-1 if direction == "up" else 1)
    except BusinessError as error:
        messages.error(request, error.message)
    if request.htmx:
        return render(request, "visits/_stops.html", selectors.day_page(
            user=request.user, manager=stop.manager, day=stop.date))
    return redirect(_day_url(stop.manager, stop.date, request.user))


@login_required
@require_POST
def stop_add_view(request, day):
    day = forms.day_or_404(day)
    stop = forms.StopAddForm.of(request).values()
    manager = selectors.manager_or_none(user=request.user, pk=stop["manager"])
    if manager is None:
        raise Http404
    try:
        services.plan_stop_add_by_id(manager=manager, user=request.user, day=day,
                                     customer_id=stop["customer"])
    except (BusinessError, ValidationError) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Stop added; the day's times were recomputed."))
    return redirect(_day_url(manager, day, request.user))


@login_required
def plan_view(request):
    form = forms.PlanForm.of(request)
    manager = selectors.manager_or_none(user=request.user, pk=form.values()["manager"])
    first_day = form.first_day_or_404()
    outcome = None
    if request.method == "POST" and manager is not None:
        try:
            outcome = services.plan_generate(manager=manager, user=request.user,
                                             first_day=first_day)
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Plan generated: %(created)s new stops, %(kept)s kept, "
                                        "%(missed)s missed stops carried forward.")
                             % {"created": outcome.stops_created, "kept": outcome.stops_kept,
                                "missed": outcome.missed})
    return render(request, "visits/plan.html", {
        **selectors.plan_page(user=request.user, manager=manager, first_day=first_day),
        "outcome": outcome})


@login_required
@require_POST
def visit_start_view(request):
    start = forms.VisitStartForm(request.POST).values()
    try:
        visit = services.visit_arrive(user=request.user, customer_id=start["customer"],
                                      planned_visit_id=start["planned_visit"],
                                      latitude=start["latitude"], longitude=start["longitude"])
    except (BusinessError, ValidationError) as error:
        messages.error(request, _message(error))
        return redirect("visits:today")
    return redirect("visits:visit", pk=visit.pk)


@login_required
def unplanned_view(request):
    return render(request, "visits/unplanned.html", selectors.unplanned_page(
        user=request.user, query=forms.UnplannedQuery(request.GET).values()["q"]))


@login_required
def visit_view(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "visits/visit.html",
                      selectors.visit_log_page(user=request.user, visit=visit))
    values = forms.VisitLogForm(request.POST).values()
    try:
        services.visit_log_submit(visit=visit, user=request.user, values=values)
    except BusinessError as error:
        return render(request, "visits/visit.html", selectors.visit_log_page(
            user=request.user, visit=visit, values=values, error=error), status=400)
    messages.success(request, _("Visit to %(store)s logged.") % {"store": visit.customer.name})
    return redirect(_day_url(request.user, visit.date, request.user))


@login_required
@require_POST
def visit_draft_view(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    try:
        services.visit_save_draft(visit=visit, user=request.user,
                                  draft=forms.VisitLogForm(request.POST).values())
    except BusinessError as error:
        return HttpResponse(error.message, status=400)
    now = timezone.localtime().strftime("%H:%M:%S")
    return HttpResponse(_("Draft saved at %(time)s") % {"time": now})


@login_required
@require_POST
def visit_photo_add_view(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    try:
        services.visit_photo_add(visit=visit, user=request.user,
                                 upload=request.FILES.get("photo"))
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Photo added."))
    return redirect("visits:visit", pk=visit.pk)


@login_required
def visit_photo_view(request, pk, photo_pk):
    photo = selectors.visit_photo_get(user=request.user, visit_pk=pk, pk=photo_pk)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def stats_view(request):
    query = forms.StatsQuery(request.GET).values()
    return render(request, "visits/stats.html", selectors.stats_page(
        user=request.user, first_day=query["first_day"], last_day=query["last_day"],
        manager_pk=query["manager"]))


@login_required
def samples_view(request):
    require(request.user, Ability.SEE_VISIT_STATS)
    return render(request, "visits/samples.html", selectors.sample_report(user=request.user))


@login_required
def key_accounts_view(request):
    """A supervisor's key accounts not yet visited this quarter."""
    return render(request, "visits/key_accounts.html",
                  selectors.supervisor_visits_page(user=request.user))


@login_required
@require_POST
def supervisor_visit_view(request, customer_pk):
    form = forms.SupervisorVisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[name].label or name}: {' '.join(errors)}"
                                          for name, errors in form.errors.items()))
        return redirect("visits:key-accounts")
    try:
        services.supervisor_visit_record(user=request.user, customer_id=customer_pk,
                                         on=form.cleaned_data["date"],
                                         notes=form.cleaned_data["notes"])
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The visit is recorded."))
    return redirect("visits:key-accounts")
