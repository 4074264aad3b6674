"""Pages of the order clerk: call list, console (htmx), orders, supply, figures, imports."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError
from crm_project.tables import read_table
from customers.selectors import customer_get

from . import imports, selectors, services
from .filters import OrderFilter
from .models import CallOutcome, Order, Product

CALL_STARTED_KEY = "phone_orders:call_started:%s"


def _day(request):
    return parse_date(request.GET.get("day") or "") or timezone.localdate()


@login_required
def call_list_view(request):
    day = _day(request)
    stores = list(selectors.call_list(user=request.user, day=day))
    for store in stores:
        store.call_status = selectors.call_status(store)
    wanted = request.GET.get("status") or ""
    shown = [s for s in stores if not wanted or s.call_status == wanted]
    return render(request, "phone_orders/call_list.html", {
        "day": day, "stores": shown, "progress": selectors.call_progress(stores),
        "status_choices": [("not_called", _("Not called")), *CallOutcome.choices],
        "wanted": wanted, "can_call": services.user_can_take_orders(request.user),
    })


# --- The console ----------------------------------------------------------------------

def _console_context(request, customer, error: str | None = None) -> dict:
    order = selectors.live_order(customer=customer)
    recent = selectors.customer_orders(user=request.user, customer=customer, limit=4)
    previous = [o for o in recent if o.status == "confirmed" and o != order][:3]
    suggested = selectors.suggested_quantities(customer=customer)
    return {
        "customer": customer,
        "order": order,
        "read_back": selectors.read_back(order=order) if order else None,
        "changes": selectors.order_changes_after_confirmation(order=order),
        "previous_orders": previous,
        "suggested_lines": selectors.suggested_lines(customer=customer, suggested=suggested),
        "not_yet_ordered": selectors.with_suggestions(
            selectors.not_yet_ordered(customer=customer, order=order), suggested),
        "flags": selectors.open_flags(customer=customer),
        "next_order_date": selectors.next_order_date(customer=customer),
        "cycle_start": services.current_cycle(),
        "error": error,
        "outcomes": [(CallOutcome.NO_NEED, _("No need")),
                     (CallOutcome.NO_ANSWER, _("No answer"))],
        "clerk_number": request.user.employee_no or request.user.username,
    }


@login_required
def console_view(request, customer_pk):
    customer = customer_get(user=request.user, pk=customer_pk)
    if not services.user_can_take_orders(request.user):
        raise PermissionDenied(_("Only order clerks, customer managers and administrators "
                                 "take orders."))
    request.session.setdefault(CALL_STARTED_KEY % customer.pk, timezone.now().isoformat())
    return render(request, "phone_orders/console.html", _console_context(request, customer))


def _order_panel(request, customer, error=None):
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("phone_orders:console", customer.pk)
    return render(request, "phone_orders/_order_panel.html",
                  _console_context(request, customer, error))


def _console_action(request, customer_pk, action):
    """Run one service for the console and answer with the refreshed order panel."""
    customer = customer_get(user=request.user, pk=customer_pk)
    try:
        with transaction.atomic():  # a refused line leaves no empty draft behind
            action(customer)
    except BusinessError as error:
        return _order_panel(request, customer, str(error.message))
    except PermissionDenied as error:
        return _order_panel(request, customer, str(error) or _("Not allowed."))
    return _order_panel(request, customer)


@login_required
@require_POST
def console_line_view(request, customer_pk):
    def action(customer):
        product = services.product_by_code(request.POST.get("sku", ""))
        order = services.order_open(user=request.user, customer=customer)
        if request.POST.get("remove"):
            services.order_remove_line(user=request.user, order=order, product=product)
        else:
            services.order_set_line(user=request.user, order=order, product=product,
                                    cartons=request.POST.get("cartons"))
    return _console_action(request, customer_pk, action)


@login_required
@require_POST
def console_repeat_view(request, customer_pk):
    def action(customer):
        previous = get_object_or_404(Order, pk=request.POST.get("order"), customer=customer)
        order = services.order_open(user=request.user, customer=customer)
        services.order_repeat(user=request.user, order=order, previous=previous)
    return _console_action(request, customer_pk, action)


@login_required
@require_POST
def console_confirm_view(request, customer_pk):
    def action(customer):
        order = selectors.live_order(customer=customer)
        if order is None:
            raise BusinessError(_("Add at least one SKU before confirming."))
        services.order_confirm(user=request.user, order=order)
    return _console_action(request, customer_pk, action)


@login_required
@require_POST
def console_cancel_view(request, customer_pk):
    def action(customer):
        order = selectors.live_order(customer=customer)
        if order is None:
            raise BusinessError(_("There is no order to cancel."))
        services.order_cancel(user=request.user, order=order,
                              reason=request.POST.get("reason", ""))
    return _console_action(request, customer_pk, action)


@login_required
@require_POST
def console_outcome_view(request, customer_pk):
    """Close the call with its outcome and go back to the call list (the next store)."""
    customer = customer_get(user=request.user, pk=customer_pk)
    started = parse_datetime(request.session.get(CALL_STARTED_KEY % customer.pk, "") or "")
    callback_at = _parse_local(request.POST.get("callback_at", ""))
    try:
        services.call_record(user=request.user, customer=customer,
                             outcome=request.POST.get("outcome", ""), started_at=started,
                             callback_at=callback_at, note=request.POST.get("note", ""))
    except BusinessError as error:
        return _order_panel(request, customer, str(error.message))
    request.session.pop(CALL_STARTED_KEY % customer.pk, None)
    messages.success(request, _("Call with %(store)s recorded.") % {"store": customer.name})
    url = reverse("phone_orders:calls")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
def console_search_view(request, customer_pk):
    customer = customer_get(user=request.user, pk=customer_pk)
    query = request.GET.get("q") or request.GET.get("sku") or ""
    offers = selectors.with_suggestions(
        selectors.sku_search(customer=customer, query=query),
        selectors.suggested_quantities(customer=customer))
    return render(request, "phone_orders/_sku_results.html",
                  {"customer": customer, "offers": offers, "query": query})


@login_required
def console_substitutes_view(request, customer_pk, product_pk):
    customer = customer_get(user=request.user, pk=customer_pk)
    product = get_object_or_404(Product, pk=product_pk)
    return render(request, "phone_orders/_substitutes.html", {
        "customer": customer, "product": product,
        "offers": selectors.substitutes(customer=customer, product=product),
    })


# --- Orders ---------------------------------------------------------------------------

@login_required
def order_list_view(request):
    orders = selectors.orders_visible_to(request.user).select_related("customer", "taken_by")
    order_filter = OrderFilter(request.GET or None, queryset=orders, request=request)
    page_obj = Paginator(order_filter.qs.order_by("-order_date", "-id"),
                         settings.CRM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "phone_orders/order_list.html",
                  {"filter": order_filter, "page_obj": page_obj})


@login_required
def order_detail_view(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    return render(request, "phone_orders/order_detail.html", {
        "order": order, "lines": selectors.order_lines(order=order),
        "events": selectors.order_events(order=order),
        "can_call": services.user_can_take_orders(request.user),
    })


# --- Supply, figures, imports ---------------------------------------------------------

@login_required
def supply_view(request):
    cycle = parse_date(request.GET.get("cycle") or "") or services.current_cycle()
    cycle = services.cycle_start_for(cycle)
    error, row_errors = None, []
    if request.method == "POST":
        if not request.user.is_admin_role:
            raise PermissionDenied
        try:
            if request.FILES.get("file"):
                upload = request.FILES["file"]
                rows = read_table(upload, filename=upload.name,
                                  columns=["sku_code", "cartons"]).to_dict("records")
                services.cycle_supply_import(user=request.user, cycle_start=cycle, rows=rows)
            else:
                services.cycle_supply_set(
                    user=request.user,
                    product=services.product_by_code(request.POST.get("sku")),
                    cycle_start=cycle, available=request.POST.get("available"))
            messages.success(request, _("Supply saved."))
            return redirect(f"{reverse('phone_orders:supply')}?cycle={cycle.isoformat()}")
        except BusinessError as exc:
            error, row_errors = str(exc.message), exc.errors
    return render(request, "phone_orders/supply.html", {
        "cycle": cycle, "cycle_end": cycle + timedelta(days=6),
        "supplies": selectors.supply_overview(cycle_start=cycle), "error": error,
        "row_errors": row_errors,
        "previous": cycle - timedelta(days=7), "next": cycle + timedelta(days=7),
    })


@login_required
def figures_view(request):
    if not (request.user.is_admin_role or request.user.role in ("clerk", "supervisor")):
        raise PermissionDenied
    today = timezone.localdate()
    date_to = parse_date(request.GET.get("date_to") or "") or today
    date_from = parse_date(request.GET.get("date_from") or "") or date_to - timedelta(days=29)
    return render(request, "phone_orders/figures.html", {
        "date_from": date_from, "date_to": date_to,
        **selectors.clerk_figures(user=request.user, date_from=date_from, date_to=date_to),
    })


@login_required
def import_list_view(request):
    if not request.user.is_admin_role:
        raise PermissionDenied
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a file to upload.")
        else:
            try:
                job = imports.order_import_create(user=request.user, uploaded_file=upload)
            except BusinessError as exc:
                error = str(exc.message)
            else:
                from .tasks import run_order_import

                transaction.on_commit(lambda: run_order_import.delay(import_id=job.pk))
                return redirect("phone_orders:import_detail", job.pk)
    return render(request, "phone_orders/imports.html", {
        "jobs": selectors.imports_visible_to(request.user)[:20], "error": error,
        "columns": imports.COLUMNS,
    })


@login_required
def import_detail_view(request, pk):
    job = get_object_or_404(selectors.imports_visible_to(request.user), pk=pk)
    template = ("phone_orders/_import_progress.html" if request.htmx
                else "phone_orders/import_detail.html")
    return render(request, template, {"job": job, "errors": job.errors[:1000]})


def _parse_local(value: str) -> datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
