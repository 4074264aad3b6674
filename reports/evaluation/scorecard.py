"""The monthly scorecard (百分考核) of every customer manager and order clerk: each
indicator measured set-wise for everyone at once (one grouped query per indicator), scored
by the role's rules, and frozen by the monthly close.

Whose stores: purchases and 条均价 come from the sales summary, filed under whoever held
each store at the month's end. The other store indicators (grade changes, lost stores,
records reviewed) count the stores the manager holds when the scorecard is computed; the
close runs on the 1st, so that too is the holder at the month's end. Visits, calls,
complaints and churn warnings count for the person who made, took, handled or owned them.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.surveys import callback_scores
from crm_project.errors import BusinessError
from customers import access
from customers.access import Ability
from customers.models import (
    ChurnWarning,
    Customer,
    CustomerStatus,
    GradeChange,
    Role,
    User,
    WarningStatus,
)
from phone_orders.models import CallOutcome, CallRecord, OrderLine
from visits.models import PlannedVisit, StopStatus, Visit

from ..models import EvaluatedRole, EvaluationClose, SalesMonthly, ScorecardLine, Target
from ..services import add_months
from .rules import HUNDRED, PERSON_TARGETS, indicator_label, points, rules_for

LOCK_KEY = 4_401_111  # one close at a time
REVIEW_DAYS = 90


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (datetime.combine(month, time.min, zone),
            datetime.combine(add_months(month, 1), time.min, zone))


def _percent(part, whole) -> Decimal | None:
    return None if not whole else (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.0001"))


def _pairs(rows, key: str, part: str, whole: str) -> dict:
    return {row[key]: _percent(row[part], row[whole]) for row in rows}


# --- measures: {user id: value} for everyone at once ---------------------------------


def _only(ids, field: str) -> Q:
    """Everyone (`ids` None: the close), or the people asked for (a page)."""
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def _manager_measures(month: date, ids=None) -> dict[str, dict]:
    start, end = _bounds(month)
    after = add_months(month, 1)
    sales = SalesMonthly.objects.filter(_only(ids, "manager"), month=month,
                                        manager__isnull=False).values(
        "manager").annotate(amount=Sum("amount"), cartons=Sum("cartons"))
    last_year = {row["manager"]: row for row in SalesMonthly.objects.filter(
        _only(ids, "manager"), month=add_months(month, -12), manager__isnull=False).values(
        "manager").annotate(amount=Sum("amount"), cartons=Sum("cartons"))}
    price_change = {}
    for row in sales:
        before = last_year.get(row["manager"])
        if row["cartons"] and before and before["cartons"] and before["amount"]:
            now_price = row["amount"] / row["cartons"]
            then_price = before["amount"] / before["cartons"]
            price_change[row["manager"]] = ((now_price / then_price - 1) * HUNDRED).quantize(
                Decimal("0.0001"))
    changes = GradeChange.objects.filter(_only(ids, "customer__manager"), month=month,
                                         customer__manager__isnull=False).values(
        "customer__manager").annotate(
        up=Count("id", filter=Q(new_grade__lt=F("old_grade"))),
        down=Count("id", filter=Q(new_grade__gt=F("old_grade"))))
    warnings = ChurnWarning.objects.filter(_only(ids, "owner"), as_of__gte=month,
                                           as_of__lt=after,
                                           owner__isnull=False).values("owner").annotate(
        handled=Count("id", filter=~Q(status=WarningStatus.OPEN)), total=Count("id"))
    closed = Customer.history.filter(_only(ids, "manager"), status=CustomerStatus.CLOSED,
                                     history_date__gte=start, history_date__lt=end,
                                     manager__isnull=False).values(
        "manager").annotate(lost=Count("id", distinct=True))
    planned = PlannedVisit.objects.filter(_only(ids, "manager"), date__gte=month,
                                          date__lt=after).values(
        "manager").annotate(done=Count("id", filter=Q(status=StopStatus.DONE)),
                            total=Count("id"))
    working = settings.CRM_VISIT_PLANNER["working_minutes"]
    visit_time = Visit.objects.filter(_only(ids, "manager"), date__gte=month, date__lt=after,
                                      finished_at__isnull=False).values("manager").annotate(
        seconds=Sum(F("finished_at") - F("started_at")), days=Count("date", distinct=True))
    replies = Complaint.objects.filter(_only(ids, "handler"), received_at__gte=start,
                                       received_at__lt=end,
                                       handler__isnull=False).values("handler").annotate(
        on_time=Count("id", filter=Q(acknowledged_at__lte=F("first_reply_due"))),
        total=Count("id"))
    callbacks = Complaint.objects.filter(_only(ids, "handler"), closed_at__gte=start,
                                         closed_at__lt=end,
                                         handler__isnull=False,
                                         satisfaction__isnull=False).values("handler").annotate(
        satisfied=Count("id", filter=Q(satisfaction__gte=4)), total=Count("id"))
    reviewed = Customer.history.filter(id=OuterRef("pk"), history_user__isnull=False,
                                       history_date__gt=end - timedelta(days=REVIEW_DAYS),
                                       history_date__lt=end)
    records = Customer.objects.filter(_only(ids, "manager"), status=CustomerStatus.ACTIVE,
                                      manager__isnull=False).values("manager").annotate(
        reviewed=Count("id", filter=Exists(reviewed)), total=Count("id"))
    return {
        "purchases_vs_target": {row["manager"]: row["amount"] for row in sales},
        "average_price_change": price_change,
        "grade_net_upgrades": {row["customer__manager"]: Decimal(row["up"] - row["down"])
                               for row in changes},
        "churn_handled": _pairs(warnings, "owner", "handled", "total"),
        "stores_lost": {row["manager"]: Decimal(row["lost"]) for row in closed},
        "visit_completion": _pairs(planned, "manager", "done", "total"),
        "customer_time_ratio": {row["manager"]: _percent(
            row["seconds"].total_seconds() / 60, row["days"] * working)
            for row in visit_time},
        "complaint_reply_on_time": _pairs(replies, "handler", "on_time", "total"),
        "callback_satisfaction": _pairs(callbacks, "handler", "satisfied", "total"),
        "records_reviewed": _pairs(records, "manager", "reviewed", "total"),
        "service_callback_attitude": _attitudes(month, ids),
    }


def _attitudes(month: date, ids=None) -> dict:
    """Mean attitude (1-5) the stores gave at the service call-backs (回访) answered in the
    month about the visits or orders the person served."""
    return {row["served_by"]: Decimal(str(row["score"])).quantize(Decimal("0.0001"))
            for row in callback_scores(users=ids, start=month, end=add_months(month, 1))}


def _manager_defaults() -> dict[str, Decimal | None]:
    """The value of a manager with no row in a measure: none where nothing was to be
    measured, zero where an absence is itself the result."""
    return {"purchases_vs_target": Decimal(0), "grade_net_upgrades": Decimal(0),
            "stores_lost": Decimal(0)}


def _clerk_measures(month: date, ids=None) -> dict[str, dict]:
    start, end = _bounds(month)
    after = add_months(month, 1)
    calls = CallRecord.objects.filter(_only(ids, "clerk"), call_date__gte=month,
                                      call_date__lt=after).values(
        "clerk").annotate(
        calls=Count("id"), stores=Count("customer", distinct=True),
        ordered=Count("customer", distinct=True, filter=Q(outcome=CallOutcome.ORDERED)),
        seconds=Avg("duration_seconds"))
    unmet = OrderLine.objects.filter(_only(ids, "order__taken_by"), order__order_date__gte=month,
                                     order__order_date__lt=after,
                                     order__taken_by__isnull=False).exclude(
        unmet_reason="").values("order__taken_by").annotate(lines=Count("id"))
    complaints = Complaint.objects.filter(_only(ids, "order__taken_by"), received_at__gte=start,
                                          received_at__lt=end,
                                          order__taken_by__isnull=False).values(
        "order__taken_by").annotate(total=Count("id"))
    return {
        "calls_completed": {row["clerk"]: Decimal(row["calls"]) for row in calls},
        "ordered_share": _pairs(calls, "clerk", "ordered", "stores"),
        "average_call_seconds": {row["clerk"]: Decimal(row["seconds"]).quantize(
            Decimal("0.0001")) for row in calls},
        "unmet_demand_recorded": {row["order__taken_by"]: Decimal(row["lines"])
                                  for row in unmet},
        "complaints_from_calls": {row["order__taken_by"]: Decimal(row["total"])
                                  for row in complaints},
        "service_callback_attitude": _attitudes(month, ids),
    }


def _clerk_defaults() -> dict[str, Decimal | None]:
    return {"calls_completed": Decimal(0), "unmet_demand_recorded": Decimal(0),
            "complaints_from_calls": Decimal(0)}


# --- scoring -------------------------------------------------------------------------


def evaluated_people(role: str, user_ids=None):
    people = User.objects.filter(role=Role.MANAGER if role == EvaluatedRole.MANAGER
                                 else Role.CLERK, is_active=True)
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    return people.order_by("username")


def compute(*, month: date, role: str, user_ids=None) -> list[dict]:
    """Every evaluated person's scorecard of the month: one dict per person with
    `user`, `role`, `department_id`, `total` and `lines` (code, label, value, target,
    weight, points, position)."""
    rules = rules_for(role)
    if role == EvaluatedRole.MANAGER:
        measures, defaults = _manager_measures(month, user_ids), _manager_defaults()
    else:
        measures, defaults = _clerk_measures(month, user_ids), _clerk_defaults()
    person_targets = {}
    for code, indicator in PERSON_TARGETS.items():
        person_targets[code] = dict(Target.objects.filter(
            month=month, indicator=indicator, manager__isnull=False).values_list(
            "manager", "value"))
    cards = []
    for person in evaluated_people(role, user_ids):
        lines = []
        for rule in rules:
            value = measures.get(rule.code, {}).get(person.pk, defaults.get(rule.code))
            target = person_targets.get(rule.code, {}).get(person.pk, rule.target)
            lines.append({
                "code": rule.code, "label": indicator_label(role, rule.code),
                "position": rule.position, "value": value, "target": target,
                "band_low": rule.band_low, "band_high": rule.band_high,
                "weight": rule.weight, "formula": rule.formula,
                "points": points(weight=rule.weight, formula=rule.formula, value=value,
                                 target=target, band_low=rule.band_low,
                                 band_high=rule.band_high)})
        cards.append({"user": person, "role": role, "department_id": person.department_id,
                      "total": sum((line["points"] for line in lines), Decimal(0)),
                      "lines": lines})
    return cards


# --- the monthly close ---------------------------------------------------------------


def month_to_close(today: date) -> date:
    return add_months(today.replace(day=1), -1)


def closed_version(month: date) -> int | None:
    return (EvaluationClose.objects.filter(month=month).order_by("-version")
            .values_list("version", flat=True).first())


@transaction.atomic
def evaluation_close(*, month: date, user=None, reclose: bool = False) -> dict:
    """Compute and freeze every manager's and clerk's scorecard of `month`. A closed month
    is left as it is (a re-run changes nothing) unless an admin asks to close it again:
    that adds a version and keeps the earlier ones."""
    if month.day != 1:
        raise BusinessError(_("A month is closed as a whole."), field="month")
    if month >= timezone.localdate().replace(day=1):
        raise BusinessError(_("Only a month that has ended can be closed."), field="month")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    previous = closed_version(month)
    if previous is not None and not reclose:
        return {"month": month, "version": previous, "created": False, "people": 0}
    if previous is not None and user is not None:
        access.require(user, Ability.RECLOSE_EVALUATION,
                       _("Only an administrator may close a closed month again."))
    version = (previous or 0) + 1
    lines = []
    people = 0
    for role in EvaluatedRole.values:
        for card in compute(month=month, role=role):
            people += 1
            lines.extend(ScorecardLine(
                month=month, version=version, user=card["user"], role=role,
                department_id=card["department_id"], code=line["code"],
                position=line["position"], value=line["value"], target=line["target"],
                weight=line["weight"], points=line["points"]) for line in card["lines"])
    ScorecardLine.objects.bulk_create(lines, batch_size=5000)
    EvaluationClose.objects.create(month=month, version=version, closed_by=user)
    return {"month": month, "version": version, "created": True, "people": people}


# --- reading, scoped -----------------------------------------------------------------


def evaluated_visible_to(user, role: str | None = None):
    """The people whose scorecards the user may read: themselves (manager, clerk), their
    department's managers and clerks (supervisor), everyone (admin)."""
    people = User.objects.filter(role__in=[Role.MANAGER, Role.CLERK])
    if role:
        people = people.filter(role=role)
    if access.is_admin(user):
        return people
    if access.is_supervisor(user):
        return people.filter(department_id=user.department_id)
    if access.can(user, Ability.HAVE_SCORECARD):
        return people.filter(pk=user.pk)
    return people.none()


