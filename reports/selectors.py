"""Every figure the reports show, each scoped to what the user may see."""

import calendar
import dataclasses
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.selectors import OVERDUE, complaints_visible_to
from customers import access
from customers.grading.selectors import grade_changes_visible_to
from customers.models import (
    OPEN_WARNING_STATUSES,
    BusinessFormat,
    ChurnWarning,
    Customer,
    CustomerStatus,
    Department,
    Grade,
    GradeChange,
    GradeSnapshot,
    MonthlyPurchase,
    Network,
    Territory,
    User,
)
from customers.selectors import (
    customers_visible_to,
    managers_visible_to,
    of_visible_customers,
    territories_visible_to,
)
from phone_orders.models import (
    CallOutcome,
    CallRecord,
    CycleSupply,
    OrderLine,
    OrderStatus,
    PriceBand,
    Product,
)
from phone_orders.selectors import call_list_sizes, clerks_visible_to
from phone_orders.services import cycle_start_for
from visits.selectors import visits_by_manager_on

from .forms import SALES_CODE_FILTERS, SALES_FILTERS, SALES_GROUPS, STORE_GROUP, SalesQuery
from .models import RollupLevel, SalesDaily, SalesMonthly, SalesRollup
from .services import add_months

CENT = Decimal("0.01")


def _month_start(day: date, back: int = 0) -> date:
    month_index = day.year * 12 + day.month - 1 - back
    return date(month_index // 12, month_index % 12 + 1, 1)


def _store_counts(*, user, today: date) -> dict:
    return customers_visible_to(user).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=CustomerStatus.ACTIVE)),
        grade_a=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="A")),
        grade_b=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="B")),
        grade_c=Count("pk", filter=Q(status=CustomerStatus.ACTIVE, grade="C")),
        with_complaints=Count("pk", filter=Q(open_complaint_count__gt=0)),
        ordering_today=Count("pk", filter=Q(status=CustomerStatus.ACTIVE,
                                            order_weekday=today.isoweekday())),
    )


def store_counts(*, user, today: date) -> dict:
    """The home page's counts of the user's stores (total, active, by grade, with open
    complaints, ordering today). A department's or the company's are counted at most once
    every CRM_HOME_COUNTS_SECONDS (settings; 0: always) and kept in the cache with the time
    they were counted (`counted_at`): at a million stores they read the whole customers
    table, 0.4 s on every home page. A manager's or clerk's are always counted afresh
    (`counted_at` None)."""
    seconds = settings.CRM_HOME_COUNTS_SECONDS
    if not seconds or not (access.is_admin(user) or access.is_supervisor(user)):
        return {**_store_counts(user=user, today=today), "counted_at": None}
    scope = "all" if access.is_admin(user) else f"department-{user.department_id}"
    key = f"reports:store-counts:{scope}:{today.isoformat()}"
    counts = cache.get(key)
    if counts is None:
        counts = {**_store_counts(user=user, today=today), "counted_at": timezone.now()}
        cache.set(key, counts, seconds)
    return counts


def home_figures(*, user, today: date) -> dict:
    """The home page's counts of the user's stores and their purchases of the last six
    months."""
    counts = store_counts(user=user, today=today)
    last_month = _month_start(today, 1)
    months = [_month_start(today, back) for back in range(6, 0, -1)]
    # The last six complete months from the sales summary (the rollup above a manager),
    # each month filed under whoever held the store then, as on the sales pages.
    trend = SalesQuery("month", months[0], months[-1])
    by_month = {row["key"]: row for row in sales_rows(user=user, query=trend)}
    series = [{"month": m, "amount": by_month.get(m, {}).get("amount") or 0,
               "cartons": by_month.get(m, {}).get("cartons") or 0} for m in months]
    peak = max((row["amount"] for row in series), default=0) or 1
    for row in series:
        row["percent"] = round(100 * row["amount"] / peak)
    warnings = of_visible_customers(
        ChurnWarning.objects.filter(status__in=OPEN_WARNING_STATUSES), user)
    return {
        **counts,
        "open_warnings": warnings.count(),
        "last_month": last_month,
        "last_month_amount": by_month.get(last_month, {}).get("amount") or 0,
        "series": series,
    }


# --- Sales, from the monthly summary ---------------------------------------------------

