"""Pages of the complaint desk: each parses its input with a form or FilterSet, calls one
selector or service and renders. Which steps a complaint offers is the workflow's table."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_project.errors import BusinessError, form_add_error
from customers.access import Ability, can
from customers.selectors import customer_get

from . import conf, selectors, services, surveys
from .exports import complaints_to_xlsx_response
from .filters import ComplaintFilter
from .forms import (
    CallbackAnswerForm,
    ComplaintForm,
    SurveyAnswerForm,
    SurveyForm,
    SurveySampleForm,
    intake_initial,
    step_form,
)
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


# --- satisfaction surveys and service call-backs -------------------------------------------

def _back(request, fallback: str):
    """Where the answer form came from (console, visit), if it is one of our pages."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
def survey_list_view(request):
    surveys_qs = surveys.surveys_visible_to(request.user)
    survey_form = SurveyForm(request.POST or None)
    if request.method == "POST" and survey_form.is_valid():
        try:
            survey = surveys.survey_create(user=request.user, **survey_form.cleaned_data)
        except BusinessError as error:
            form_add_error(survey_form, error)
        else:
            return redirect("complaints:survey", pk=survey.pk)
    return render(request, "complaints/surveys.html", {"surveys": surveys_qs,
                                                       "form": survey_form},
                  status=400 if request.method == "POST" else 200)


@login_required
def survey_detail_view(request, pk):
    survey = surveys.survey_get(user=request.user, pk=pk)
    sample_form = SurveySampleForm(request.POST or None)
    if request.method == "POST" and sample_form.is_valid():
        try:
            size = surveys.survey_draw_sample(user=request.user, survey=survey,
                                              **sample_form.cleaned_data)
        except BusinessError as error:
            form_add_error(sample_form, error)
        else:
            messages.success(request, _("%(n)s stores drawn.") % {"n": size})
            return redirect("complaints:survey", pk=survey.pk)
    results = (surveys.survey_results(user=request.user, survey=survey)
               if can(request.user, Ability.SEE_SURVEY_RESULTS) else None)
    return render(request, "complaints/survey.html", {
        "survey": survey, "sample_form": sample_form, "results": results,
        "satisfied_from": conf.survey_satisfied_from(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def survey_answer_view(request):
    form = SurveyAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The answer was not saved: give every score from 1 to 5."))
        return _back(request, "complaints:surveys")
    data = dict(form.cleaned_data)
    survey = surveys.survey_get(user=request.user, pk=data.pop("survey"))
    customer = customer_get(user=request.user, pk=data.pop("customer"))
    try:
        surveys.survey_answer(user=request.user, survey=survey, customer=customer, **data)
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Survey answer saved."))
    return _back(request, "complaints:surveys")


@login_required
def callback_list_view(request):
    rows = surveys.callbacks_visible_to(request.user).filter(answered_at__isnull=True)
    page_obj = Paginator(rows.order_by("-created_at", "-pk"),
                         settings.CRM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/callbacks.html", {"page_obj": page_obj,
                                                         "form": CallbackAnswerForm()})


@login_required
@require_POST
def callback_answer_view(request, pk):
    callback = get_object_or_404(surveys.callbacks_visible_to(request.user), pk=pk)
    form = CallbackAnswerForm(request.POST)
    if form.is_valid():
        try:
            surveys.callback_answer(user=request.user, callback=callback, **form.cleaned_data)
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Call-back recorded."))
    else:
        messages.error(request, _("The call-back was not saved: answer every question."))
    return redirect("complaints:callbacks")
