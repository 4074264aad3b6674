"""Every read of the visits app, scoped through customers_visible_to(user)."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers.access import Ability, is_manager, oversees, require
from customers.care import temperament_guidance
from customers.filters import search_customers
from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnWarning,
    Customer,
    CustomerStatus,
    MonthlyPurchase,
    User,
)
from customers.selectors import (
    customers_visible_to,
    managers_visible_to,
    of_visible_customers,
)
from phone_orders.models import Product
from phone_orders.selectors import customer_orders, recently_ordered_cartons

from . import planner
from .actions import ACTION_GROUPS
from .cadence import visit_cadence
from .models import (
    KeyAim,
    PlannedVisit,
    PriceStockRecord,
    SampleStore,
    StopStatus,
    SupervisorVisit,
    Visit,
    VisitPhoto,
    VisitStatus,
)


def planned_visits_visible_to(user) -> QuerySet[PlannedVisit]:
    return of_visible_customers(PlannedVisit.objects.all(), user)


def visits_visible_to(user) -> QuerySet[Visit]:
    return of_visible_customers(Visit.objects.all(), user)


MAX_ID = 2**63 - 1


def _id_or_404(pk) -> int:
    """An id from an address or a form: anything but a whole number in range is a 404."""
    if isinstance(pk, int) and 0 < pk <= MAX_ID:
        return pk
    if not str(pk).isdigit() or not 0 < int(pk) <= MAX_ID:
        raise Http404
    return int(pk)


def visit_get(*, user, pk) -> Visit:
    pk = _id_or_404(pk)
    return get_object_or_404(
        visits_visible_to(user).select_related("customer__territory", "manager",
                                               "planned_visit"), pk=pk)


def visit_photo_get(*, user, visit_pk, pk) -> VisitPhoto:
    """A display photo of a visit the user may see; anything else is a 404."""
    return get_object_or_404(VisitPhoto.objects.filter(visit__in=visits_visible_to(user)),
                             visit_id=_id_or_404(visit_pk), pk=_id_or_404(pk))


def planned_visit_get(*, user, pk) -> PlannedVisit:
    pk = _id_or_404(pk)
    return get_object_or_404(
        planned_visits_visible_to(user).select_related("customer", "manager"), pk=pk)


def manager_get(*, user, pk) -> User:
    return get_object_or_404(managers_visible_to(user), pk=_id_or_404(pk))


def default_manager(user) -> User | None:
    """Whose plan a page shows when none is asked for: a manager's own."""
    return user if is_manager(user) else None


def plan_editable_by(*, user, manager: User) -> bool:
    """A plan belongs to an active customer manager; they, their supervisor and the
    administrators may change it."""
    return is_manager(manager) and oversees(user, manager)


def manager_choices(*, user) -> list[User]:
    """The managers a page's picker offers: none to a manager (they see their own)."""
    return [] if is_manager(user) else list(managers_visible_to(user))


def manager_or_none(*, user, pk=None) -> User | None:
    """The manager asked for (404 outside the user's scope), the user's own, or None."""
    try:
        return manager_for(user=user, pk=pk)
    except BusinessError:
        return None


def own_active_stores(*, user) -> QuerySet[Customer]:
    """The active stores assigned to the user, to visit without a plan."""
    return (customers_visible_to(user).filter(manager=user, status=CustomerStatus.ACTIVE)
            .order_by("name"))


def unplanned_page(*, user, query: str = "", limit: int = 50) -> dict:
    """Stores a manager may visit outside the plan, found as in the customer list (name,
    address, owner, pinyin initials, code; every word must match)."""
    query = (query or "").strip()
    if not is_manager(user):
        return {"stores": [], "q": query}
    stores = own_active_stores(user=user)
    stores = search_customers(stores, query)
    return {"stores": stores[:limit], "q": query}


def day_page(*, user, manager: User | None, day: date) -> dict:
    """The day of a manager (or the picker when none): stops in road order, the route
    sketch, and, on one's own day, the stores to add."""
    today = timezone.localdate()
    context = {"day": day, "manager": manager, "managers": manager_choices(user=user),
               "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
               "today": today}
    if manager is not None:
        context["plan"] = plan_day(user=user, manager=manager, day=day)
        context["can_edit"] = plan_editable_by(user=user, manager=manager)
        context["is_own"] = manager.pk == user.pk
        if context["is_own"]:
            context["own_stores"] = own_active_stores(user=user)
    return context


