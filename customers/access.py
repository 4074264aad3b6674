"""Who is asking, and what may they do: the one place that reads a user's role.

Two questions, two homes:
- *which rows* a user may see is `customers.selectors.customers_visible_to` (and the
  selectors built on it);
- *which kinds of action* a role may take at all, and whether one person oversees another
  or a department, is here. Views, services, templates (through the `can` context
  variable) and the Django admin ask this module; nothing else compares role strings.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Role


class Ability(StrEnum):
    """Coarse abilities by role. Row-level checks (this store, this department) come on
    top, from the selectors and from `oversees` below."""

    CREATE_CUSTOMERS = "create_customers"
    EDIT_ANY_FIELD = "edit_any_field"  # identity and assignment fields too
    WORK_CHURN_WARNINGS = "work_churn_warnings"
    TAKE_ORDERS = "take_orders"
    MANAGE_SUPPLY = "manage_supply"
    SEE_CLERK_FIGURES = "see_clerk_figures"
    IMPORT_DATA = "import_data"
    LOG_VISITS = "log_visits"  # a manager logs visits to their own stores
    PLAN_OWN_VISITS = "plan_own_visits"
    PLAN_OTHERS_VISITS = "plan_others_visits"  # a supervisor for their managers
    SEE_VISIT_STATS = "see_visit_stats"
    WORK_OWN_COMPLAINTS = "work_own_complaints"
    OVERSEE_COMPLAINTS = "oversee_complaints"  # department queue, approvals, figures
    HANDLE_COMPLAINTS = "handle_complaints"  # may be given complaints to handle
    LEAD_DEPARTMENT = "lead_department"  # heads their department: its overdue notices
    EDIT_SETTINGS = "edit_settings"  # grading and churn rules
    RUN_JOBS = "run_jobs"
    REASSIGN_STORES = "reassign_stores"  # hand a store to another manager
    EDIT_CATALOG = "edit_catalog"
    SET_SUPPLY = "set_supply"  # a cycle's supply and the stores' quotas
    SEE_ALLOCATIONS = "see_allocations"  # the tier allocation tables of scarce SKUs
    USE_ADMIN_SITE = "use_admin_site"  # the Django admin (not scoped by department)
    WRITE_BRIEFING = "write_briefing"  # the order desk's briefing notes of a cycle
    SEE_TARGETS = "see_targets"  # monthly targets: own (manager), department, all
    EDIT_TARGETS = "edit_targets"  # a supervisor for their department, an admin for all
    HAVE_SCORECARD = "have_scorecard"  # evaluated every month (考核)
    SEE_SCORECARDS = "see_scorecards"  # others' scorecards: department ranking or all
    EDIT_SCORECARD_RULES = "edit_scorecard_rules"
    RECLOSE_EVALUATION = "reclose_evaluation"  # re-run the close of a closed month
    CONFIRM_KEY_ACCOUNTS = "confirm_key_accounts"  # a supervisor for their department
    VISIT_KEY_ACCOUNTS = "visit_key_accounts"  # the quarterly supervisor visit (大客户走访)
    DEFINE_SURVEYS = "define_surveys"  # satisfaction surveys and their samples
    ANSWER_SURVEYS = "answer_surveys"  # ask a sampled store (clerk by phone, manager at a visit)
    SEE_SURVEY_RESULTS = "see_survey_results"  # own stores, department or all
    ANSWER_CALLBACKS = "answer_callbacks"  # service call-backs (回访) on the clerk's list


_ALL = frozenset(Role)

ABILITIES: dict[Ability, frozenset[str]] = {
    Ability.CREATE_CUSTOMERS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.EDIT_ANY_FIELD: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.WORK_CHURN_WARNINGS: frozenset({Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    Ability.TAKE_ORDERS: frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN}),
    Ability.MANAGE_SUPPLY: frozenset({Role.CLERK, Role.ADMIN}),
    Ability.SEE_CLERK_FIGURES: frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN}),
    Ability.IMPORT_DATA: frozenset({Role.ADMIN}),
    Ability.LOG_VISITS: frozenset({Role.MANAGER}),
    Ability.PLAN_OWN_VISITS: frozenset({Role.MANAGER}),
    Ability.PLAN_OTHERS_VISITS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.SEE_VISIT_STATS: frozenset({Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    Ability.WORK_OWN_COMPLAINTS: frozenset({Role.MANAGER, Role.CLERK}),
    Ability.OVERSEE_COMPLAINTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.HANDLE_COMPLAINTS: frozenset({Role.MANAGER, Role.CLERK, Role.SUPERVISOR}),
    Ability.LEAD_DEPARTMENT: frozenset({Role.SUPERVISOR}),
    Ability.EDIT_SETTINGS: frozenset({Role.ADMIN}),
    Ability.RUN_JOBS: frozenset({Role.ADMIN}),
    Ability.REASSIGN_STORES: frozenset({Role.ADMIN}),
    Ability.EDIT_CATALOG: frozenset({Role.ADMIN}),
    Ability.SET_SUPPLY: frozenset({Role.ADMIN}),
    Ability.SEE_ALLOCATIONS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.USE_ADMIN_SITE: frozenset({Role.ADMIN}),
    Ability.WRITE_BRIEFING: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.SEE_TARGETS: frozenset({Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    Ability.EDIT_TARGETS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.CONFIRM_KEY_ACCOUNTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.VISIT_KEY_ACCOUNTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.DEFINE_SURVEYS: frozenset({Role.ADMIN}),
    Ability.ANSWER_SURVEYS: frozenset({Role.CLERK, Role.MANAGER}),
    Ability.SEE_SURVEY_RESULTS: frozenset({Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    Ability.ANSWER_CALLBACKS: frozenset({Role.CLERK, Role.ADMIN}),
    Ability.HAVE_SCORECARD: frozenset({Role.MANAGER, Role.CLERK}),
    Ability.SEE_SCORECARDS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Ability.EDIT_SCORECARD_RULES: frozenset({Role.ADMIN}),
    Ability.RECLOSE_EVALUATION: frozenset({Role.ADMIN}),
}
assert set(ABILITIES) == set(Ability), "every ability needs its roles"
assert all(roles <= _ALL for roles in ABILITIES.values())


def role_of(user) -> str | None:
    """The user's role; a superuser counts as an admin; anonymous or inactive: None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return user.role if user.role in Role.values else None


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def is_supervisor(user) -> bool:
    return role_of(user) == Role.SUPERVISOR


