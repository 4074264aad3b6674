"""Every read a page, API or export makes of customers starts here, scoped to the user."""

from datetime import date

from django.db.models import QuerySet

from .models import (
    OPEN_WARNING_STATUSES,
    ChurnWarning,
    Customer,
    MonthlyPurchase,
    Role,
    Territory,
    User,
)


def customers_visible_to(user) -> QuerySet[Customer]:
    """The one scoping rule: a manager sees the stores assigned to them, a clerk the stores
    of their territories, a supervisor their department, an admin everything."""
    customers = Customer.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return customers.none()
    if user.is_admin_role:
        return customers
    if user.role == Role.SUPERVISOR:
        if not user.department_id:
            return customers.none()
        return customers.filter(territory__department_id=user.department_id)
    if user.role == Role.CLERK:
        return customers.filter(territory__in=user.territories.values("pk"))
    if user.role == Role.MANAGER:
        return customers.filter(manager=user)
    return customers.none()


def territories_visible_to(user) -> QuerySet[Territory]:
    territories = Territory.objects.select_related("department")
    if not getattr(user, "is_authenticated", False):
        return territories.none()
    if user.is_admin_role:
        return territories
    if user.role == Role.SUPERVISOR:
        return territories.filter(department_id=user.department_id)
    if user.role in (Role.CLERK, Role.MANAGER):
        return territories.filter(pk__in=user.territories.values("pk"))
    return territories.none()


def managers_visible_to(user) -> QuerySet[User]:
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("username")
    if user.is_admin_role:
        return managers
    if user.role == Role.SUPERVISOR:
        return managers.filter(department_id=user.department_id)
    if user.role == Role.MANAGER:
        return managers.filter(pk=user.pk)
    if user.role == Role.CLERK:
        return managers.filter(territories__in=user.territories.values("pk")).distinct()
    return managers.none()


def customer_get(*, user, pk) -> Customer:
    """One customer the user may see, or Http404 (never a 403 that confirms it exists)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        customers_visible_to(user).select_related("territory__department", "manager"), pk=pk
    )


def customer_list(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    from .filters import CustomerFilter

    customers = customers_visible_to(user).select_related("territory", "manager")
    if filters is None:
        return customers
    return CustomerFilter(filters, queryset=customers, user=user).qs


def customer_monthly_purchases(*, customer: Customer, months: int = 12) -> list[MonthlyPurchase]:
    return list(
        MonthlyPurchase.objects.filter(customer=customer).order_by("-month")[:months]
    )[::-1]


def customer_open_warnings(*, customer: Customer) -> QuerySet[ChurnWarning]:
    return ChurnWarning.objects.filter(customer=customer, status__in=OPEN_WARNING_STATUSES)


def customer_history(*, customer: Customer, limit: int = 50) -> list[dict]:
    """Who changed what and when, newest first, with old and new values per field."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date",
                                                                  "-history_id")[: limit + 1]
    )
    entries = []
    for record, previous in zip(records, records[1:] + [None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = Customer._meta.get_field(change.field)
                changes.append({
                    "field": field.verbose_name,
                    "old": _display(field, change.old, record),
                    "new": _display(field, change.new, record),
                })
        entries.append({
            "when": record.history_date,
            "who": record.history_user,
            "type": record.get_history_type_display(),
            "reason": record.history_change_reason or "",
            "changes": changes,
        })
    return entries


def _display(field, value, record):
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        model = field.related_model
        obj = model.objects.filter(pk=value).first()
        return str(obj) if obj else value
    if isinstance(value, date):
        return value.isoformat()
    return value