def _scoped_by_owner(rows: QuerySet, user, *, managers: bool = True) -> QuerySet:
    """Summary rows scoped by the owner filed on each month (not by today's owner): a
    manager sees the months they held, a clerk their territories' months, a supervisor
    the department's, an admin all."""
    if access.is_admin(user):
        return rows
    if access.is_supervisor(user):
        return rows.filter(department_id=user.department_id) if user.department_id \
            else rows.none()
    if access.is_manager(user) and managers:
        return rows.filter(manager_id=user.pk)
    if access.is_clerk(user):
        return rows.filter(territory_id__in=user.territories.values("pk"))
    return rows.none()


def sales_visible_to(user) -> QuerySet[SalesMonthly]:
    return _scoped_by_owner(SalesMonthly.objects.all(), user)


_GROUP_COLUMN = {"month": "month", "department": "department_id",
                 "territory": "territory_id", "manager": "manager_id", "brand": "brand",
                 "price_band": "price_band", "business_format": "business_format",
                 "network": "network", STORE_GROUP: "customer_id"}


def _labels(group_by: str, keys: list) -> dict:
    """What a reader sees for each key of a grouping."""
    if group_by == "month":
        return {key: f"{key:%Y-%m}" for key in keys}
    if group_by == "department":
        return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "territory":
        return dict(Territory.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "manager":
        return {user.pk: user.get_full_name() or user.username
                for user in User.objects.filter(pk__in=keys)}
    if group_by == STORE_GROUP:
        return {pk: f"{name} ({code})" for pk, code, name in
                Customer.objects.filter(pk__in=keys).values_list("pk", "code", "name")}
    choices = {"price_band": PriceBand, "business_format": BusinessFormat,
               "network": Network}.get(group_by)
    if choices is None:
        return {key: key for key in keys}
    return {key: str(choices(key).label) if key in choices.values else str(key)
            for key in keys}


def average_price(amount, cartons) -> Decimal | None:
    """条均价: yuan per carton, two decimals."""
    if not cartons:
        return None
    return (Decimal(amount) / cartons).quantize(CENT, rounding=ROUND_HALF_UP)


def sales_filtered(*, user, query: SalesQuery) -> QuerySet[SalesMonthly]:
    rows = sales_visible_to(user).filter(month__gte=query.first, month__lte=query.last)
    for name in (*SALES_FILTERS, *SALES_CODE_FILTERS):
        if query.filters.get(name) is not None:
            rows = rows.filter(**{_GROUP_COLUMN[name]: query.filters[name]})
    return rows


# --- The rollup: department- and company-wide figures without the per-store rows ---------

_PLACE = {"month", "department", "territory"}
_OUTLET = _PLACE | {"business_format", "network"}
# The levels of the rollup and their columns, smallest first: a query reads the first
# level that has every column it groups or filters by.
ROLLUP_COLUMNS = {
    RollupLevel.PLACE: _PLACE,
    RollupLevel.PLACE_NETWORK: _PLACE | {"network"},
    RollupLevel.PLACE_BAND: _PLACE | {"price_band"},
    RollupLevel.PLACE_FORMAT: _PLACE | {"business_format"},
    RollupLevel.PLACE_BRAND: _PLACE | {"brand"},
    RollupLevel.PLACE_MANAGER: _PLACE | {"manager"},
    RollupLevel.PRICE_BAND: _OUTLET | {"price_band"},
    RollupLevel.BRAND: _OUTLET | {"brand"},
    RollupLevel.BRAND_BAND: _OUTLET | {"brand", "price_band"},
    RollupLevel.OWNER: _OUTLET | {"manager"},
}


def _scope_column(user) -> str | None:
    if access.is_supervisor(user):
        return "department"
    if access.is_clerk(user):
        return "territory"
    return None


def rollup_level(*, user, query: SalesQuery) -> int | None:
    """The level of the rollup that answers this query exactly, or None: the per-store
    table (the store level, a manager's own figures, and a manager crossed with a brand or
    price band). A level is only used with brand and price band summed over exactly when
    the query does not name them, so that its stores add up."""
    if query.group_by == STORE_GROUP or not (access.is_admin(user)
                                             or _scope_column(user)):
        return None
    wanted = {query.group_by, *(name for name, value in query.filters.items()
                                if value is not None)}
    scope = _scope_column(user) if not access.is_admin(user) else None
    wanted |= {scope} if scope else set()
    for level, columns in ROLLUP_COLUMNS.items():
        if ({"brand", "price_band"} & columns) == ({"brand", "price_band"} & wanted) \
                and wanted <= columns:
            return level
    return None


def rollup_visible_to(user) -> QuerySet[SalesRollup]:
    """The rollup rows of the user's scope (admins, supervisors and clerks only)."""
    return _scoped_by_owner(SalesRollup.objects.all(), user, managers=False)


def _summed(*, user, query: SalesQuery) -> tuple[QuerySet, dict, bool]:
    """The rows to sum (rollup or per-store), the sums, and whether `stores` is an average
    per month (several months summed from the rollup; see the README)."""
    level = rollup_level(user=user, query=query)
    if level is None:
        return (sales_filtered(user=user, query=query),
                {"cartons": Sum("cartons"), "amount": Sum("amount"),
                 "stores": Count("customer_id", distinct=True)}, False)
    rows = rollup_visible_to(user).filter(level=level, month__gte=query.first,
                                          month__lte=query.last)
    for name in (*SALES_FILTERS, *SALES_CODE_FILTERS):
        if query.filters.get(name) is not None:
            rows = rows.filter(**{_GROUP_COLUMN[name]: query.filters[name]})
    averaged = query.months > 1 and query.group_by != "month"
    return rows, {"cartons": Sum("cartons"), "amount": Sum("amount"),
                  "stores": Sum("stores")}, averaged


def _stores(stores, query: SalesQuery, averaged: bool) -> int:
    if not averaged:
        return stores or 0
    return int((Decimal(stores or 0) / query.months).quantize(Decimal(1), ROUND_HALF_UP))


# The store level lists the largest stores of the scope, not every one of a million.
STORE_ROWS = 500


def sales_rows(*, user, query: SalesQuery, keys: list | None = None) -> list[dict]:
    """One row per group: key, label, cartons, amount, average_price, stores. Months in
    order, the other groupings largest first (stores: the largest STORE_ROWS); `keys`
    keeps only those groups."""
    column = _GROUP_COLUMN[query.group_by]
    rows, sums, averaged = _summed(user=user, query=query)
    if keys is not None:
        rows = rows.filter(**{f"{column}__in": keys})
    totals = rows.values(column).annotate(**sums)
    if query.group_by == STORE_GROUP:
        totals = totals.order_by("-amount", column)[:STORE_ROWS]
    else:
        totals = totals.order_by(column)
    totals = list(totals)
    labels = _labels(query.group_by, [row[column] for row in totals])
    rows = [{"key": row[column], "label": labels.get(row[column], ""),
             "cartons": row["cartons"], "amount": row["amount"],
             "average_price": average_price(row["amount"], row["cartons"]),
             "stores": _stores(row["stores"], query, averaged)} for row in totals]
    if query.group_by != "month":
        rows.sort(key=lambda row: (-row["amount"], str(row["label"])))
    return rows


def sales_total(*, user, query: SalesQuery) -> dict:
    """The sums of every group; the rollup level is chosen without the grouping (its stores
    must not be summed over brands or price bands)."""
    if query.group_by != STORE_GROUP:
        query = dataclasses.replace(query, group_by="month")
    rows, sums, _averaged = _summed(user=user, query=query)
    total = rows.aggregate(**sums)
    cartons, amount = total["cartons"] or 0, total["amount"] or Decimal("0")
    return {"cartons": cartons, "amount": amount,
            "stores": _stores(total["stores"], query, query.months > 1
                              and rollup_level(user=user, query=query) is not None),
            "average_price": average_price(amount, cartons)}


def change_percent(now, before) -> Decimal | None:
    if not before:
        return None
    return ((Decimal(now or 0) - Decimal(before)) * 100 / Decimal(before)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)


def share_percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"),
                                                                rounding=ROUND_HALF_UP)


