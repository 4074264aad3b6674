from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers.care import care_reminders

from . import charts, exports, forms, selectors
from .selectors import home_figures
from .services import add_months, month_start


@login_required
def home(request):
    """Everyone's landing page: the figures of the stores they are responsible for, and the
    morning view (ordering, visits, warnings, complaints, scarce SKUs, month to date)."""
    today = timezone.localdate()
    morning = selectors.morning_figures(user=request.user, today=today)
    return render(request, "reports/home.html", {
        "figures": home_figures(user=request.user, today=today),
        "morning": morning, "morning_rows": selectors.morning_page_rows(morning),
        "morning_comparisons": [(morning["same_days_last_month"], _("Same days last month")),
                                (morning["same_days_last_year"], _("Same days last year"))],
        "today": today, "yesterday": today - timedelta(days=1),
        # The customer list filters by ISO weekday (1 = Monday), as the stores' order day.
        "order_weekday": today.isoweekday(),
        "care_reminders": care_reminders(user=request.user, today=today),
    })


@login_required
def morning_export_view(request, table: str):
    if table not in exports.MORNING_TABLES:
        raise Http404
    morning = selectors.morning_figures(user=request.user, today=timezone.localdate())
    return exports.morning_xlsx(morning, table)


def _sales_query(request):
    try:
        return forms.sales_query(request.GET, today=timezone.localdate(), allow_stores=True)
    except BusinessError as error:
        messages.error(request, error.message)
        return forms.sales_query({}, today=timezone.localdate())


@login_required
def sales_view(request):
    """Sales analysis: by month or any grouping, change on last month and last year, share,
    drill-down to the next level and to the stores."""
    query = _sales_query(request)
    analysis = selectors.sales_analysis(user=request.user, query=query)
    _add_drill_links(query, analysis)
    return render(request, "reports/sales.html", {
        "query": query, "analysis": analysis,
        "group_links": [(key, label, "?" + urlencode(query.params(group_by=key)))
                        for key, label in forms.SALES_GROUPS.items()],
        "group_label": selectors.group_label(query.group_by),
        "choices": selectors.sales_filter_choices(user=request.user),
        "applied": selectors.applied_filters(query),
        "movers": selectors.movers(analysis["rows"]) if query.group_by != "month" else None,
        "chart": charts.sales_chart(query, analysis),
        "store_limit": selectors.STORE_ROWS,
    })


def _add_drill_links(query, analysis) -> None:
    """Each row opens the next level with the row's group as a filter; a store its card."""
    for row in analysis["rows"]:
        if query.group_by == forms.STORE_GROUP:
            row["url"] = reverse("customers:detail", args=[row["key"]])
            continue
        if query.group_by == "month":
            month = f"{row['key']:%Y-%m}"
            params = query.params(group_by=analysis["drill_to"], **{"from": month, "to": month})
        else:
            params = query.params(group_by=analysis["drill_to"], **{query.group_by: row["key"]})
        row["url"] = "?" + urlencode(params)


@login_required
def sales_export_view(request):
    query = _sales_query(request)
    analysis = selectors.sales_analysis(user=request.user, query=query)
    return exports.sales_xlsx(query, analysis)


def _grade_query(request):
    try:
        return forms.grade_query(request.GET)
    except BusinessError as error:
        messages.error(request, error.message)
        return forms.grade_query({})


@login_required
def grades_view(request):
    """Grades and network: grade x business format (客户等级分类表), grades by territory or
    manager this month against last, the month's upgrades and downgrades, stores by
    status, monthly churn and the Pareto view per manager."""
    query = _grade_query(request)
    report = selectors.grades_overview(user=request.user, query=query)
    changes = Paginator(selectors.grade_changes(user=request.user, month=report["month"]), 50)
    return render(request, "reports/grades.html", {
        "query": query, "report": report, "groups": forms.GRADE_GROUPS,
        "network": _network(request, query, report),
        "grades": selectors.GRADES,
        "page_obj": changes.get_page(request.GET.get("page")),
        "chart": charts.grades_chart(report),
    })


def _network(request, query, report) -> dict:
    """Store counts by status, churn and Pareto of the page's month (or last month)."""
    month = report["month"] or add_months(month_start(timezone.localdate()), -1)
    return selectors.network_overview(user=request.user, group_by=query.group_by, month=month)


@login_required
def grades_export_view(request, table: str):
    query = _grade_query(request)
    report = selectors.grades_overview(user=request.user, query=query)
    if table in exports.NETWORK_TABLES:
        return exports.network_xlsx(_network(request, query, report), table)
    if table == "changes":
        return exports.grade_changes_xlsx(
            selectors.grade_changes(user=request.user, month=report["month"]))
    if table == "formats":
        return exports.grade_table_xlsx(report["formats"], title=_("Grades by business format"),
                                        group_label=_("Business format"))
    return exports.grade_table_xlsx(report["by_group"], title=_("Grades"),
                                    group_label=str(forms.GRADE_GROUPS[query.group_by]),
                                    with_previous=True)