def plan_page(*, user, manager: User | None, first_day: date) -> dict:
    context = {"manager": manager, "first_day": first_day,
               "managers": manager_choices(user=user)}
    if manager is not None:
        context["weeks"] = plan_weeks(user=user, manager=manager, first_day=first_day)
        context["can_edit"] = plan_editable_by(user=user, manager=manager)
    return context


def price_tolerance() -> Decimal:
    """How far an observed price may be from the suggested retail price (a fraction)."""
    return Decimal(str(getattr(settings, "CRM_VISIT_PRICE_TOLERANCE", "0.10")))


def visit_log_page(*, user, visit: Visit, values: dict | None = None,
                   error: BusinessError | None = None) -> dict:
    """The visit log: the checklist, price and stock rows (usual SKUs first), and, after a
    refused submission, what was typed with each line's messages."""
    products = customer_usual_products(customer=visit.customer)
    values = dict(visit.draft or {}) if values is None else values
    line_errors = {item["product_id"]: item for item in (error.errors if error else [])
                   if "product_id" in item}
    rows = [{
        "product": product,
        "price": values.get(f"price_{product.pk}", ""),
        "stock": values.get(f"stock_{product.pk}", ""),
        "errors": line_errors.get(product.pk, {}),
        "error_messages": [message for key, message in line_errors.get(product.pk, {}).items()
                           if key in ("product", "retail_price", "stock_cartons")],
    } for product in products]
    checked = set(values.get("actions") or visit.actions)
    groups = [{"code": code, "label": label,
               "items": [{"code": c, "label": t, "checked": c in checked} for c, t in items]}
              for code, label, items in ACTION_GROUPS]
    first = [r for r in rows if r["product"].is_usual or r["price"] or r["stock"]
             or r["errors"]]
    # A store with no collection yet: the whole catalog is the list to fill.
    rest = [r for r in rows if r not in first] if first else []
    return {
        "visit": visit, "customer": visit.customer, "groups": groups,
        "usual_rows": first or rows, "other_rows": rest,
        "values": values, "error_message": error.message if error else None,
        # Every refused line, named by its SKU, for the message at the top of the page.
        "line_errors": [{"product": row["product"], "messages": row["error_messages"]}
                        for row in rows if row["error_messages"]],
        "stock": reasonable_stock_suggestion(customer=visit.customer),
        "editable": visit.status == VisitStatus.IN_PROGRESS and visit.manager_id == user.pk,
        "tolerance": int(price_tolerance() * 100),
        "standard_minutes": visit_standard_minutes(visit=visit),
        "photos": list(visit.photos.all()),
        "preparation": visit_preparation(user=user, visit=visit),
        "can_add_photo": visit.manager_id == user.pk and (
            visit.status == VisitStatus.IN_PROGRESS or visit.date == timezone.localdate()),
    }


# ---------------------------------------------------------------- the day


@dataclass
class DayPlan(planner.RouteTimes):
    manager: User
    date: date
    stops: list[PlannedVisit]
    unplanned: list[Visit]
    travel_minutes: int
    service_minutes: int
    return_minutes: int
    working_minutes: int
    sketch: dict = field(default_factory=dict)

    @property
    def done_count(self) -> int:
        return sum(1 for stop in self.stops if stop.status == StopStatus.DONE)


def plan_day(*, user, manager: User, day: date) -> DayPlan:
    config = planner.PlannerConfig.from_settings()
    stops = list(planned_visits_visible_to(user).filter(manager=manager, date=day)
                 .select_related("customer__grading", "visit").order_by("sequence", "pk"))
    unplanned = list(visits_visible_to(user).filter(manager=manager, date=day,
                                                    planned_visit__isnull=True)
                     .select_related("customer__grading"))
    start = manager_start_point(manager=manager)
    back = 0
    last = next((s.customer for s in reversed(stops) if s.customer.latitude is not None), None)
    if last is not None and start is not None:
        back = planner.travel_minutes((float(last.latitude), float(last.longitude)), start,
                                      network=last.network, config=config)
    return DayPlan(
        manager=manager, date=day, stops=stops, unplanned=unplanned,
        travel_minutes=sum(s.travel_minutes for s in stops),
        service_minutes=sum(s.service_minutes for s in stops), return_minutes=back,
        working_minutes=config.working_minutes, sketch=route_sketch(stops=stops, start=start),
    )