# The next level of a drill-down from each grouping; the stores are the last.
DRILL_DOWN = {"month": "territory", "department": "territory", "territory": "manager",
              "manager": STORE_GROUP, "brand": "price_band", "price_band": STORE_GROUP,
              "business_format": "territory", "network": "territory"}


def sales_analysis(*, user, query: SalesQuery) -> dict:
    """What the sales page shows: the rows with their share, the change on the month before
    (months) and on the same period a year earlier, and the total."""
    rows = sales_rows(user=user, query=query)
    keys = [row["key"] for row in rows] if query.group_by == STORE_GROUP else None
    year_before = {row["key"]: row
                   for row in sales_rows(user=user, query=query.shifted(-12), keys=keys)}
    total = sales_total(user=user, query=query)
    previous = None
    for row in rows:
        if query.group_by == "month":
            earlier = year_before.get(add_months(row["key"], -12))
            row["mom"] = change_percent(row["amount"], previous["amount"]) if previous \
                and add_months(previous["key"], 1) == row["key"] else None
            previous = row
        else:
            earlier = year_before.get(row["key"])
        row["last_year_amount"] = earlier["amount"] if earlier else None
        row["yoy"] = change_percent(row["amount"], earlier["amount"] if earlier else None)
        row["share"] = share_percent(row["amount"], total["amount"])
    return {"rows": rows, "total": total, "drill_to": DRILL_DOWN.get(query.group_by)}


