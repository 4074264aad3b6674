"""Every write to customers and their organisation goes through here."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError

from .access import Ability, can, is_manager_account, oversees_department, role_may
from .models import (
    OPEN_WARNING_STATUSES,
    ChurnWarning,
    Customer,
    User,
    WarningStatus,
)
from .roles import group_name, role_groups_sync
from .selectors import customer_editable_fields, customers_visible_to


def _check_assignment_in_scope(*, user, customer: Customer) -> None:
    """Whoever places a store (a supervisor, an admin) must oversee the department of its
    territory and of its manager; the other roles cannot change those fields at all."""
    if not can(user, Ability.EDIT_ANY_FIELD):
        return
    if not oversees_department(user, customer.territory.department_id):
        raise BusinessError(_("You can only place stores in your own department's "
                              "territories."), field="territory")
    if customer.manager_id and not oversees_department(user, customer.manager.department_id):
        raise BusinessError(_("That manager is not in your department."), field="manager")


def _check_manager_account(customer: Customer) -> None:
    if customer.manager_id and not is_manager_account(customer.manager):
        raise BusinessError(_("The assigned user is not a customer manager."), field="manager")


def _full_clean(customer: Customer) -> None:
    """Model validation (formats, ranges, uniqueness); raises ValidationError per field."""
    customer.refresh_initials()
    customer.full_clean()


@transaction.atomic
def customer_create(*, user, data: dict) -> Customer:
    if not can(user, Ability.CREATE_CUSTOMERS):
        raise PermissionDenied(_("You may not create customers."))
    customer = Customer(**data)
    _check_manager_account(customer)
    _full_clean(customer)
    _check_assignment_in_scope(user=user, customer=customer)
    customer._history_user = user
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, user, data: dict, reason: str = "") -> Customer:
    """Change a customer's record; every change is kept in its history."""
    # Re-read under lock so two editors cannot overwrite each other's fields silently.
    locked = customers_visible_to(user).select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not edit this customer."))
    allowed = customer_editable_fields(user=user, customer=locked)
    changed = {k: v for k, v in data.items() if getattr(locked, _attname(k)) != _raw(v)}
    if allowed is not None:
        refused = sorted(set(changed) - allowed)
        if refused:
            raise BusinessError(
                _("You may not change: %(fields)s.")
                % {"fields": ", ".join(str(Customer._meta.get_field(f).verbose_name)
                                       for f in refused)},
                field=refused[0],
            )
    if "manager" in changed and not can(user, Ability.REASSIGN_STORES):
        raise PermissionDenied(_("Only an administrator may reassign a store."))
    for field, value in data.items():
        setattr(locked, field, value)
    _check_manager_account(locked)
    _full_clean(locked)
    _check_assignment_in_scope(user=user, customer=locked)
    if not changed:
        return locked
    locked._history_user = user
    locked._change_reason = reason
    locked.save()
    if "manager" in changed:
        _warnings_follow_manager(locked)
    return locked


def _warnings_follow_manager(customer: Customer) -> None:
    ChurnWarning.objects.filter(customer=customer, status__in=OPEN_WARNING_STATUSES).update(
        owner_id=customer.manager_id
    )


def _attname(field: str) -> str:
    model_field = Customer._meta.get_field(field)
    return model_field.attname


def _raw(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def customer_reassign(*, customer: Customer, manager: User | None, user,
                      reason: str = "") -> Customer:
    """Hand a store to another manager (admin only); the history keeps who had it before."""
    if not can(user, Ability.REASSIGN_STORES):
        raise PermissionDenied(_("Only an administrator may reassign a store."))
    if manager is not None and not is_manager_account(manager):
        raise BusinessError(_("The assigned user is not a customer manager."), field="manager")
    if manager is not None and not manager.is_active:
        raise BusinessError(_("This manager's account is deactivated; choose an active "
                              "manager."), field="manager")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.manager_id == (manager.pk if manager else None):
        return locked
    locked.manager = manager
    locked._history_user = user
    locked._change_reason = reason or _("Reassigned")
    locked.save()
    _warnings_follow_manager(locked)
    return locked


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Keep the user's choice of language on their account (any device, any session)."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise BusinessError(_("Unknown language."), field="language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


def user_set_role(*, user: User, role: str) -> User:
    """Give a user one role: the field used for scoping and the matching Django group."""
    groups = role_groups_sync()
    user.role = role
    # The Django admin is not scoped by department: it is for administrators only.
    user.is_staff = role_may(role, Ability.USE_ADMIN_SITE)
    user.save(update_fields=["role", "is_staff"])
    user.groups.remove(*[g for name, g in groups.items() if name != group_name(role)])
    user.groups.add(groups[group_name(role)])
    return user


@transaction.atomic
def churn_warning_raise(*, customer: Customer, reason: str, score: int, evidence: dict,
                        as_of) -> tuple[ChurnWarning, bool]:
    """Open a warning for a store and reason, or refresh the open one (never two at once)."""
    warning = (
        ChurnWarning.objects.select_for_update()
        .filter(customer=customer, reason=reason, status__in=OPEN_WARNING_STATUSES)
        .first()
    )
    if warning is not None:
        warning.score = score
        warning.evidence = evidence
        warning.as_of = as_of
        warning.save(update_fields=["score", "evidence", "as_of", "updated_at"])
        return warning, False
    warning = ChurnWarning.objects.create(
        customer=customer, reason=reason, score=score, evidence=evidence, as_of=as_of,
        owner_id=customer.manager_id,
    )
    return warning, True


def churn_warning_resolve_open(*, customer: Customer, reason: str, resolution: str,
                               user=None) -> int:
    """Resolve the open warning of a store for a reason (e.g. the store ordered again)."""
    return ChurnWarning.objects.filter(
        customer=customer, reason=reason, status__in=OPEN_WARNING_STATUSES
    ).update(status=WarningStatus.RESOLVED, resolution=resolution, resolved_at=timezone.now(),
             handled_by=user, updated_at=timezone.now())


def customer_set_open_complaints(*, customer_id: int, count: int) -> None:
    """Kept by the complaints services so order and visit screens can flag the store."""
    Customer.objects.filter(pk=customer_id).update(open_complaint_count=max(count, 0))
