"""Pages of the order clerk: call list, console (htmx), orders, supply, figures, imports."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError
from customers.access import Ability, require
from customers.selectors import customer_get

from . import allocations, forms, selectors, services

CALL_STARTED_KEY = "phone_orders:call_started:%s"
SUPPLY_REFUSED_KEY = "phone_orders:supply_refused"
CALL_FILTER_KEY = "phone_orders:call_filter"


def _call_list_url(request) -> str:
    """The call list with the filter the clerk chose last."""
    status = request.session.get(CALL_FILTER_KEY, "")
    url = reverse("phone_orders:calls")
    return f"{url}?{urlencode({'status': status})}" if status else url


def _rows_report(*, filename: str, refused=(), skipped=(), supplementary=()) -> HttpResponse:
    """Rows an import refused, skipped or imported as supplementary orders (补单), and why,
    as a CSV file Excel opens in Chinese."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("row"), _("outcome"), _("column"), _("reason")])
    for outcome, rows in ((_("refused"), refused), (_("skipped"), skipped),
                          (_("supplementary"), supplementary)):
        for row in rows:
            writer.writerow([row["row"], outcome, row["column"], row["reason"]])
    return response


@login_required
def call_list_view(request):
    query = forms.CallListQuery(request.GET).values()
    request.session[CALL_FILTER_KEY] = query["status"]
    return render(request, "phone_orders/call_list.html", {
        **selectors.call_list_page(user=request.user, day=query["day"],
                                   status=query["status"]),
        "briefing": selectors.briefing()})


# --- The console ----------------------------------------------------------------------

@login_required
def console_view(request, customer_pk):
    customer = selectors.console_customer_get(user=request.user, pk=customer_pk)
    # When the call started, for its duration on the call record.
    started = request.session.setdefault(CALL_STARTED_KEY % customer.pk,
                                         timezone.now().isoformat())
    return render(request, "phone_orders/console.html", {
        **selectors.console_context(user=request.user, customer=customer),
        "call_list_url": _call_list_url(request), "call_started": started})


def _order_panel(request, customer, error=None):
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("phone_orders:console", customer.pk)
    return render(request, "phone_orders/_order_panel.html",
                  selectors.console_context(user=request.user, customer=customer, error=error))


def _console_action(request, customer_pk, action):
    """Run one console service and answer with the refreshed order panel."""
    customer = customer_get(user=request.user, pk=customer_pk)
    try:
        action(customer)
    except BusinessError as error:
        return _order_panel(request, customer, str(error.message))
    except PermissionDenied as error:
        return _order_panel(request, customer, str(error) or _("Not allowed."))
    return _order_panel(request, customer)


@login_required
@require_POST
def console_line_view(request, customer_pk):
    line = forms.ConsoleLineForm(request.POST).values()
    return _console_action(request, customer_pk, lambda customer: services.console_line_set(
        user=request.user, customer=customer, sku=line["sku"], cartons=line["cartons"],
        remove=bool(line["remove"])))


@login_required
@require_POST
def console_repeat_view(request, customer_pk):
    previous_id = forms.ConsoleRepeatForm(request.POST).values()["order"]
    return _console_action(request, customer_pk, lambda customer: services.console_repeat(
        user=request.user, customer=customer, previous_id=previous_id))


@login_required
@require_POST
def console_confirm_view(request, customer_pk):
    return _console_action(request, customer_pk, lambda customer: services.console_confirm(
        user=request.user, customer=customer))


@login_required
@require_POST
def console_cancel_view(request, customer_pk):
    reason = forms.ConsoleCancelForm(request.POST).values()["reason"]
    return _console_action(request, customer_pk, lambda customer: services.console_cancel(
        user=request.user, customer=customer, reason=reason))


@login_required
@require_POST
def console_outcome_view(request, customer_pk):
    """Close the call with its outcome and open the next store to call (of the call list
    with its filter), or the call list when none is left."""
    customer = customer_get(user=request.user, pk=customer_pk)
    call = forms.CallOutcomeForm(request.POST).values()
    started = parse_datetime(request.session.get(CALL_STARTED_KEY % customer.pk, "") or "")
    try:
        services.call_record(user=request.user, customer=customer, outcome=call["outcome"],
                             started_at=started, callback_at=call["callback_at"],
                             note=call["note"])
    except BusinessError as error:
        return _order_panel(request, customer, str(error.message))
    request.session.pop(CALL_STARTED_KEY % customer.pk, None)
    messages.success(request, _("Call with %(store)s recorded.") % {"store": customer.name})
    following = selectors.next_store_to_call(
        user=request.user, after=customer, status=request.session.get(CALL_FILTER_KEY, ""))
    url = (reverse("phone_orders:console", args=[following.pk]) if following
           else _call_list_url(request))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
def console_search_view(request, customer_pk):
    return render(request, "phone_orders/_sku_results.html", selectors.sku_search_page(
        user=request.user, customer_pk=customer_pk,
        query=forms.SkuSearchQuery(request.GET).query()))