def manager_start_point(*, manager: User) -> tuple[float, float] | None:
    """Where the manager's day starts and ends: their start point, or, when none is set,
    the centre of their active stores (so routes still run in a sensible order)."""
    if manager.start_latitude is not None and manager.start_longitude is not None:
        return (float(manager.start_latitude), float(manager.start_longitude))
    centre = (Customer.objects.filter(manager=manager, status="active",
                                      latitude__isnull=False, longitude__isnull=False)
              .aggregate(lat=Avg("latitude"), lon=Avg("longitude")))
    if centre["lat"] is None:
        return None
    return (float(centre["lat"]), float(centre["lon"]))


def route_sketch(*, stops: list[PlannedVisit], start, width: int = 320,
                 height: int = 240, margin: int = 18) -> dict:
    """Screen coordinates for an inline SVG of the day's route (no map tiles needed)."""
    points = [(float(s.customer.latitude), float(s.customer.longitude), s) for s in stops
              if s.customer.latitude is not None and s.customer.longitude is not None]
    everything = [(p[0], p[1]) for p in points] + ([start] if start else [])
    if not everything:
        return {}
    lats = [p[0] for p in everything]
    # A degree of longitude is shorter than a degree of latitude away from the equator.
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    lons = [p[1] * shrink for p in everything]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.002)
    scale = min(width - 2 * margin, height - 2 * margin) / span

    def xy(lat, lon):
        return (round(margin + (lon * shrink - min(lons)) * scale, 1),
                round(height - margin - (lat - min(lats)) * scale, 1))

    nodes = [{"x": xy(lat, lon)[0], "y": xy(lat, lon)[1], "stop": stop}
             for lat, lon, stop in points]
    origin = None
    if start:
        origin = dict(zip(("x", "y"), xy(*start), strict=True))
    path_points = ([origin] if origin else []) + nodes + ([origin] if origin else [])
    return {
        "width": width, "height": height, "origin": origin, "nodes": nodes,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in path_points),
    }


def plan_weeks(*, user, manager: User, first_day: date, weeks: int = 4) -> list[dict]:
    """One line per day of the horizon: stops planned, done, key visits, minutes and the
    day's time ratios (the same RouteTimes as the day page, the way back included)."""
    config = planner.PlannerConfig.from_settings()
    start = manager_start_point(manager=manager)
    last_day = first_day + timedelta(days=weeks * 7 - 1)
    rows = (planned_visits_visible_to(user)
            .filter(manager=manager, date__gte=first_day, date__lte=last_day)
            .order_by("date", "sequence", "pk")
            .values("date", "status", "aims", "travel_minutes", "service_minutes",
                    "customer__latitude", "customer__longitude", "customer__network"))
    days: dict[date, dict] = {}
    last_point: dict[date, tuple] = {}
    for row in rows:
        day = days.setdefault(row["date"], {"date": row["date"], "stops": 0, "done": 0,
                                            "key": 0, "travel": 0, "service": 0})
        day["stops"] += 1
        day["done"] += row["status"] == StopStatus.DONE
        day["key"] += bool(row["aims"])
        day["travel"] += row["travel_minutes"]
        day["service"] += row["service_minutes"]
        if row["customer__latitude"] is not None and row["customer__longitude"] is not None:
            last_point[row["date"]] = ((float(row["customer__latitude"]),
                                        float(row["customer__longitude"])),
                                       row["customer__network"])
    for day in days.values():
        point, network = last_point.get(day["date"], (None, ""))
        back = planner.travel_minutes(point, start, network=network, config=config)
        day["times"] = planner.TimeShares(
            travel_minutes=day["travel"], service_minutes=day["service"],
            return_minutes=back, working_minutes=config.working_minutes)
    return [days[d] for d in sorted(days)]


