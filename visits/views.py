"""Pages of the visits app: the day on a phone, the visit log, the plan and the figures."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError
from customers.models import Role

from . import selectors, services
from .actions import ACTION_GROUPS
from .models import VisitStatus


def _day_from(value) -> date:
    if isinstance(value, date):
        return value
    parsed = parse_date(value or "") if value else None
    if value and parsed is None:
        raise Http404
    return parsed or timezone.localdate()


def _manager_or_none(request):
    try:
        return selectors.manager_for(user=request.user, pk=request.GET.get("manager")
                                     or request.POST.get("manager"))
    except BusinessError:
        return None


def _day_url(manager, day, user) -> str:
    url = reverse("visits:day", args=[day.isoformat()])
    return url if manager.pk == user.pk else f"{url}?manager={manager.pk}"


@login_required
def day_view(request, day=None):
    day = _day_from(day)
    manager = _manager_or_none(request)
    managers = selectors.stats_managers(user=request.user, manager=None) \
        if request.user.role != Role.MANAGER else []
    context = {"day": day, "manager": manager, "managers": managers,
               "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
               "today": timezone.localdate()}
    if manager is not None:
        context["plan"] = selectors.plan_day(user=request.user, manager=manager, day=day)
        context["can_edit"] = services.user_can_plan_for(user=request.user, manager=manager)
        context["is_own"] = manager.pk == request.user.pk
        if context["is_own"]:
            context["own_stores"] = selectors.customers_visible_to(request.user).filter(
                manager=request.user, status="active").order_by("name")
    if request.htmx and request.GET.get("partial") == "stops":
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
        plan = selectors.plan_day(user=request.user, manager=stop.manager, day=stop.date)
        return render(request, "visits/_stops.html", {
            "plan": plan, "manager": stop.manager, "day": stop.date,
            "can_edit": True, "is_own": stop.manager_id == request.user.pk,
            "today": timezone.localdate()})
    return redirect(_day_url(stop.manager, stop.date, request.user))


@login_required
@require_POST
def stop_add_view(request, day):
    day = _day_from(day)
    manager = _manager_or_none(request)
    if manager is None:
        raise Http404
    try:
        customer = selectors.plan_customer_get(user=request.user, manager=manager,
                                               pk=request.POST.get("customer") or 0)
        services.plan_stop_add(manager=manager, user=request.user, day=day,
                               customer=customer)
    except (BusinessError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
    else:
        messages.success(request, _("Stop added; the day's times were recomputed."))
    return redirect(_day_url(manager, day, request.user))


@login_required
def plan_view(request):
    manager = _manager_or_none(request)
    outcome = None
    first_day = _day_from(request.POST.get("first_day") or request.GET.get("first_day"))
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
    context = {"manager": manager, "first_day": first_day, "outcome": outcome,
               "managers": selectors.stats_managers(user=request.user, manager=None)
               if request.user.role != Role.MANAGER else []}
    if manager is not None:
        context["weeks"] = selectors.plan_weeks(user=request.user, manager=manager,
                                                first_day=first_day)
        context["can_edit"] = services.user_can_plan_for(user=request.user, manager=manager)
    return render(request, "visits/plan.html", context)


@login_required
@require_POST
def visit_start_view(request):
    try:
        customer = selectors.visit_customer_get(user=request.user,
                                                pk=request.POST.get("customer") or 0)
        planned = None
        if request.POST.get("planned_visit"):
            planned = selectors.planned_visit_get(user=request.user,
                                                  pk=request.POST["planned_visit"])
        visit = services.visit_start(user=request.user, customer=customer,
                                     planned_visit=planned,
                                     latitude=request.POST.get("latitude") or None,
                                     longitude=request.POST.get("longitude") or None)
    except (BusinessError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
        return redirect("visits:today")
    return redirect("visits:visit", pk=visit.pk)


@login_required
def unplanned_view(request):
    stores = selectors.customers_visible_to(request.user).filter(
        manager=request.user, status="active").order_by("name") \
        if request.user.role == Role.MANAGER else []
    query = request.GET.get("q", "").strip()
    if query and stores:
        stores = stores.filter(name__icontains=query) | stores.filter(
            name_initials__icontains=query.lower()) | stores.filter(code__icontains=query)
    return render(request, "visits/unplanned.html", {"stores": stores[:50], "q": query})


def _form_values(post) -> dict:
    """The visit log as typed: every field, lists for the checklist."""
    # Empty fields are left out, so a draft holds only what was typed.
    values = {key: post.get(key) for key in post
              if key != "csrfmiddlewaretoken" and post.get(key)}
    values["actions"] = post.getlist("actions")
    return values


def _lines_from(values: dict, products) -> tuple[list[dict], list[int]]:
    lines, order = [], []
    for product in products:
        price = (values.get(f"price_{product.pk}") or "").strip()
        stock = (values.get(f"stock_{product.pk}") or "").strip()
        if price or stock:
            lines.append({"product": str(product.pk), "retail_price": price,
                          "stock_cartons": stock})
            order.append(product.pk)
    return lines, order


@login_required
def visit_view(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    products = selectors.customer_usual_products(customer=visit.customer)
    values = dict(visit.draft or {})
    line_errors: dict[int, dict] = {}
    error_message = None
    if request.method == "POST":
        values = _form_values(request.POST)
        lines, order = _lines_from(values, products)
        try:
            services.visit_finish(visit=visit, user=request.user,
                                  actions=values["actions"], lines=lines,
                                  notes=values.get("notes", ""),
                                  next_actions=values.get("next_actions", ""),
                                  latitude=values.get("latitude") or None,
                                  longitude=values.get("longitude") or None)
        except BusinessError as error:
            error_message = error.message
            for item in error.errors:
                line_errors[order[item["line"]]] = item
            services_draft_safe(visit, request.user, values)
        else:
            messages.success(request, _("Visit to %(store)s logged.")
                             % {"store": visit.customer.name})
            return redirect(_day_url(request.user, visit.date, request.user))
    rows = [{
        "product": product,
        "price": values.get(f"price_{product.pk}", ""),
        "stock": values.get(f"stock_{product.pk}", ""),
        "errors": line_errors.get(product.pk, {}),
    } for product in products]
    checked = set(values.get("actions") or visit.actions)
    groups = [{"code": code, "label": label,
               "items": [{"code": c, "label": t, "checked": c in checked} for c, t in items]}
              for code, label, items in ACTION_GROUPS]
    first = [r for r in rows if r["product"].is_usual or r["price"] or r["stock"]
             or r["errors"]]
    # A store with no collection yet: the whole catalog is the list to fill.
    rest = [r for r in rows if r not in first] if first else []
    return render(request, "visits/visit.html", {
        "visit": visit, "customer": visit.customer, "groups": groups,
        "usual_rows": first or rows, "other_rows": rest,
        "values": values, "error_message": error_message,
        "stock": selectors.reasonable_stock_suggestion(customer=visit.customer),
        "editable": visit.status == VisitStatus.IN_PROGRESS
        and visit.manager_id == request.user.pk,
        "tolerance": int(services._price_tolerance() * 100),
    }, status=400 if error_message else 200)


def services_draft_safe(visit, user, values) -> None:
    try:
        services.visit_save_draft(visit=visit, user=user, draft=values)
    except BusinessError:
        pass


@login_required
@require_POST
def visit_draft_view(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    try:
        services.visit_save_draft(visit=visit, user=request.user,
                                  draft=_form_values(request.POST))
    except BusinessError as error:
        return HttpResponse(error.message, status=400)
    now = timezone.localtime().strftime("%H:%M:%S")
    return HttpResponse(_("Draft saved at %(time)s") % {"time": now})


@login_required
def stats_view(request):
    first_default, last_default = selectors.default_stats_range()
    first_day = parse_date(request.GET.get("first_day") or "") or first_default
    last_day = parse_date(request.GET.get("last_day") or "") or last_default
    manager = None
    if request.GET.get("manager"):
        manager = selectors.manager_get(user=request.user, pk=request.GET["manager"])
    elif request.user.role == Role.MANAGER:
        manager = request.user
    managers = selectors.stats_managers(user=request.user, manager=manager)
    stats = selectors.plan_vs_actual(user=request.user, managers=managers,
                                     first_day=first_day, last_day=last_day)
    return render(request, "visits/stats.html", {
        "stats": stats, "manager": manager, "first_day": first_day, "last_day": last_day,
        "all_managers": selectors.stats_managers(user=request.user, manager=None)
        if request.user.role != Role.MANAGER else [],
    })