@login_required
def console_substitutes_view(request, customer_pk, product_pk):
    return render(request, "phone_orders/_substitutes.html", selectors.substitutes_page(
        user=request.user, customer_pk=customer_pk, product_pk=product_pk))


# --- Orders ---------------------------------------------------------------------------

@login_required
def order_list_view(request):
    return render(request, "phone_orders/order_list.html",
                  selectors.order_list_page(user=request.user, params=request.GET))


@login_required
def order_detail_view(request, pk):
    return render(request, "phone_orders/order_detail.html",
                  selectors.order_detail(user=request.user, pk=pk))


# --- Supply, figures, imports ---------------------------------------------------------

@login_required
def supply_view(request):
    page = selectors.supply_page(cycle=forms.SupplyQuery(request.GET).values()["cycle"])
    error, row_errors = None, []
    if request.method == "POST":
        supply = forms.SupplyForm(request.POST, request.FILES).values()
        try:
            services.cycle_supply_save(user=request.user, cycle_start=page["cycle"],
                                       sku=supply["sku"], available=supply["available"],
                                       upload=supply["file"])
        except BusinessError as exc:
            error, row_errors = str(exc.message), exc.errors
            request.session[SUPPLY_REFUSED_KEY] = [
                {**e, "reason": str(e["reason"])} for e in row_errors or []]
        else:
            messages.success(request, _("Supply saved."))
            return redirect(f"{reverse('phone_orders:supply')}?cycle={page['cycle'].isoformat()}")
    return render(request, "phone_orders/supply.html",
                  {**page, "error": error, "row_errors": row_errors})


@login_required
def allocation_view(request):
    """The tier allocation grid of a scarce SKU and cycle: preview, save, exceptions."""
    query = forms.AllocationQuery(request.GET).values()
    page = allocations.allocation_page(user=request.user, cycle=query["cycle"],
                                       sku=query["sku"] or "")
    if request.method == "POST" and page["chosen"]:
        page.update(allocations.allocation_page_post(
            user=request.user, page=page, rows=forms.allocation_rows(request.POST),
            action=request.POST.get("action", ""),
            exception=forms.AllocationExceptionForm(request.POST).values()))
        if page.get("saved"):
            messages.success(request, page["saved"])
            return redirect(f"{reverse('phone_orders:allocations')}?"
                            + urlencode({"cycle": page["cycle"].isoformat(),
                                         "sku": page["chosen"]["product"].code}))
    return render(request, "phone_orders/allocations.html", page)


@login_required
def supply_refused_view(request):
    """The rows of the last supply sheet this user uploaded that were refused."""
    require(request.user, Ability.SET_SUPPLY)
    return _rows_report(filename="supply-refused.csv",
                        refused=request.session.get(SUPPLY_REFUSED_KEY, []))


@login_required
def briefing_view(request):
    """This cycle's briefing; administrators and supervisors add and remove notes."""
    error = None
    if request.method == "POST":
        note = forms.BriefingNoteForm(request.POST).values()
        try:
            if note["delete"]:
                services.briefing_note_remove(user=request.user, note_id=note["delete"])
            else:
                services.briefing_note_add(user=request.user, kind=note["kind"],
                                           text=note["text"])
        except BusinessError as exc:
            error = str(exc.message)
        else:
            return redirect("phone_orders:briefing")
    return render(request, "phone_orders/briefing.html",
                  {**selectors.briefing_page(user=request.user), "error": error})


@login_required
def figures_view(request):
    query = forms.FiguresQuery(request.GET).values()
    return render(request, "phone_orders/figures.html", selectors.clerk_figures_page(
        user=request.user, date_from=query["date_from"], date_to=query["date_to"]))


@login_required
def import_list_view(request):
    error = None
    if request.method == "POST":
        upload = forms.OrderImportForm(request.POST, request.FILES)
        if not upload.is_valid():
            error = upload.errors["file"][0]
        else:
            try:
                job = services.order_import_start(user=request.user,
                                                  uploaded_file=upload.cleaned_data["file"])
            except BusinessError as exc:
                error = str(exc.message)
            else:
                return redirect("phone_orders:import_detail", job.pk)
    return render(request, "phone_orders/imports.html",
                  selectors.order_imports_page(user=request.user, error=error))


@login_required
def import_detail_view(request, pk):
    job = selectors.order_import_get(user=request.user, pk=pk)
    template = ("phone_orders/_import_progress.html" if request.htmx
                else "phone_orders/import_detail.html")
    return render(request, template, {"job": job, "errors": job.errors[:1000]})


@login_required
def import_report_view(request, pk):
    job = selectors.order_import_get(user=request.user, pk=pk)
    return _rows_report(filename=f"order-import-{job.pk}.csv", refused=job.errors,
                        skipped=job.skipped, supplementary=job.supplementary)
