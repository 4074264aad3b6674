from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError, form_add_error
from customers.filters import search_customers
from customers.selectors import customer_get, customers_visible_to

from . import selectors, services
from .exports import complaints_to_xlsx_response
from .filters import ComplaintFilter
from .forms import ComplaintForm
from .models import Channel
from .workflow import ACTIONS, actions_for, make_form

STEP_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge to the store"),
    "investigate": gettext_lazy("Record investigation"),
    "propose": gettext_lazy("Propose a solution"),
    "approve": gettext_lazy("Approve the solution"),
    "agree": gettext_lazy("Store agreed"),
    "carry_out": gettext_lazy("Carried out"),
    "call_back": gettext_lazy("Call-back"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "assign": gettext_lazy("Change handler"),
    "attach": gettext_lazy("Add photos or files"),
}


@login_required
def complaint_list_view(request):
    complaints = selectors.complaint_list(user=request.user)
    complaint_filter = ComplaintFilter(request.GET or None, queryset=complaints,
                                       request=request)
    page_obj = Paginator(complaint_filter.qs.order_by("-overdue", "-received_at"),
                         settings.CRM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/list.html", {"filter": complaint_filter,
                                                    "page_obj": page_obj})


@login_required
def complaint_export_view(request):
    return complaints_to_xlsx_response(
        selectors.complaint_list(user=request.user, filters=request.GET))


@login_required
def complaint_figures_view(request):
    complaints = selectors.complaint_list(user=request.user, filters=request.GET)
    complaint_filter = ComplaintFilter(request.GET or None, queryset=complaints,
                                       request=request)
    return render(request, "complaints/figures.html", {
        "filter": complaint_filter,
        "figures": selectors.complaint_figures(complaints=complaint_filter.qs),
    })


@login_required
def complaint_create_view(request):
    """Intake from a complaint page, the phone console (?channel=phone) or a visit
    (?channel=visit&visit=<id>); the store comes as ?customer=<id>."""
    fixed = None
    if request.GET.get("customer", "").isdigit():
        fixed = customer_get(user=request.user, pk=int(request.GET["customer"]))
    channel = request.GET.get("channel")
    initial = {"customer": fixed.pk if fixed else None,
               "channel": channel if channel in Channel.values else None,
               "visit_id": request.GET.get("visit") if request.GET.get("visit", "").isdigit()
               else None,
               "order_id": request.GET.get("order") if request.GET.get("order", "").isdigit()
               else None}
    form = ComplaintForm(request.POST or None, request.FILES or None, user=request.user,
                         fixed_customer=fixed, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_create(user=request.user, **form.cleaned_data)
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Complaint #%(id)s recorded.") % {"id": complaint.pk})
            return redirect("complaints:detail", pk=complaint.pk)
    status = 400 if request.method == "POST" else 200
    store_matches = []
    if fixed is None and request.GET.get("q"):
        store_matches = search_customers(customers_visible_to(request.user),
                                         request.GET["q"]).order_by("code")[:20]
    return render(request, "complaints/form.html", {"form": form, "customer": fixed,
                                                    "store_matches": store_matches},
                  status=status)


def _detail_context(request, complaint, bound=None):
    step_forms = []
    for name in actions_for(complaint, request.user):
        form = bound if bound is not None and bound.prefix == name else make_form(
            name, request.user)
        step_forms.append({"name": name, "label": STEP_LABELS[name], "form": form})
    return {
        "complaint": complaint,
        "steps": selectors.complaint_steps(complaint=complaint),
        "attachments": complaint.attachments.all(),
        "step_forms": step_forms,
    }


@login_required
def complaint_detail_view(request, pk):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


@login_required
@require_POST
def complaint_step_view(request, pk, action):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form = make_form(action, request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            ACTIONS[action][1](complaint=complaint, user=request.user, **form.cleaned_data)
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Saved: %(step)s.") % {"step": STEP_LABELS[action]})
            return redirect("complaints:detail", pk=complaint.pk)
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    context = _detail_context(request, complaint, bound=form)
    if form.prefix not in [f["name"] for f in context["step_forms"]]:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors())
                       or _("This step is not possible now."))
    return render(request, "complaints/detail.html", context, status=400)


@login_required
def attachment_download_view(request, pk, attachment_pk):
    attachment = selectors.attachment_get(user=request.user, complaint_pk=pk,
                                          pk=attachment_pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=not attachment.is_image and
                            attachment.content_type != "application/pdf",
                            filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