# --- Grades and network ----------------------------------------------------------------

_GRADE_COLUMN = {"territory": "customer__territory_id", "manager": "customer__manager_id",
                 "business_format": "customer__business_format"}
GRADES = [grade.value for grade in Grade]


def latest_graded_month() -> date | None:
    return GradeSnapshot.objects.aggregate(latest=Max("month"))["latest"]


def grade_counts(*, user, group_by: str, month: date | None) -> dict:
    """Stores per grade of the month, grouped by the store's territory, manager or
    business format, with their purchases in the month (the 客户等级分类表)."""
    month = month or latest_graded_month()
    if month is None:
        return {"month": None, "rows": [], "total": _grade_row(None, "", {})}
    column = _GRADE_COLUMN[group_by]
    visible = customers_visible_to(user).values("pk")
    counts = (GradeSnapshot.objects.filter(month=month, customer__in=visible)
              .values(column, "grade").annotate(stores=Count("pk")).order_by())
    purchases = dict(
        MonthlyPurchase.objects.filter(month=month, customer__in=visible)
        .values(column).annotate(amount=Sum("amount"))
        .values_list(column, "amount"))
    by_key: dict = defaultdict(dict)
    for row in counts:
        by_key[row[column]][row["grade"]] = row["stores"]
    labels = _labels(group_by, list(by_key))
    rows = [_grade_row(key, labels.get(key, ""), grades, purchases.get(key))
            for key, grades in by_key.items()]
    rows.sort(key=lambda row: (-row["total"], str(row["label"])))
    everything: dict = defaultdict(int)
    for grades in by_key.values():
        for grade, stores in grades.items():
            everything[grade] += stores
    return {"month": month, "rows": rows,
            "total": _grade_row(None, "", everything, sum(purchases.values(), Decimal("0")))}


def _grade_row(key, label, grades: dict, amount=None) -> dict:
    counts = {grade: grades.get(grade, 0) for grade in GRADES}
    return {"key": key, "label": label, "counts": counts, "total": sum(counts.values()),
            "amount": amount or Decimal("0")}


def grade_changes(*, user, month: date | None) -> QuerySet[GradeChange]:
    """One row per upgrade or downgrade of the month, with the averages behind it."""
    month = month or latest_graded_month()
    return (grade_changes_visible_to(user).filter(month=month)
            .select_related("customer__territory", "customer__manager")
            .order_by("customer__territory__code", "customer__code", "id"))


# --- The morning view ------------------------------------------------------------------

def _same_days(month_first: date, today: date, months_back: int) -> tuple[date, date]:
    """The first `today.day` days of an earlier month (fewer when that month is shorter)."""
    first = add_months(month_first, -months_back)
    last_day = min(today.day, calendar.monthrange(first.year, first.month)[1])
    return first, first.replace(day=last_day)


def daily_visible_to(user) -> QuerySet[SalesDaily]:
    return _scoped_by_owner(SalesDaily.objects.all(), user)


def _purchases_between(user, first: date, last: date) -> dict:
    """Confirmed purchases of some days, from the daily summary (never the orders)."""
    totals = daily_visible_to(user).filter(day__gte=first, day__lte=last).aggregate(
        amount=Sum("amount"), cartons=Sum("cartons"), orders=Sum("orders"))
    return {"first": first, "last": last, "amount": totals["amount"] or Decimal("0"),
            "cartons": totals["cartons"] or 0, "orders": totals["orders"] or 0}


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.username} if user else None