# ---------------------------------------------------------------- the visit log


def _care_dates(customer: Customer, day: date) -> list[tuple[str, date]]:
    """The operator's birthday and the store's anniversary when they fall in the week of
    `day` (Monday to Sunday), for a care visit."""
    monday = day - timedelta(days=day.weekday())
    week = {(monday + timedelta(days=n)).timetuple()[1:3] for n in range(7)}
    return [(kind, value) for kind, value in (("birthday", customer.birthday),
                                              ("anniversary", customer.anniversary))
            if value is not None and (value.month, value.day) in week]


def _aim_products(*, customer: Customer, aims: list[str], limit: int = 5) -> list[dict]:
    """Each aim of the visit with the SKUs it concerns: the store's best sellers for a
    falling store, the new SKUs it does not show yet for a new-product push."""
    labels = dict(KeyAim.choices)
    best = recently_ordered_cartons(customer=customer)
    best_ids = sorted(best, key=lambda pk: -best[pk])[:limit]
    shown = set(PriceStockRecord.objects.filter(visit__customer=customer)
                .values_list("product_id", flat=True))
    result = []
    for aim in aims:
        if aim in (KeyAim.CHURN_WARNING, KeyAim.GRADE_DROP):
            products = sorted(Product.objects.filter(pk__in=best_ids),
                              key=lambda p: best_ids.index(p.pk))
        elif aim == KeyAim.NEW_PRODUCT:
            products = list(Product.objects.filter(is_new=True, on_sale=True)
                            .exclude(pk__in=shown).order_by("brand", "code")[:limit])
        else:
            products = []
        result.append({"code": aim, "label": labels.get(aim, aim), "products": products})
    return result


def visit_preparation(*, user, visit: Visit) -> dict:
    """What the first standard action (信息准备) asks for, on the visit page: temperament
    and approach, the last visit's notes and promises, open complaints and warnings, recent
    orders and churn risk, this visit's aims with their SKUs, and care dates this week."""
    customer = visit.customer
    last_visit = (visits_visible_to(user).filter(customer=customer, status=VisitStatus.DONE)
                  .exclude(pk=visit.pk).order_by("-started_at").first())
    warnings = list(ChurnWarning.objects.filter(customer=customer,
                                                status__in=OPEN_WARNING_STATUSES)
                    .order_by("-score"))
    aims = visit.planned_visit.aims if visit.planned_visit_id else []
    return {
        "temperament": customer.get_temperament_display() if customer.temperament else "",
        # One source for the temperament guidance: customers.care (its full block is in the
        # visit log's "visit" slot).
        "approach": (temperament_guidance(customer) or {}).get("talk", ""),
        "last_visit": last_visit,
        "warnings": warnings,
        "risk": max((w.score for w in warnings), default=None),
        "open_complaints": customer.open_complaint_count,
        "orders": customer_orders(user=user, customer=customer, limit=3),
        "aims": _aim_products(customer=customer, aims=aims),
        "care": _care_dates(customer, visit.date),
    }


def customer_standard_minutes(*, customer: Customer,
                              config: planner.PlannerConfig | None = None) -> int:
    """Minutes a visit of the store takes by its grade and network (settings, else the
    visits.cadence table)."""
    config = config or planner.PlannerConfig.from_settings()
    if config.service_minutes:
        by_grade = config.service_minutes.get(customer.grade or "C", {})
        if customer.network in by_grade:
            return int(by_grade[customer.network])
    return visit_cadence(customer.grade).minutes(customer.network)


def visit_standard_minutes(*, visit: Visit) -> int:
    """Minutes this visit should take: its planned stop's, else the store's standard."""
    if visit.planned_visit_id:
        return visit.planned_visit.service_minutes
    return customer_standard_minutes(customer=visit.customer)


