"""Monthly targets (月度目标) per department, territory and manager: reading them in the
user's scope, saving a grid or an imported file (all rows or none), and proposing a split
of a department's target by each manager's share of the same month last year, read from
the sales summary (reports.SalesMonthly).

Scope: an admin reads and edits every department; a supervisor their own department; a
manager reads only their own targets and edits none.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from crm_project.tables import read_table
from customers import access
from customers.access import Ability
from customers.models import Department, Role, Territory, User

from ..forms import parse_month
from ..models import EvaluationClose, SalesMonthly, Target, TargetIndicator
from ..services import add_months

LEVELS = ("department", "territory", "manager")
# Indicators counted in whole units; the others keep two decimals.
WHOLE_INDICATORS = {TargetIndicator.PURCHASE_CARTONS, TargetIndicator.NEW_LISTINGS}
SPLIT_MEASURE = {TargetIndicator.PURCHASE_CARTONS: "cartons",
                 TargetIndicator.PURCHASE_AMOUNT: "amount"}
IMPORT_COLUMNS = ["month", "level", "code", "indicator", "value"]
MAX_VALUE = Decimal("999999999999.99")


@dataclass(frozen=True)
class TargetRow:
    """One target to write: the owner (department, territory or manager), the indicator
    and the value (None removes the target)."""

    level: str
    department: Department
    territory: Territory | None
    manager: User | None
    indicator: str
    value: Decimal | None
    month: date | None = None  # set by an import, where each row names its month

    @property
    def key(self) -> tuple:
        owner = self.manager or self.territory or self.department
        return (self.month, self.level, owner.pk, self.indicator)


# --- reading -------------------------------------------------------------------------


def departments_for(user) -> QuerySet[Department]:
    """The departments whose targets the user may read as a whole (not a manager's)."""
    if access.is_admin(user):
        return Department.objects.all()
    if access.is_supervisor(user) and user.department_id:
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


def targets_visible_to(user) -> QuerySet[Target]:
    if access.is_admin(user):
        return Target.objects.all()
    if access.is_supervisor(user):
        return Target.objects.filter(department_id=user.department_id)
    if access.is_manager(user):
        return Target.objects.filter(manager=user)
    return Target.objects.none()


def target_list(*, user, month: date) -> QuerySet[Target]:
    access.require(user, Ability.SEE_TARGETS)
    return (targets_visible_to(user).filter(month=month)
            .select_related("department", "territory", "manager", "updated_by"))


def department_managers(department: Department) -> list[User]:
    return list(User.objects.filter(department=department, role=Role.MANAGER, is_active=True)
                .order_by("username"))


def target_grid(*, user, month: date, department: Department | None,
                proposal: dict | None = None) -> dict:
    """The grid of one department (rows: the department, its territories, its managers;
    columns: the indicators), or a manager's own row. `proposal` ({(level, id, indicator):
    value}) pre-fills cells with a proposed split, not yet saved."""
    access.require(user, Ability.SEE_TARGETS)
    indicators = list(TargetIndicator)
    if department is None:
        owners = [("manager", user)] if access.is_manager(user) else []
    else:
        owners = ([("department", department)]
                  + [("territory", t) for t in department.territories.order_by("code")]
                  + [("manager", m) for m in department_managers(department)])
    saved = {_key_of(t): t for t in target_list(user=user, month=month)}
    proposal = proposal or {}
    rows = []
    for level, owner in owners:
        cells = []
        for indicator in indicators:
            key = (level, owner.pk, indicator.value)
            target = saved.get(key)
            proposed = proposal.get(key)
            cells.append({"name": f"t-{level}-{owner.pk}-{indicator.value}",
                          "value": proposed if proposed is not None
                          else (target.value if target else None),
                          "proposed": proposed is not None, "target": target})
        rows.append({"level": level, "owner": owner, "cells": cells})
    return {"month": month, "department": department, "indicators": indicators, "rows": rows,
            "editable": department is not None and may_edit(user, department)
            and not month_closed(month)}


def _key_of(target: Target) -> tuple:
    return (target.level, target.manager_id or target.territory_id or target.department_id,
            target.indicator)


def may_edit(user, department: Department) -> bool:
    return access.can(user, Ability.EDIT_TARGETS) and access.oversees_department(
        user, department.pk)


def month_closed(month: date) -> bool:
    return EvaluationClose.objects.filter(month=month).exists()


def target_for(*, month: date, manager: User, indicator: str) -> Decimal | None:
    return (Target.objects.filter(month=month, manager=manager, indicator=indicator)
            .values_list("value", flat=True).first())


# --- the proposed split --------------------------------------------------------------


def split_proposal(*, user, month: date, department: Department, indicator: str,
                   total: Decimal | None = None) -> dict:
    """The department's target (saved, or `total`) split over its territories and its
    managers by their shares of the same month last year in the sales summary (equal
    shares when there were no sales, and for indicators other than purchases). The
    shares are rounded so that they add up exactly to the department's target."""
    if not may_edit(user, department):
        raise PermissionDenied(_("You may not set this department's targets."))
    if indicator not in TargetIndicator.values:
        raise BusinessError(_("Unknown indicator “%(value)s”.") % {"value": indicator},
                            field="indicator")
    if total is None:
        total = (Target.objects.filter(month=month, indicator=indicator, department=department,
                                       territory=None, manager=None)
                 .values_list("value", flat=True).first())
    if total is None:
        raise BusinessError(_("Enter the department's target for this indicator first."),
                            field="indicator")
    places = Decimal("1") if indicator in WHOLE_INDICATORS else Decimal("0.01")
    territories = list(department.territories.order_by("code"))
    managers = department_managers(department)
    last_year = _last_year_sales(month=month, department=department,
                                 measure=SPLIT_MEASURE.get(indicator))
    proposal = {}
    for level, owners in (("territory", territories), ("manager", managers)):
        weights = {o.pk: last_year[level].get(o.pk, Decimal(0)) for o in owners}
        for pk, value in _apportion(total, weights, places).items():
            proposal[(level, pk, indicator)] = value
    return proposal


def _last_year_sales(*, month: date, department: Department, measure: str | None) -> dict:
    shares = {"territory": {}, "manager": {}}
    if measure is None:
        return shares
    rows = SalesMonthly.objects.filter(month=add_months(month, -12), department=department)
    for level in ("territory", "manager"):
        for row in rows.values(level).annotate(total=Sum(measure)):
            if row[level] is not None:
                shares[level][row[level]] = Decimal(row["total"] or 0)
    return shares


def _apportion(total: Decimal, weights: dict, places: Decimal) -> dict:
    """Largest remainder: every share rounded down to `places`, then the units left over
    go to the largest remainders, so the parts add up to `total`."""
    if not weights:
        return {}
    whole = sum(weights.values())
    if whole <= 0:
        weights = {pk: Decimal(1) for pk in weights}
        whole = Decimal(len(weights))
    exact = {pk: total * w / whole for pk, w in weights.items()}
    floored = {pk: (v / places).to_integral_value(rounding="ROUND_FLOOR") * places
               for pk, v in exact.items()}
    left = int(((total - sum(floored.values())) / places).to_integral_value(ROUND_HALF_UP))
    for pk in sorted(exact, key=lambda pk: (floored[pk] - exact[pk], pk))[:max(left, 0)]:
        floored[pk] += places
    return floored


# --- writing -------------------------------------------------------------------------


def parse_value(raw, *, label: str) -> Decimal | None:
    """A target's value from text: empty is None (no target); otherwise a number >= 0."""
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise BusinessError(_("%(label)s: “%(value)s” is not a number.")
                            % {"label": label, "value": raw})
    if value < 0:
        raise BusinessError(_("%(label)s: a target cannot be negative.") % {"label": label})
    if value > MAX_VALUE:
        raise BusinessError(_("%(label)s: the number is too large.") % {"label": label})
    return value.quantize(Decimal("0.01"))


def resolve_row(*, user, level: str, owner_id=None, code: str | None = None,
                indicator: str, raw_value, label: str) -> TargetRow:
    """Check one row of a grid, API body or file; raise BusinessError naming it."""
    if indicator not in TargetIndicator.values:
        raise BusinessError(_("%(label)s: unknown indicator “%(value)s”.")
                            % {"label": label, "value": indicator})
    if level not in LEVELS:
        raise BusinessError(_("%(label)s: unknown level “%(value)s”; use department, "
                              "territory or manager.") % {"label": label, "value": level})
    department = territory = manager = None
    lookup = {"pk": owner_id} if code is None else None
    try:
        if level == "department":
            department = Department.objects.get(**(lookup or {"code": code}))
        elif level == "territory":
            territory = Territory.objects.select_related("department").get(
                **(lookup or {"code": code}))
            department = territory.department
        else:
            manager = User.objects.select_related("department").get(
                **(lookup or {"username": code}))
            if not access.is_manager_account(manager) or manager.department is None:
                raise User.DoesNotExist
            department = manager.department
    except (Department.DoesNotExist, Territory.DoesNotExist, User.DoesNotExist, ValueError,
            TypeError):
        messages = {"department": _("%(label)s: unknown department “%(value)s”."),
                    "territory": _("%(label)s: unknown territory “%(value)s”."),
                    "manager": _("%(label)s: unknown customer manager “%(value)s”.")}
        raise BusinessError(messages[level] % {"label": label,
                               "value": code if code is not None else owner_id}) from None
    if not may_edit(user, department):
        raise BusinessError(_("%(label)s: %(owner)s is not in a department you may set "
                              "targets for.") % {"label": label,
                                                 "owner": manager or territory or department})
    return TargetRow(level=level, department=department, territory=territory,
                     manager=manager, indicator=indicator,
                     value=parse_value(raw_value, label=label))


def _check_all(rows_or_errors: list) -> list[TargetRow]:
    errors = [item for item in rows_or_errors if isinstance(item, str)]
    rows = [item for item in rows_or_errors if not isinstance(item, str)]
    seen = {}
    for row in rows:
        if row.key in seen:
            errors.append(_("%(owner)s, %(indicator)s: given twice.") % {
                "owner": row.manager or row.territory or row.department,
                "indicator": TargetIndicator(row.indicator).label})
        seen[row.key] = row
    if errors:
        raise BusinessError(_("Nothing was saved: %(count)d problem(s). %(first)s")
                            % {"count": len(errors), "first": errors[0]}, errors=errors)
    return rows


def collect(items, resolve) -> list[TargetRow]:
    """Resolve every item, gathering every problem, then refuse all if any."""
    results = []
    for index, item in enumerate(items, start=1):
        try:
            results.append(resolve(index, item))
        except BusinessError as error:
            results.append(str(error.message))
    return _check_all(results)


@transaction.atomic
def targets_save(*, user, month: date, rows: list[TargetRow]) -> int:
    """Write the rows (a value of None removes that target), all or none; returns how many
    targets changed. Every change is kept in the history with the user."""
    access.require(user, Ability.EDIT_TARGETS, _("Your role may not set targets."))
    if month.day != 1:
        raise BusinessError(_("A target is for a whole month."), field="month")
    if month_closed(month):
        raise BusinessError(_("%(month)s is closed: its targets can no longer change.")
                            % {"month": f"{month:%Y-%m}"}, field="month")
    changed = 0
    for row in rows:
        match = Target.objects.select_for_update().filter(
            month=month, indicator=row.indicator, department=row.department,
            territory=row.territory, manager=row.manager).order_by("pk").first()
        if row.value is None:
            if match:
                match._history_user = user
                match.delete()
                changed += 1
            continue
        if match and match.value == row.value:
            continue
        target = match or Target(month=month, indicator=row.indicator,
                                 department=row.department, territory=row.territory,
                                 manager=row.manager)
        target.value = row.value
        target.updated_by = user
        target._history_user = user
        target.full_clean()
        target.save()
        changed += 1
    return changed


def grid_rows(*, user, data) -> list[TargetRow]:
    """The cells `t-<level>-<id>-<indicator>` posted from the grid page."""
    items = []
    for name, raw in data.items():
        parts = name.split("-", 3)
        if len(parts) == 4 and parts[0] == "t":
            items.append((parts[1], parts[2], parts[3], raw))

    def resolve(index, item):
        level, owner_id, indicator, raw = item
        return resolve_row(user=user, level=level, owner_id=owner_id, indicator=indicator,
                           raw_value=raw, label=_("Cell %(number)d") % {"number": index})

    return collect(items, resolve)


def targets_import(*, user, month: date | None, source, filename: str) -> int:
    """Import a CSV or Excel file of targets (columns month, level, code, indicator, value;
    code is the department or territory code or the manager's username). A month column
    left empty takes `month`. All rows or none."""
    access.require(user, Ability.EDIT_TARGETS, _("Your role may not set targets."))
    frame = read_table(source, filename=filename, columns=IMPORT_COLUMNS,
                       required=["level", "code", "indicator", "value"])

    def resolve(index, record):
        label = _("Row %(number)d") % {"number": index + 1}  # the header is row 1
        try:
            row_month = parse_month(record["month"], name="month", default=month)
        except BusinessError as error:
            raise BusinessError(f"{label}: {error.message}") from None
        if row_month is None:
            raise BusinessError(_("%(label)s: no month.") % {"label": label})
        if str(record["value"]).strip() == "":
            raise BusinessError(_("%(label)s: no value.") % {"label": label})
        row = resolve_row(user=user, level=record["level"].lower(), code=record["code"],
                          indicator=record["indicator"], raw_value=record["value"],
                          label=label)
        return replace(row, month=row_month)

    records = frame.to_dict("records")
    if not records:
        raise BusinessError(_("The file has no rows."), field="file")
    by_month = defaultdict(list)
    for row in collect(records, resolve):
        by_month[row.month].append(row)
    with transaction.atomic():
        return sum(targets_save(user=user, month=month, rows=rows)
                   for month, rows in sorted(by_month.items()))


def api_rows(*, user, items: list) -> list[TargetRow]:
    """The `targets` list of a PUT: level, department / territory / manager id,
    indicator, value."""
    if not isinstance(items, list):
        raise BusinessError(_("Send a list of targets."), field="targets")

    def resolve(index, item):
        label = _("Target %(number)d") % {"number": index}
        if not isinstance(item, dict):
            raise BusinessError(_("%(label)s: not an object.") % {"label": label})
        level = str(item.get("level", ""))
        return resolve_row(user=user, level=level, owner_id=item.get(level),
                           indicator=str(item.get("indicator", "")),
                           raw_value=item.get("value"), label=label)

    return collect(items, resolve)