def key_account_share(*, user, today: date) -> dict:
    """Key accounts' share of purchases this month (to date) and last month, in the user's
    scope, from the summaries (never the order lines). The key accounts are today's
    confirmed ones (the summary's rows follow every decision), each month's purchases
    filed under whoever held the store in that month, as every sales figure. Totals and
    key accounts' purchases come from the rollup (a manager's from their own per-store
    rows): at a million stores an admin's 20,000 key accounts were 0.8 s to look up in the
    per-store rows on every morning page."""
    this_month, last_month = _month_start(today), _month_start(today, 1)
    months_wanted = [this_month, last_month]
    if access.is_manager(user):
        rows = sales_visible_to(user)
        total, key = Q(), Q(key_account=True)
    else:
        rows = rollup_visible_to(user).filter(
            level__in=[RollupLevel.PLACE, RollupLevel.KEY_ACCOUNTS])
        total, key = Q(level=RollupLevel.PLACE), Q(level=RollupLevel.KEY_ACCOUNTS)
    by_month = {row["month"]: row for row in rows.filter(month__in=months_wanted)
                .values("month").annotate(total=Sum("amount", filter=total),
                                          key=Sum("amount", filter=key)).order_by()}
    months = []
    for month in months_wanted:
        total = by_month.get(month, {}).get("total") or Decimal("0")
        key_amount = by_month.get(month, {}).get("key") or Decimal("0")
        months.append({"month": month, "amount": key_amount, "total": total,
                       "share": share_percent(key_amount, total)})
    stores = customers_visible_to(user).filter(is_key_account=True).count()
    return {"stores": stores, "this_month": months[0], "last_month": months[1]}


def morning_figures(*, user, today: date) -> dict:
    """The supervisor's morning: today's phone ordering per clerk, yesterday's visits per
    manager, new churn warnings, overdue complaints, scarce SKUs of the cycle, and month to
    date purchases against the same days of last month and last year."""
    yesterday = today - timedelta(days=1)

    clerks = list(clerks_visible_to(user))
    calls = defaultdict(dict)
    for row in (CallRecord.objects.filter(clerk__in=clerks, call_date=today)
                .values("clerk_id", "outcome").annotate(stores=Count("customer", distinct=True))
                .order_by()):
        calls[row["clerk_id"]][row["outcome"]] = row["stores"]
    called = dict(CallRecord.objects.filter(clerk__in=clerks, call_date=today)
                  .values("clerk_id").annotate(stores=Count("customer", distinct=True))
                  .values_list("clerk_id", "stores"))
    to_call = call_list_sizes(clerks=clerks, day=today)
    ordering = [{
        "clerk": _person(clerk),
        "to_call": to_call[clerk.pk],
        "called": called.get(clerk.pk, 0),
        **{outcome: calls[clerk.pk].get(outcome, 0) for outcome in
           (CallOutcome.ORDERED, CallOutcome.NO_ANSWER, CallOutcome.CALL_BACK)},
    } for clerk in clerks]

    # Each manager as a row names them, without loading 2,000 users of a province.
    managers = [{"id": pk, "name": User.full_name_of(first, last) or username}
                for pk, username, first, last in managers_visible_to(user).values_list(
                    "pk", "username", "first_name", "last_name")]
    by_manager = visits_by_manager_on(user=user, manager_ids=[m["id"] for m in managers],
                                      day=yesterday)

    since = timezone.make_aware(datetime.combine(yesterday, time.min))
    warnings = [
        {"manager": _person(owner), "warnings": count} for owner, count in _by_user(
            of_visible_customers(ChurnWarning.objects.filter(raised_at__gte=since), user),
            "owner")]
    overdue = [{"handler": _person(handler), "complaints": count} for handler, count in _by_user(
        complaints_visible_to(user).filter(OVERDUE), "handler")]

    cycle = cycle_start_for(today)
    unmet = dict(
        of_visible_customers(OrderLine.objects.filter(
            order__cycle_start=cycle, order__status=OrderStatus.CONFIRMED,
            product__is_scarce=True), user, "order__customer")
        .values("product_id").annotate(unmet=Sum(F("requested_cartons") - F("granted_cartons")))
        .values_list("product_id", "unmet"))
    scarce = [{"product": {"id": supply.product_id, "code": supply.product.code,
                           "name": supply.product.name},
               "available": supply.available_cartons, "granted": supply.granted_cartons,
               "remaining": supply.remaining_cartons, "unmet": unmet.get(supply.product_id, 0)}
              for supply in CycleSupply.objects.filter(cycle_start=cycle,
                                                       product__is_scarce=True)
              .select_related("product").order_by("product__code")]

    this_month = today.replace(day=1)
    month_to_date = _purchases_between(user, this_month, today)
    last_month = _purchases_between(user, *_same_days(this_month, today, 1))
    last_year = _purchases_between(user, *_same_days(this_month, today, 12))
    for earlier in (last_month, last_year):
        earlier["change"] = change_percent(month_to_date["amount"], earlier["amount"])
    return {
        "today": today, "cycle_start": cycle,
        "ordering": ordering,
        "visits": [{"manager": manager, **by_manager[manager["id"]]} for manager in managers],
        "new_warnings": warnings, "overdue_complaints": overdue, "scarce": scarce,
        "month_to_date": month_to_date, "same_days_last_month": last_month,
        "same_days_last_year": last_year,
        "key_accounts": key_account_share(user=user, today=today),
    }


