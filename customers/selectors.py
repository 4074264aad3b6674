"""Every read a page, API or export makes of customers starts here, scoped to the user."""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .access import Ability, can, is_admin, is_clerk, is_manager, is_supervisor
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
    if is_admin(user):
        return customers
    if is_supervisor(user):
        if not user.department_id:
            return customers.none()
        return customers.filter(territory__department_id=user.department_id)
    if is_clerk(user):
        return customers.filter(territory__in=user.territories.values("pk"))
    if is_manager(user):
        return customers.filter(manager=user)
    return customers.none()


def of_visible_customers(rows: QuerySet, user, path: str = "customer") -> QuerySet:
    """Rows whose store (reached through `path`) the user sees: nothing to filter for an
    admin, whose `IN (every store)` would make the planner join a million ids."""
    if is_admin(user):
        return rows
    return rows.filter(**{f"{path}__in": customers_visible_to(user).values("pk")})


def _by_oversight(user, rows: QuerySet, own) -> QuerySet:
    """Rows along the ladder: all for an admin, the department's (`department_id`) for a
    supervisor, the user's own (`own()`, a Q) for a clerk or manager, else none."""
    if is_admin(user):
        return rows
    if is_supervisor(user):
        return rows.filter(department_id=user.department_id)
    if is_clerk(user) or is_manager(user):
        return rows.filter(own())
    return rows.none()


def territories_visible_to(user) -> QuerySet[Territory]:
    return _by_oversight(user, Territory.objects.select_related("department"),
                         lambda: Q(pk__in=user.territories.values("pk")))


def users_overseen_by(user) -> QuerySet[User]:
    """The accounts a user answers for: everyone for an admin, their department for a
    supervisor, themselves for anyone else (narrow further by role)."""
    return _by_oversight(user, User.objects.order_by("username"), lambda: Q(pk=user.pk))


def active_managers() -> QuerySet[User]:
    """Every active customer-manager account (jobs that plan for each of them)."""
    return User.objects.filter(role=Role.MANAGER, is_active=True).order_by("username")


def managers_visible_to(user) -> QuerySet[User]:
    managers = active_managers()
    if is_clerk(user):
        return managers.filter(territories__in=user.territories.values("pk")).distinct()
    return managers.filter(pk__in=users_overseen_by(user).values("pk"))


def assignable_manager_get(*, pk) -> User | None:
    """A customer-manager account to hand a store to, or None for "no manager" (the
    service checks who may reassign)."""
    if pk is None:
        return None
    return get_object_or_404(User, pk=pk, role=Role.MANAGER)


def customer_get(*, user, pk) -> Customer:
    """One customer the user may see, or Http404 (never a 403 that confirms it exists)."""
    return get_object_or_404(
        customers_visible_to(user).select_related("territory__department", "manager"), pk=pk
    )


def customer_list(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    from .filters import CustomerFilter

    customers = customers_visible_to(user).select_related("territory", "manager")
    if filters is None:
        return customers
    return CustomerFilter(filters, queryset=customers, user=user).qs


# Fields only an admin or supervisor may change: identity and assignment.
ASSIGNMENT_FIELDS = {"code", "license_no", "territory", "manager", "status"}


def customer_editable_fields(*, user, customer: Customer | None = None) -> set[str] | None:
    """None means every editable field; otherwise the set of fields the user may change."""
    if can(user, Ability.EDIT_ANY_FIELD):
        return None
    if is_manager(user) and customer is not None and customer.manager_id == user.pk:
        editable = {f.name for f in Customer._meta.get_fields() if getattr(f, "editable", False)}
        return editable - ASSIGNMENT_FIELDS
    return set()


def customer_for_edit(*, user, pk) -> tuple[Customer, set[str] | None]:
    """A store the user may edit and the fields they may change (403 when none)."""
    customer = customer_get(user=user, pk=pk)
    editable = customer_editable_fields(user=user, customer=customer)
    if editable == set():
        raise PermissionDenied
    return customer, editable


def customer_list_page(*, user, params) -> dict:
    """The list page: the filter form and one page (`params["page"]`) of the stores."""
    from .filters import CustomerFilter

    customers = customers_visible_to(user).select_related("territory", "manager")
    customer_filter = CustomerFilter(params or None, queryset=customers, user=user)
    from .grading.selectors import churn_settings_get

    page_obj = Paginator(customer_filter.qs, settings.CRM_PAGE_SIZE).get_page(
        (params or {}).get("page"))
    return {"filter": customer_filter, "page_obj": page_obj,
            "churn_threshold": churn_settings_get().risk_threshold_percent}


def customer_detail(*, user, pk) -> dict:
    """The store card's own figures (other apps add their blocks through the card)."""
    customer = customer_get(user=user, pk=pk)
    return {
        "customer": customer,
        "purchases": customer_monthly_purchases(customer=customer, months=6),
        "warnings": customer_open_warnings(customer=customer),
        "history": customer_history(customer=customer, limit=5),
        "can_edit": customer_editable_fields(user=user, customer=customer) != set(),
    }


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
