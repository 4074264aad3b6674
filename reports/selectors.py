"""Figures for the home page, each scoped to what the user may see."""

from datetime import date

from django.db.models import Count, Q, Sum

from customers.models import OPEN_WARNING_STATUSES, ChurnWarning, CustomerStatus, MonthlyPurchase
from customers.selectors import customers_visible_to


def _month_start(day: date, back: int = 0) -> date:
    month_index = day.year * 12 + day.month - 1 - back
    return date(month_index // 12, month_index % 12 + 1, 1)


def home_figures(*, user, today: date) -> dict:
    customers = customers_visible_to(user)
    counts = customers.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=CustomerStatus.ACTIVE)),
        grade_a=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="A")),
        grade_b=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="B")),
        grade_c=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="C")),
        with_complaints=Count("pk", filter=Q(open_complaint_count__gt=0)),
        ordering_today=Count("pk", filter=Q(status=CustomerStatus.ACTIVE,
                                            order_weekday=today.isoweekday())),
    )
    last_month = _month_start(today, 1)
    purchases = MonthlyPurchase.objects.filter(customer__in=customers.values("pk"))
    by_month = {
        row["month"]: row
        for row in purchases.filter(month__gte=_month_start(today, 6),
                                    month__lt=_month_start(today))
        .values("month").annotate(amount=Sum("amount"), cartons=Sum("cartons"))
        .order_by("month")
    }
    months = [_month_start(today, back) for back in range(6, 0, -1)]
    series = [{"month": m, "amount": by_month.get(m, {}).get("amount") or 0,
               "cartons": by_month.get(m, {}).get("cartons") or 0} for m in months]
    peak = max((row["amount"] for row in series), default=0) or 1
    for row in series:
        row["percent"] = round(100 * row["amount"] / peak)
    warnings = ChurnWarning.objects.filter(customer__in=customers.values("pk"),
                                           status__in=OPEN_WARNING_STATUSES)
    return {
        **counts,
        "open_warnings": warnings.count(),
        "last_month": last_month,
        "last_month_amount": by_month.get(last_month, {}).get("amount") or 0,
        "series": series,
    }