# The morning page lists this many clerks and managers, those with the most left to do
# first (a province has hundreds; the Excel exports and the API list them all).
MORNING_PAGE_ROWS = 15


def morning_page_rows(morning: dict) -> dict:
    """The morning page's ordering and visit tables: the clerks with the most stores left
    to call and the managers with the most missed visits first, at most MORNING_PAGE_ROWS
    of each, with how many there are in all."""
    ordering = sorted(morning["ordering"], key=lambda row: (
        row["called"] - row["to_call"], row["clerk"]["name"]))
    visits = sorted(morning["visits"], key=lambda row: (
        -row["missed"], -row["planned"], row["manager"]["name"]))
    return {"ordering": ordering[:MORNING_PAGE_ROWS], "ordering_total": len(ordering),
            "visits": visits[:MORNING_PAGE_ROWS], "visits_total": len(visits),
            "limit": MORNING_PAGE_ROWS}


def _by_user(queryset, field: str) -> list[tuple]:
    counts = dict(queryset.values(field).annotate(n=Count("pk")).values_list(field, "n")
                  .order_by())
    people = User.objects.in_bulk([pk for pk in counts if pk is not None])
    return sorted(((people.get(pk), n) for pk, n in counts.items()),
                  key=lambda item: (-item[1], item[0].username if item[0] else ""))


# --- What the pages add around the figures ---------------------------------------------

def group_label(group_by: str) -> str:
    return str(SALES_GROUPS.get(group_by) or _("Store"))


def sales_filter_choices(*, user) -> dict:
    """The departments, territories, managers and brands the user may filter by."""
    territories = territories_visible_to(user)
    return {
        "departments": Department.objects.filter(
            pk__in=territories.values("department_id")).order_by("code"),
        "territories": territories.order_by("code"),
        "managers": managers_visible_to(user),
        "brands": Product.objects.order_by("brand").values_list("brand", flat=True).distinct(),
        "price_bands": PriceBand.choices,
        "business_formats": BusinessFormat.choices,
        "networks": Network.choices,
    }


def applied_filters(query: SalesQuery) -> list[dict]:
    """The filters in force, each with its label, for the breadcrumb of a drill-down."""
    applied = []
    for name in (*SALES_FILTERS, *SALES_CODE_FILTERS):
        value = query.filters.get(name)
        if value is None:
            continue
        label = _labels(name, [value]).get(value, value)
        applied.append({"name": name, "title": group_label(name), "label": label,
                        "without": urlencode(query.params(**{name: None}))})
    return applied


def movers(rows: list[dict], count: int = 5) -> dict:
    """Largest gains and losses in yuan on the same period last year."""
    moved = [{**row, "change": row["amount"] - (row["last_year_amount"] or 0)} for row in rows]
    moved.sort(key=lambda row: row["change"], reverse=True)
    return {"top": [row for row in moved[:count] if row["change"] > 0],
            "bottom": [row for row in reversed(moved[-count:]) if row["change"] < 0]}