def customer_usual_products(*, customer: Customer, limit: int = 200) -> list[Product]:
    """The store's usual SKUs first, then the rest of the catalog on sale.

    "Usual" means ordered in the last twelve weeks (most cartons first) or collected on an
    earlier visit; the visit log and API only call this selector.
    """
    ordered = recently_ordered_cartons(customer=customer)
    collected = dict(PriceStockRecord.objects.filter(visit__customer=customer)
                     .values("product_id").annotate(n=Count("id"))
                     .values_list("product_id", "n"))
    products = list(Product.objects.filter(on_sale=True).order_by("brand", "code")[:limit])
    products.sort(key=lambda p: (-ordered.get(p.pk, 0), -collected.get(p.pk, 0), not p.is_new,
                                 p.brand, p.code))
    for product in products:
        product.is_usual = ordered.get(product.pk, 0) > 0 or product.pk in collected
    return products


def customer_weekly_purchase_cartons(*, customer: Customer, months: int = 3) -> float:
    """Average cartons a week over the last full months of purchases."""
    rows = list(MonthlyPurchase.objects.filter(customer=customer).order_by("-month")
                .values_list("cartons", flat=True)[:months])
    if not rows:
        return 0.0
    return sum(rows) / len(rows) * 12 / 52


def reasonable_stock_suggestion(*, customer: Customer) -> dict:
    """Total cartons a store should hold: its weekly purchases times the cover in weeks."""
    weeks = float(getattr(settings, "CRM_VISIT_STOCK_COVER_WEEKS", 1.5))
    weekly = customer_weekly_purchase_cartons(customer=customer)
    return {"weekly_cartons": round(weekly, 1), "cover_weeks": weeks,
            "suggested_cartons": round(weekly * weeks)}


def customer_visit_history(*, user, customer: Customer, limit: int = 10) -> dict:
    """The store card block: its last visits, and prices and stock collected over time."""
    visits = list(visits_visible_to(user).filter(customer=customer)
                  .select_related("manager").order_by("-started_at")[:limit])
    records = (PriceStockRecord.objects.filter(visit__customer=customer,
                                               visit__in=visits_visible_to(user))
               .select_related("product", "visit").order_by("product__name", "-visit__date"))
    by_product: dict[int, dict] = {}
    for record in records:
        entry = by_product.setdefault(record.product_id, {"product": record.product,
                                                          "records": []})
        if len(entry["records"]) < 6:
            entry["records"].append(record)
    return {"visits": visits, "price_stock": list(by_product.values())}


# ---------------------------------------------------------------- plan vs actual


def _ratio(part, whole) -> float | None:
    return part / whole if whole else None


