"""Pages of the targets and the monthly evaluation."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers import access
from customers.access import Ability

from ..forms import parse_month
from ..models import EvaluatedRole, ScorecardRule, ScoreFormula, TargetIndicator
from ..services import add_months, month_start
from . import exports, rules, scorecard, targets


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


# --- scorecards ----------------------------------------------------------------------

# Where the records behind each indicator are listed, filtered to the person and month
# where the list page can be filtered so.
EVIDENCE = {
    "purchases_vs_target": ("reports:sales", "sales"),
    "average_price_change": ("reports:sales", "sales"),
    "grade_net_upgrades": ("reports:grades", None),
    "churn_handled": ("grading:inbox", None),
    "stores_lost": ("customers:list", "stores"),
    "records_reviewed": ("customers:list", "stores"),
    "visit_completion": ("visits:stats", "visits"),
    "customer_time_ratio": ("visits:stats", "visits"),
    "complaint_reply_on_time": ("complaints:list", None),
    "callback_satisfaction": ("complaints:list", None),
    "complaints_from_calls": ("complaints:list", None),
    "calls_completed": ("phone_orders:figures", "days"),
    "ordered_share": ("phone_orders:figures", "days"),
    "average_call_seconds": ("phone_orders:figures", "days"),
    "unmet_demand_recorded": ("phone_orders:list", "unmet"),
}


def _evidence_query(kind, person_pk: int, month) -> str:
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {
        "sales": f"?group_by=store&manager={person_pk}&from={month:%Y-%m}&to={month:%Y-%m}",
        "stores": f"?manager={person_pk}",
        "visits": f"?manager={person_pk}&first_day={month:%Y-%m-%d}&last_day={last:%Y-%m-%d}",
        "days": f"?date_from={month:%Y-%m-%d}&date_to={last:%Y-%m-%d}",
        "unmet": (f"?taken_by={person_pk}&unmet=true"
                  f"&date_from={month:%Y-%m-%d}&date_to={last:%Y-%m-%d}"),
    }.get(kind, "")


def _evidence_links(card, month) -> None:
    for line in card["lines"]:
        name, kind = EVIDENCE.get(line["code"], (None, None))
        if name is None:
            continue
        line["url"] = reverse(name) + _evidence_query(kind, card["user"].pk, month)


def _last_month():
    return scorecard.month_to_close(timezone.localdate())


def _role(request):
    role = request.GET.get("role") or EvaluatedRole.MANAGER
    return role if role in EvaluatedRole.values else EvaluatedRole.MANAGER


def _person(request):
    """The person whose scorecard is asked for: the user by default; anyone else only
    within the user's scope (404 otherwise)."""
    wanted = request.GET.get("user")
    if not wanted:
        if not access.can(request.user, Ability.HAVE_SCORECARD):
            return None
        return request.user
    if not str(wanted).isdigit():
        raise Http404
    return get_object_or_404(scorecard.evaluated_visible_to(request.user), pk=wanted)


def _one_card(request):
    month = _month(request, month_start(timezone.localdate()))
    person = _person(request)
    if person is None:
        return month, None, None
    report = scorecard.scorecards(user=request.user, month=month, role=person.role,
                                  user_ids=[person.pk])
    card = report["cards"][0] if report["cards"] else None
    return month, report, card


@login_required
def scorecard_view(request):
    """One person's scorecard: every indicator's value, target, weight and points, with
    the records behind it, and the totals of the last 12 closed months."""
    month, report, card = _one_card(request)
    if card is None:
        if access.can(request.user, Ability.SEE_SCORECARDS):
            return redirect("reports:ranking")
        raise Http404
    _evidence_links(card, month)
    return render(request, "reports/evaluation/scorecard.html", {
        "month": month, "report": report, "card": card,
        "trend": scorecard.trend(user=request.user, person=card["user"],
                                 last=add_months(month_start(timezone.localdate()), -1)),
    })


@login_required
def scorecard_export_view(request):
    month, report, card = _one_card(request)
    if card is None:
        raise Http404
    return exports.scorecard_xlsx(report, card)


def _ranking(request):
    access.require(request.user, Ability.SEE_SCORECARDS)
    month = _month(request, month_start(timezone.localdate()))
    return scorecard.scorecards(user=request.user, month=month, role=_role(request))


@login_required
def ranking_view(request):
    """The ranking of a department's (a supervisor) or every (an admin) managers or
    clerks; an admin closes an ended month here."""
    if request.method == "POST":
        access.require(request.user, Ability.RECLOSE_EVALUATION)
        month = _month(request, _last_month())
        try:
            result = scorecard.evaluation_close(month=month, user=request.user,
                                                reclose=True)
            messages.success(request, _("%(month)s closed: version %(version)d.")
                             % {"month": f"{month:%Y-%m}", "version": result["version"]})
        except BusinessError as error:
            messages.error(request, error.message)
        return redirect(reverse("reports:ranking") + f"?month={month:%Y-%m}")
    report = _ranking(request)
    return render(request, "reports/evaluation/ranking.html", {
        "report": report, "month": report["month"],
        "roles": EvaluatedRole.choices,
        "codes": [line["label"] for line in report["cards"][0]["lines"]]
        if report["cards"] else [],
    })


@login_required
def ranking_export_view(request):
    return exports.ranking_xlsx(_ranking(request))


@login_required
def rules_view(request):
    """An admin's edit of a role's scorecard rules (weights adding up to 100)."""
    access.require(request.user, Ability.EDIT_SCORECARD_RULES)
    role = _role(request) if request.method == "GET" else (
        request.POST.get("role") or EvaluatedRole.MANAGER)
    if request.method == "POST":
        codes = request.POST.getlist("code")
        rows = [{"code": code, **{field: request.POST.get(f"{field}-{code}")
                                  for field in ("weight", "formula", "target", "band_low",
                                                "band_high")}}
                for code in codes if request.POST.get(f"weight-{code}", "").strip() != ""]
        try:
            rules.rules_save(user=request.user, role=role, rows=rows)
        except BusinessError as error:
            messages.error(request, error.message)
            for problem in error.errors[1:]:
                messages.error(request, problem)
        else:
            messages.success(request, _("Scorecard rules saved."))
            return redirect(reverse("reports:scorecard-rules") + f"?role={role}")
    current = {rule.code: rule for rule in rules.rules_for(role)}
    rows = [{"code": code, "label": label, "rule": current.get(code)}
            for code, label in rules.INDICATORS[role].items()]
    return render(request, "reports/evaluation/rules.html", {
        "role": role, "roles": EvaluatedRole.choices, "rows": rows,
        "formulas": ScoreFormula.choices,
        "history": ScorecardRule.history.filter(role=role).select_related(
            "history_user").order_by("-history_date")[:20],
    })