def scorecards(*, user, month: date, role: str, user_ids=None) -> dict:
    """The month's scorecards of the people the user may read, ranked: frozen when the
    month is closed (its latest version), live and provisional otherwise."""
    visible = evaluated_visible_to(user, role)
    if user_ids is not None:
        visible = visible.filter(pk__in=user_ids)
    ids = set(visible.values_list("pk", flat=True))
    version = closed_version(month)
    if version is None:
        cards = compute(month=month, role=role, user_ids=ids)
    else:
        cards = _frozen(month=month, version=version, role=role, user_ids=ids)
    cards.sort(key=lambda card: (-card["total"], card["user"].username))
    for rank, card in enumerate(cards, start=1):
        card["rank"] = rank
    return {"month": month, "role": role, "version": version, "provisional": version is None,
            "cards": cards}


def _frozen(*, month, version, role, user_ids) -> list[dict]:
    cards = {}
    rows = (ScorecardLine.objects.filter(month=month, version=version, role=role,
                                         user_id__in=user_ids)
            .select_related("user").order_by("user_id", "position"))
    for row in rows:
        card = cards.setdefault(row.user_id, {"user": row.user, "role": role,
                                              "department_id": row.department_id,
                                              "total": Decimal(0), "lines": []})
        card["lines"].append({"code": row.code, "label": indicator_label(role, row.code),
                              "position": row.position, "value": row.value,
                              "target": row.target, "weight": row.weight,
                              "points": row.points})
        card["total"] += row.points
    return list(cards.values())


def trend(*, user, person: User, last: date, months: int = 12) -> list[dict]:
    """A person's total over the last `months` closed months (latest versions)."""
    if not evaluated_visible_to(user).filter(pk=person.pk).exists():
        return []
    first = add_months(last, 1 - months)
    latest = {}
    for month, version in EvaluationClose.objects.filter(
            month__gte=first, month__lte=last).values_list("month", "version"):
        latest[month] = max(version, latest.get(month, 0))
    totals = {}
    for row in ScorecardLine.objects.filter(user=person, month__gte=first,
                                            month__lte=last).values(
            "month", "version").annotate(total=Sum("points")):
        if latest.get(row["month"]) == row["version"]:
            totals[row["month"]] = row["total"]
    return [{"month": add_months(first, i), "total": totals.get(add_months(first, i))}
            for i in range(months)]