def plan_vs_actual(*, user, managers: list[User], first_day: date, last_day: date) -> dict:
    """Completion by day and week, missed stops, minutes by grade and customer-time ratio."""
    today = timezone.localdate()
    manager_ids = [m.pk for m in managers]
    stops = (planned_visits_visible_to(user)
             .filter(manager_id__in=manager_ids, date__gte=first_day, date__lte=last_day)
             .values("manager_id", "date", "status", "visit__status"))
    visits = list(visits_visible_to(user)
                  .filter(manager_id__in=manager_ids, date__gte=first_day, date__lte=last_day,
                          status=VisitStatus.DONE)
                  .values("manager_id", "date", "started_at", "finished_at",
                          "customer__grading__grade", "planned_visit_id"))

    def blank():
        return {"planned": 0, "done": 0, "missed": 0, "open": 0, "unplanned": 0}

    by_day: dict[date, dict] = defaultdict(blank)
    by_week: dict[date, dict] = defaultdict(blank)
    by_manager: dict[int, dict] = defaultdict(blank)
    for stop in stops:
        week = stop["date"] - timedelta(days=stop["date"].weekday())
        done = stop["status"] == StopStatus.DONE
        missed = stop["status"] == StopStatus.MISSED or (
            not done and stop["date"] < today and stop["visit__status"] is None)
        for bucket in (by_day[stop["date"]], by_week[week], by_manager[stop["manager_id"]]):
            bucket["planned"] += 1
            bucket["done"] += done
            bucket["missed"] += missed
            bucket["open"] += not done and not missed
    minutes_by_grade: dict[str, list[float]] = defaultdict(list)
    day_spans: dict[tuple[int, date], list] = {}
    for visit in visits:
        minutes = (visit["finished_at"] - visit["started_at"]).total_seconds() / 60
        minutes_by_grade[visit["customer__grading__grade"] or "-"].append(minutes)
        span = day_spans.setdefault((visit["manager_id"], visit["date"]),
                                    [visit["started_at"], visit["finished_at"], 0.0])
        span[0] = min(span[0], visit["started_at"])
        span[1] = max(span[1], visit["finished_at"])
        span[2] += minutes
        if visit["planned_visit_id"] is None:
            week = visit["date"] - timedelta(days=visit["date"].weekday())
            for bucket in (by_day[visit["date"]], by_week[week],
                           by_manager[visit["manager_id"]]):
                bucket["unplanned"] += 1
    # Each day with visits counts as a working day; time in the field runs from the first
    # arrival to the last departure, and what is not in stores there is on the road.
    working = planner.PlannerConfig.from_settings().working_minutes
    times = planner.TimeShares()
    manager_times: dict[int, planner.TimeShares] = defaultdict(planner.TimeShares)
    for (manager_id, _day), (first, last, in_store) in day_spans.items():
        field = (last - first).total_seconds() / 60
        for shares in (times, manager_times[manager_id]):
            shares.service_minutes += in_store
            shares.travel_minutes += max(field - in_store, 0)
            shares.working_minutes += working

    def finish(bucket):
        # Completion counts stops that were due: done or missed, not those still ahead.
        bucket["due"] = bucket["done"] + bucket["missed"]
        bucket["completion"] = _ratio(bucket["done"], bucket["due"])
        return bucket

    return {
        "first_day": first_day, "last_day": last_day,
        "days": [{"date": d, **finish(by_day[d])} for d in sorted(by_day)],
        "weeks": [{"week": w, **finish(by_week[w])} for w in sorted(by_week)],
        "managers": [
            {"manager": m, **finish(by_manager[m.pk]), "times": manager_times.get(m.pk),
             **_ratios(manager_times.get(m.pk))}
            for m in managers
        ],
        "minutes_by_grade": [
            {"grade": grade, "visits": len(values), "average": sum(values) / len(values)}
            for grade, values in sorted(minutes_by_grade.items())
        ],
        "times": times if day_spans else None,
        **_ratios(times if day_spans else None),
        "flagged": flagged_visits(user=user, managers=managers, first_day=first_day,
                                  last_day=last_day),
        "totals": finish({
            key: sum(by_week[w][key] for w in by_week)
            for key in ("planned", "done", "missed", "open", "unplanned")
        }),
    }


def visits_by_manager_on(*, user, manager_ids: list[int], day: date) -> dict[int, dict]:
    """One day of plan_vs_actual's per-manager figures (planned, done, missed and the
    customer-time ratio), for the managers named, in two grouped queries: the morning view
    lists a province's 2,000 managers. Managers with nothing that day get zeros and no
    ratio."""
    missed = Q(status=StopStatus.MISSED)
    if day < timezone.localdate():  # a stop of a past day with no visit was missed
        missed |= ~Q(status=StopStatus.DONE) & Q(visit__status__isnull=True)
    # The day's rows of the user's scope grouped by manager, the managers picked out
    # afterwards (an IN list of 2,000 ids cost more to build than the query).
    stops = {row["manager_id"]: row for row in (
        planned_visits_visible_to(user).filter(date=day)
        .values("manager_id").annotate(planned=Count("pk"),
                                       done=Count("pk", filter=Q(status=StopStatus.DONE)),
                                       missed=Count("pk", filter=missed)).order_by())}
    in_store = dict(
        visits_visible_to(user).filter(date=day, status=VisitStatus.DONE)
        .values("manager_id").annotate(spent=Sum(F("finished_at") - F("started_at")))
        .values_list("manager_id", "spent").order_by())
    working = planner.PlannerConfig.from_settings().working_minutes
    figures = {}
    for pk in manager_ids:
        row = stops.get(pk, {})
        spent = in_store.get(pk)
        # The ratio by the planner's rule, as plan_vs_actual reads it (one working day).
        ratio = (planner.TimeShares(service_minutes=spent.total_seconds() / 60,
                                    working_minutes=working).customer_time_ratio
                 if spent is not None else None)
        figures[pk] = {
            "planned": row.get("planned", 0), "done": row.get("done", 0),
            "missed": row.get("missed", 0), "customer_time_ratio": ratio}
    return figures


