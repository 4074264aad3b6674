"""Pages of the targets and the monthly evaluation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers import access
from customers.access import Ability

from ..forms import parse_month
from ..models import TargetIndicator
from ..services import month_start
from . import targets


def _month(request, default):
    try:
        return parse_month(request.GET.get("month") or request.POST.get("month"),
                           name="month", default=default)
    except BusinessError as error:
        messages.error(request, error.message)
        return default


def _department(request, user):
    """The department asked for, among those the user oversees (first by default)."""
    departments = targets.departments_for(user)
    wanted = request.GET.get("department") or request.POST.get("department")
    if wanted:
        if not str(wanted).isdigit():
            return None
        return get_object_or_404(departments, pk=wanted)
    return departments.first()


@login_required
def targets_view(request):
    """The targets grid of a department (a manager: their own row, read only)."""
    access.require(request.user, Ability.SEE_TARGETS)
    month = _month(request, month_start(timezone.localdate()))
    department = None if access.is_manager(request.user) else _department(request,
                                                                           request.user)
    back = reverse("reports:targets") + f"?month={month:%Y-%m}" + (
        f"&department={department.pk}" if department else "")
    proposal = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "import":
                upload = request.FILES.get("file")
                if upload is None:
                    raise BusinessError(_("Choose a file to import."), field="file")
                changed = targets.targets_import(user=request.user, month=month,
                                                 source=upload, filename=upload.name)
            else:
                changed = targets.targets_save(
                    user=request.user, month=month,
                    rows=targets.grid_rows(user=request.user, data=request.POST))
        except BusinessError as error:
            messages.error(request, error.message)
            for problem in error.errors[1:]:
                messages.error(request, problem)
        else:
            messages.success(request, _("%(count)d target(s) changed.") % {"count": changed})
            return redirect(back)
    elif request.GET.get("propose") and department is not None:
        try:
            proposal = targets.split_proposal(user=request.user, month=month,
                                              department=department,
                                              indicator=request.GET["propose"])
            messages.info(request, _("Proposed split shown: adjust it, then save."))
        except BusinessError as error:
            messages.error(request, error.message)
    grid = targets.target_grid(user=request.user, month=month, department=department,
                               proposal=proposal)
    return render(request, "reports/evaluation/targets.html", {
        "grid": grid, "month": month, "departments": targets.departments_for(request.user),
        "split_indicators": [TargetIndicator(i) for i in TargetIndicator.values],
        "import_columns": ", ".join(targets.IMPORT_COLUMNS),
    })
