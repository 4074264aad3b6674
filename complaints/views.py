"""Pages of the complaint desk: each parses its input with a form or FilterSet, calls one
selector or service and renders. Which steps a complaint offers is the workflow's table."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError, form_add_error

from . import selectors, services
from .exports import complaints_to_xlsx_response
from .filters import ComplaintFilter
from .forms import ComplaintForm, intake_initial, step_form
from .workflow import TRANSITIONS, actions_for


@login_required
def complaint_list_view(request):
    complaint_filter = ComplaintFilter(request.GET or None,
                                       queryset=selectors.complaint_list(user=request.user),
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
    complaint_filter = ComplaintFilter(request.GET or None,
                                       queryset=selectors.complaint_list(user=request.user),
                                       request=request)
    return render(request, "complaints/figures.html", {
        "filter": complaint_filter,
        "figures": selectors.complaint_figures(complaints=complaint_filter.qs),
    })


@login_required
def complaint_create_view(request):
    """Intake from a complaint page, the phone console, a visit or an order (see
    forms.intake_initial for the link's parameters)."""
    fixed = selectors.intake_store(user=request.user, query=request.GET)
    form = ComplaintForm(request.POST or None, request.FILES or None, user=request.user,
                         fixed_customer=fixed, initial=intake_initial(request.GET))
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_create(user=request.user, **form.cleaned_data)
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Complaint #%(id)s recorded.") % {"id": complaint.pk})
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/form.html", {
        "form": form, "customer": fixed,
        "store_matches": [] if fixed else selectors.intake_store_matches(user=request.user,
                                                                         query=request.GET),
    }, status=400 if request.method == "POST" else 200)


def _detail_context(request, complaint, bound=None):
    step_forms = [
        {"name": name, "label": TRANSITIONS[name].label,
         "form": bound if bound is not None and bound.prefix == name
         else step_form(name, request.user)}
        for name in actions_for(complaint, request.user)
    ]
    return {
        "complaint": complaint,
        "steps": selectors.complaint_steps(complaint=complaint),
        "attachments": selectors.complaint_attachments(complaint=complaint),
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
    if action not in TRANSITIONS:
        raise Http404
    form = step_form(action, request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.complaint_step(complaint=complaint, user=request.user, action=action,
                                    **form.cleaned_data)
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Saved: %(step)s.") % {"step": TRANSITIONS[action].label})
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