def grades_overview(*, user, query) -> dict:
    """The grades page: grade x business format, the chosen grouping this month and the
    month before, each with the stores' purchases in the month."""
    month = query.month or latest_graded_month()
    formats = grade_counts(user=user, group_by="business_format", month=month)
    by_group = grade_counts(user=user, group_by=query.group_by, month=month)
    if month is not None:
        earlier = grade_counts(user=user, group_by=query.group_by, month=add_months(month, -1))
        previous = {row["key"]: row for row in earlier["rows"]}
        for row in by_group["rows"]:
            row["previous"] = previous.get(row["key"]) or _grade_row(row["key"], "", {})
        by_group["total"]["previous"] = earlier["total"]
    return {"month": month, "formats": formats, "by_group": by_group,
            "months": list(GradeSnapshot.objects.order_by("-month")
                           .values_list("month", flat=True).distinct()[:24])}


# --- The network: store counts by status, churn rate, Pareto per manager ---------------

PARETO_SHARE = Decimal("0.8")
_NETWORK_COLUMN = {"territory": "territory_id", "manager": "manager_id",
                   "business_format": "business_format"}


def store_status_counts(*, user, group_by: str, month: date) -> list[dict]:
    """Stores per status by their current territory, manager or format, and the stores
    added in the month (created in it, local time)."""
    column = _NETWORK_COLUMN[group_by]
    first = timezone.make_aware(datetime.combine(month, time.min))
    after = timezone.make_aware(datetime.combine(add_months(month, 1), time.min))
    counts = (customers_visible_to(user).values(column).annotate(
        new=Count("pk", filter=Q(created_at__gte=first, created_at__lt=after)),
        **{status: Count("pk", filter=Q(status=status)) for status in CustomerStatus.values})
        .order_by())
    rows = list(counts)
    labels = _labels(group_by, [row[column] for row in rows])
    result = [{"key": row[column], "label": labels.get(row[column], ""), "new": row["new"],
               **{status: row[status] for status in CustomerStatus.values}} for row in rows]
    result.sort(key=lambda row: (-row[CustomerStatus.ACTIVE], str(row["label"])))
    return result


def churn_rates(*, user, group_by: str, month: date) -> list[dict]:
    """Monthly churn: of the stores that bought in the month before (filed under that
    month's owner), those that bought nothing in this month, as a share of them."""
    column = _NETWORK_COLUMN[group_by]
    bought_now = SalesMonthly.objects.filter(month=month).values("customer_id")
    rows = list(sales_visible_to(user).filter(month=add_months(month, -1)).values(column)
                .annotate(active=Count("customer_id", distinct=True),
                          stopped=Count("customer_id", distinct=True,
                                        filter=~Q(customer_id__in=bought_now)))
                .order_by())
    labels = _labels(group_by, [row[column] for row in rows])
    result = [{"key": row[column], "label": labels.get(row[column], ""),
               "active": row["active"], "stopped": row["stopped"],
               "rate": share_percent(row["stopped"], row["active"])} for row in rows]
    result.sort(key=lambda row: (-row["stopped"], str(row["label"])))
    return result


def pareto_by_manager(*, user, month: date) -> list[dict]:
    """Per manager (filed for the month): how many of their stores, largest first, make
    80 % of their purchases in the month."""
    per_store = (sales_visible_to(user).filter(month=month)
                 .values("manager_id", "customer_id").annotate(bought=Sum("amount"))
                 .order_by())
    inner, params = per_store.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT manager_id, count(*), sum(bought),
                   count(*) FILTER (WHERE running - bought < %s * total)
            FROM (SELECT manager_id, bought,
                         sum(bought) OVER (PARTITION BY manager_id ORDER BY bought DESC,
                                           customer_id ROWS UNBOUNDED PRECEDING) AS running,
                         sum(bought) OVER (PARTITION BY manager_id) AS total
                  FROM ({inner}) s WHERE bought > 0) r
            GROUP BY manager_id""", [PARETO_SHARE, *params])
        found = cursor.fetchall()
    labels = _labels("manager", [row[0] for row in found])
    rows = [{"key": key, "label": labels.get(key, ""), "stores": stores, "amount": amount,
             "top_stores": top, "top_share": share_percent(top, stores)}
            for key, stores, amount, top in found]
    rows.sort(key=lambda row: (-row["amount"], str(row["label"])))
    return rows


def network_overview(*, user, group_by: str, month: date) -> dict:
    return {"month": month,
            "status": store_status_counts(user=user, group_by=group_by, month=month),
            "churn": churn_rates(user=user, group_by=group_by, month=month),
            "pareto": pareto_by_manager(user=user, month=month)}