def _ratios(times: planner.TimeShares | None) -> dict:
    """The two ratios as numbers, for the API and exports (None without visits)."""
    return {"customer_time_ratio": times.customer_time_ratio if times else None,
            "company_time_ratio": times.company_time_ratio if times else None}


def flagged_visits(*, user, managers: list[User], first_day: date,
                   last_day: date) -> list[Visit]:
    """Visits started far from the store or cut short, with the manager's reason."""
    # Ids, not the User objects: Django checks each object of an IN list (60 ms for the
    # 2,000 managers of a province).
    return list(visits_visible_to(user)
                .filter(manager_id__in=[m.pk for m in managers], date__gte=first_day,
                        date__lte=last_day)
                .filter(Q(far_from_store=True) | ~Q(short_reason=""))
                .select_related("customer", "manager", "planned_visit")
                .order_by("-date", "-started_at"))


def manager_for(*, user, pk=None) -> User:
    """The manager whose plan is asked for: the user themself unless another is named."""
    if pk in (None, "") and default_manager(user) is not None:
        return user
    if pk in (None, ""):
        raise BusinessError(_("Choose a customer manager."), field="manager")
    return manager_get(user=user, pk=pk)


def visit_customer_get(*, user, pk) -> Customer:
    """A store the user may log a visit for; anything else gets the same clear message."""
    customer = customers_visible_to(user).filter(pk=pk).select_related("territory").first()
    if customer is None or customer.manager_id != user.pk:
        raise BusinessError(_("You can only log visits to your own stores."), field="customer")
    return customer


def default_stats_range(today: date | None = None) -> tuple[date, date]:
    """From the Monday three weeks back to the Sunday of this week."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=21), monday + timedelta(days=6)


def stats_managers(*, user, manager: User | None) -> list[User]:
    if manager is not None:
        return [manager]
    return list(managers_visible_to(user))


def plan_stats(*, user, first_day: date | None = None, last_day: date | None = None,
               manager_pk=None) -> dict:
    """Plan against actual over a range (three weeks back to this Sunday by default), for
    one manager or every manager the user may see."""
    manager = manager_get(user=user, pk=manager_pk) if manager_pk else None
    return _plan_stats_for(user=user, manager=manager, first_day=first_day, last_day=last_day)


def _plan_stats_for(*, user, manager: User | None, first_day: date | None,
                    last_day: date | None) -> dict:
    first_default, last_default = default_stats_range()
    return plan_vs_actual(user=user, managers=stats_managers(user=user, manager=manager),
                          first_day=first_day or first_default,
                          last_day=last_day or last_default)


def stats_page(*, user, first_day: date | None = None, last_day: date | None = None,
               manager_pk=None) -> dict:
    """The stats page: a manager sees their own figures unless another is asked for."""
    manager = (manager_get(user=user, pk=manager_pk) if manager_pk
               else default_manager(user))
    stats = _plan_stats_for(user=user, manager=manager, first_day=first_day,
                            last_day=last_day)
    return {"stats": stats, "manager": manager, "first_day": stats["first_day"],
            "last_day": stats["last_day"], "all_managers": manager_choices(user=user)}


def plan_customer_get(*, user, manager: User, pk) -> Customer:
    """A store of `manager` that the user may see, to add to the manager's plan."""
    customer = (customers_visible_to(user).filter(pk=pk, manager=manager)
                .select_related("territory").first())
    if customer is None:
        raise BusinessError(_("This store is not one of the manager's stores."),
                            field="customer")
    return customer


# ---------------------------------------------------------------- sample stores


