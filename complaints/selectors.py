"""Every read of complaints starts from what the user may see."""

from datetime import timedelta

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Now
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.access import Ability, is_admin, role_of, roles_with
from customers.filters import search_customers
from customers.models import Customer
from customers.selectors import customer_get, customers_visible_to

from .models import OPEN_STATUSES, Attachment, Complaint, Kind, Severity, Status

OVERDUE = (
    Q(status__in=OPEN_STATUSES)
    & (Q(resolution_due__lt=Now()) | Q(acknowledged_at__isnull=True, first_reply_due__lt=Now()))
)


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """A manager sees the complaints of their stores and those they handle; a clerk those
    of their territories' stores; a supervisor the department; an admin all."""
    complaints = Complaint.objects.all()
    if role_of(user) is None:
        return complaints.none()
    if is_admin(user):
        return complaints
    stores = customers_visible_to(user).values("pk")
    return complaints.filter(Q(customer__in=stores) | Q(handler=user))


def with_overdue(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return complaints.annotate(
        overdue=Case(When(OVERDUE, then=Value(True)), default=Value(False),
                     output_field=BooleanField())
    )


def complaint_list(*, user, filters=None) -> QuerySet[Complaint]:
    from .filters import ComplaintFilter

    complaints = with_overdue(complaints_visible_to(user)).select_related(
        "customer", "handler", "taken_by", "product"
    )
    if filters is None:
        return complaints
    return ComplaintFilter(filters, queryset=complaints, user=user).qs


def complaint_get(*, user, pk) -> Complaint:
    """One complaint the user may see, or Http404 (also for an id that is not a number,
    as /api/complaints/abc/acknowledge/ gives)."""
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(
        with_overdue(complaints_visible_to(user)).select_related(
            "customer__territory__department", "handler", "taken_by", "product", "approved_by"
        ),
        pk=pk,
    )


def intake_store(*, user, query) -> Customer | None:
    """The store an intake link names (?customer=<id>); 404 outside the user's scope."""
    value = query.get("customer", "")
    return customer_get(user=user, pk=int(value)) if value.isdigit() else None


def intake_store_matches(*, user, query, limit: int = 20):
    """Stores matching the intake page's search box (?q=), within the user's scope."""
    if not query.get("q"):
        return []
    return search_customers(customers_visible_to(user), query["q"]).order_by("code")[:limit]


def complaint_attachments(*, complaint: Complaint):
    return complaint.attachments.all()


def complaint_steps(*, complaint: Complaint):
    return complaint.steps.select_related("user")


def attachment_get(*, user, complaint_pk, pk) -> Attachment:
    return get_object_or_404(
        Attachment.objects.filter(complaint__in=complaints_visible_to(user).values("pk")),
        complaint_id=complaint_pk, pk=pk,
    )


def customer_complaints(*, user, customer, limit: int = 10):
    """The complaints of one store for its card; empty when the user cannot see the store."""
    complaints = with_overdue(complaints_visible_to(user).filter(customer=customer))
    return complaints.select_related("handler").order_by("-received_at")[:limit]


def customer_card_complaints(*, customer, user) -> dict:
    """The complaints block of the store card: its latest complaints as far as the user
    may see them, and how many of those are overdue."""
    complaints = list(customer_complaints(user=user, customer=customer, limit=10))
    return {"complaints": complaints,
            "overdue_count": sum(1 for complaint in complaints if complaint.overdue)}


def handlers_visible_to(user):
    """People a complaint may be given to: staff who can see stores in the user's scope."""
    from customers.models import User

    users = User.objects.filter(is_active=True,
                                role__in=roles_with(Ability.HANDLE_COMPLAINTS))
    if is_admin(user):
        return users.order_by("username")
    if user.department_id:
        return users.filter(department_id=user.department_id).order_by("username")
    return users.filter(pk=user.pk)


def complaint_figures(*, complaints: QuerySet[Complaint], repeat_days: int = 90,
                      repeat_min: int = 2) -> dict:
    """Counts by status, kind, severity and age; reply and resolution times against
    target; satisfaction; repeat complainers. `complaints` is already scoped."""
    now = timezone.now()
    base = complaints.order_by()
    by = {
        field: {row[field]: row["n"] for row in base.values(field).annotate(n=Count("pk"))}
        for field in ("status", "kind", "severity")
    }
    open_ones = base.filter(status__in=OPEN_STATUSES)
    ages = open_ones.aggregate(
        d0_2=Count("pk", filter=Q(received_at__gt=now - timedelta(days=2))),
        d3_7=Count("pk", filter=Q(received_at__lte=now - timedelta(days=2),
                                  received_at__gt=now - timedelta(days=7))),
        d8_30=Count("pk", filter=Q(received_at__lte=now - timedelta(days=7),
                                   received_at__gt=now - timedelta(days=30))),
        over_30=Count("pk", filter=Q(received_at__lte=now - timedelta(days=30))),
    )
    reply = base.filter(acknowledged_at__isnull=False).aggregate(
        replied=Count("pk"),
        on_time=Count("pk", filter=Q(acknowledged_at__lte=F("first_reply_due"))),
        average=Avg(ExpressionWrapper(F("acknowledged_at") - F("received_at"),
                                      output_field=DurationField())),
    )
    resolution = base.filter(status=Status.CLOSED).aggregate(
        closed=Count("pk"),
        on_time=Count("pk", filter=Q(closed_at__lte=F("resolution_due"))),
        average=Avg(ExpressionWrapper(F("closed_at") - F("received_at"),
                                      output_field=DurationField())),
    )
    satisfaction = base.filter(satisfaction__isnull=False).aggregate(
        average=Avg("satisfaction"), answers=Count("pk")
    )
    repeat = list(
        base.filter(received_at__gte=now - timedelta(days=repeat_days))
        .values("customer_id", "customer__code", "customer__name")
        .annotate(n=Count("pk")).filter(n__gte=repeat_min).order_by("-n", "customer__code")[:20]
    )
    return {
        "total": base.count(),
        "open": open_ones.count(),
        "overdue": base.filter(OVERDUE).count(),
        "by_status": by["status"], "by_kind": by["kind"], "by_severity": by["severity"],
        "rows": {
            "status": [(label, by["status"].get(value, 0)) for value, label in Status.choices],
            "kind": [(label, by["kind"].get(value, 0)) for value, label in Kind.choices],
            "severity": [(label, by["severity"].get(value, 0))
                         for value, label in Severity.choices],
        },
        "age": ages, "reply": reply, "resolution": resolution,
        "satisfaction": satisfaction, "repeat": repeat, "repeat_days": repeat_days,
    }


def complaint_figures_for_api(*, complaints: QuerySet[Complaint]) -> dict:
    """The figures as JSON: no display rows, average durations in hours."""
    figures = complaint_figures(complaints=complaints)
    figures.pop("rows")
    for key in ("reply", "resolution"):
        average = figures[key].pop("average")
        figures[key]["average_hours"] = (round(average.total_seconds() / 3600, 1)
                                         if average is not None else None)
    return figures