def is_manager(user) -> bool:
    return role_of(user) == Role.MANAGER


def is_clerk(user) -> bool:
    return role_of(user) == Role.CLERK


def is_manager_account(other) -> bool:
    """The account holds the customer-manager role, active or not: a store keeps its
    manager after the account is deactivated, and assigning checks the account's role."""
    return getattr(other, "role", None) == Role.MANAGER


def role_may(role: str | None, ability: Ability | str) -> bool:
    """The table itself, for a role that is not (yet) a signed-in user's."""
    return role is not None and role in ABILITIES[Ability(ability)]


def can(user, ability: Ability | str) -> bool:
    return role_may(role_of(user), ability)


def roles_with(ability: Ability | str) -> list[str]:
    """The role values that have an ability, for queries over users (`role__in=`)."""
    return sorted(ABILITIES[Ability(ability)])


def require(user, ability: Ability | str, message: str | None = None) -> None:
    """Raise PermissionDenied (403 on pages and API) unless the user's role may do this."""
    if not can(user, ability):
        raise PermissionDenied(message or _("Your role may not do this."))


def oversees_department(user, department_id: int | None) -> bool:
    """An admin oversees every department; a supervisor their own."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    return (role == Role.SUPERVISOR and department_id is not None
            and user.department_id == department_id)


def oversees(user, other) -> bool:
    """True when `user` may act for `other`: themselves, or as their admin or supervisor."""
    if other is None:
        return False
    if role_of(user) is not None and user.pk == other.pk:
        return True
    return oversees_department(user, other.department_id)


def abilities_of(user) -> dict[str, bool]:
    """Every ability as a flag, for templates: `{% if can.take_orders %}`."""
    role = role_of(user)
    flags = {ability.value: role is not None and role in roles
             for ability, roles in ABILITIES.items()}
    flags.update(role=role or "", admin=role == Role.ADMIN)
    return flags


def abilities(request) -> dict:
    """Context processor: `can` in every template."""
    return {"can": abilities_of(getattr(request, "user", None))}