def sample_report(*, user, as_of: date | None = None, weeks: int = 12) -> dict:
    """Per SKU and territory, from the sample stores the user may see, over the last weeks:
    the average observed retail price against guidance, the share of records with no stock
    (断货率), and the same two figures week by week (oldest first) for the trend."""
    as_of = as_of or timezone.localdate()
    monday = as_of - timedelta(days=as_of.weekday())
    first_week = monday - timedelta(weeks=weeks - 1)
    week_starts = [first_week + timedelta(weeks=n) for n in range(weeks)]
    stores = SampleStore.objects.filter(customer__in=customers_visible_to(user))
    records = (PriceStockRecord.objects
               .filter(visit__customer__in=stores.values("customer"),
                       visit__date__gte=first_week, visit__date__lte=as_of)
               .values("product_id", "product__name", "product__retail_price",
                       "visit__customer__territory__code", "visit__date", "retail_price",
                       "stock_cartons"))
    rows: dict[tuple, dict] = {}
    for record in records:
        key = (record["product__name"], record["visit__customer__territory__code"])
        row = rows.setdefault(key, {
            "product": record["product__name"], "territory": key[1],
            "guidance": record["product__retail_price"], "prices": [], "empty": 0,
            "weeks": {start: {"prices": [], "empty": 0} for start in week_starts}})
        row["prices"].append(record["retail_price"])
        row["empty"] += record["stock_cartons"] == 0
        week = record["visit__date"] - timedelta(days=record["visit__date"].weekday())
        row["weeks"][week]["prices"].append(record["retail_price"])
        row["weeks"][week]["empty"] += record["stock_cartons"] == 0

    def average(prices):
        return sum(prices) / len(prices) if prices else None

    result = []
    for key in sorted(rows):
        row = rows[key]
        price = average(row["prices"])
        result.append({
            "product": row["product"], "territory": row["territory"],
            "guidance": row["guidance"], "records": len(row["prices"]),
            "average_price": price.quantize(Decimal("0.01")),
            "deviation": float((price - row["guidance"]) / row["guidance"]),
            "out_of_stock": row["empty"] / len(row["prices"]),
            "trend": [{"week": start,
                       "average_price": average(week["prices"]),
                       "out_of_stock": (week["empty"] / len(week["prices"])
                                        if week["prices"] else None)}
                      for start, week in row["weeks"].items()],
        })
    return {"rows": result, "stores": stores.count(), "first_week": first_week,
            "as_of": as_of, "weeks": week_starts}


# ---------------------------------------------------------------- key accounts


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def key_accounts_due_supervisor_visit(*, customer_ids, on: date) -> set[int]:
    """Of these stores (key accounts), those no supervisor has visited in `on`'s quarter."""
    customer_ids = list(customer_ids)
    if not customer_ids:
        return set()
    visited = set(SupervisorVisit.objects.filter(
        customer_id__in=customer_ids, date__gte=quarter_start(on), date__lte=on,
    ).values_list("customer_id", flat=True))
    return set(customer_ids) - visited


def supervisor_visit_customer_get(*, user, pk) -> Customer:
    """A store the supervisor oversees (another department's is a 404)."""
    return get_object_or_404(customers_visible_to(user), pk=_id_or_404(pk))


def supervisor_visits_due(*, user, on: date | None = None) -> list[dict]:
    """The key accounts the user oversees that no supervisor has visited this quarter, with
    the store's next planned visit (which carries the aim), soonest first; then the rest."""
    require(user, Ability.VISIT_KEY_ACCOUNTS)
    on = on or timezone.localdate()
    stores = {c.pk: c for c in customers_visible_to(user)
              .filter(is_key_account=True, status=CustomerStatus.ACTIVE)
              .select_related("manager", "territory")}
    due = key_accounts_due_supervisor_visit(customer_ids=stores, on=on)
    next_stops: dict[int, PlannedVisit] = {}
    for stop in (PlannedVisit.objects.filter(customer_id__in=due, date__gte=on,
                                             status=StopStatus.PLANNED)
                 .order_by("customer_id", "date", "sequence").distinct("customer_id")):
        next_stops[stop.customer_id] = stop
    last = dict(SupervisorVisit.objects.filter(customer_id__in=due)
                .values("customer_id").annotate(last=Max("date"))
                .values_list("customer_id", "last"))
    rows = [{"customer": stores[pk], "next_visit": next_stops.get(pk),
             "last_supervisor_visit": last.get(pk)} for pk in due]
    rows.sort(key=lambda row: (row["next_visit"] is None,
                               row["next_visit"].date if row["next_visit"] else date.max,
                               row["customer"].code))
    return rows


def supervisor_visits_page(*, user) -> dict:
    today = timezone.localdate()
    return {"rows": supervisor_visits_due(user=user, on=today), "today": today,
            "quarter_start": quarter_start(today)}
