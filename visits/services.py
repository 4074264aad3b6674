"""Every write of the visits app: plan generation and editing, and the visit log."""

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from crm_project.uploads import sniff_upload
from customers.access import Ability, can, is_admin, require
from customers.care import care_occasions
from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnReason,
    ChurnWarning,
    Customer,
    CustomerStatus,
    Grade,
    User,
)
from customers.selectors import customers_visible_to
from phone_orders.models import Product

from . import planner
from .actions import ACTION_CODES
from .cadence import visit_cadence
from .models import (
    CARE_AIMS,
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
from .selectors import (
    customer_standard_minutes,
    customer_usual_products,
    key_accounts_due_supervisor_visit,
    manager_start_point,
    plan_customer_get,
    plan_editable_by,
    planned_visit_get,
    price_tolerance,
    supervisor_visit_customer_get,
    visit_customer_get,
    visit_standard_minutes,
)

# A visit log with every SKU of a large catalog filled in stays well under this.
DRAFT_MAX_BYTES = 64 * 1024
MAX_STOCK_CARTONS = 1_000_000
# A plan starts within this many days of today (a far date is a typing slip, and the
# calendar arithmetic of 9999-12-31 or 0001-01-01 leaves the date range).
PLAN_FIRST_DAY_RANGE_DAYS = 366


def price_outside_guidance(*, product: Product, price: Decimal) -> bool:
    """Guidance is the suggested retail price, give or take the configured tolerance."""
    guidance = product.retail_price
    return abs(price - guidance) > guidance * price_tolerance()


# ---------------------------------------------------------------- who may do what


def _require_plan_rights(*, user, manager: User) -> None:
    if not plan_editable_by(user=user, manager=manager):
        raise BusinessError(_("You may not change this manager's plan."), field="manager")


def _require_own_store(*, user, customer: Customer) -> None:
    if not can(user, Ability.LOG_VISITS) or customer.manager_id != user.pk:
        raise BusinessError(_("You can only log visits to your own stores."), field="customer")


# ---------------------------------------------------------------- planning


@dataclass
class UnplacedStore:
    customer: Customer
    window_start: date
    window_end: date
    message: str


@dataclass
class PlanOutcome:
    first_day: date
    stops_created: int
    stops_kept: int
    missed: int
    unplaced: list[UnplacedStore]


def _point(obj):
    latitude, longitude = obj.latitude, obj.longitude
    if latitude is None or longitude is None:
        return None
    return (float(latitude), float(longitude))


def _service_minutes(customer: Customer, config: planner.PlannerConfig) -> int:
    return customer_standard_minutes(customer=customer, config=config)


def customer_key_aims(*, customers: list[Customer],
                      on: date | None = None) -> dict[int, list[str]]:
    """Why each store deserves a key visit now (open warnings, complaints, new products, a
    key account's quarterly supervisor visit, a care occasion in the days from `on`)."""
    on = on or timezone.localdate()
    aims: dict[int, list[str]] = {c.pk: [] for c in customers}
    warnings = ChurnWarning.objects.filter(
        customer_id__in=aims.keys(), status__in=OPEN_WARNING_STATUSES
    ).values_list("customer_id", "reason", "evidence")
    for customer_id, reason, evidence in warnings:
        # The churn scan merges a store's reasons into one warning, listed in its evidence.
        for each in (evidence or {}).get("reasons") or [reason]:
            if each == ChurnReason.GRADE_DROP:
                aim = KeyAim.GRADE_DROP
            elif each == ChurnReason.COMPLAINT_OPEN:
                aim = KeyAim.COMPLAINT_FOLLOW_UP
            else:
                aim = KeyAim.CHURN_WARNING
            if aim not in aims[customer_id]:
                aims[customer_id].append(aim)
    for customer in customers:
        if customer.open_complaint_count > 0 and \
                KeyAim.COMPLAINT_FOLLOW_UP not in aims[customer.pk]:
            aims[customer.pk].append(KeyAim.COMPLAINT_FOLLOW_UP)
    new_products = list(Product.objects.filter(is_new=True, on_sale=True)
                        .values_list("pk", flat=True))
    if new_products:
        # Push new products where they sell best (A and B stores) until the store shows
        # them on its shelf (a price and stock record of a new SKU).
        listing = set(PriceStockRecord.objects.filter(
            product_id__in=new_products, visit__customer_id__in=aims.keys()
        ).values_list("visit__customer_id", flat=True))
        for customer in customers:
            if customer.grade in (Grade.A, Grade.B) and customer.pk not in listing:
                aims[customer.pk].append(KeyAim.NEW_PRODUCT)
    due = key_accounts_due_supervisor_visit(
        customer_ids=[c.pk for c in customers if c.is_key_account], on=on)
    for customer_id in due:
        aims[customer_id].append(KeyAim.SUPERVISOR_VISIT)
    for customer_id, kinds in care_occasions(customers=customers, today=on).items():
        aims[customer_id].extend(CARE_AIMS[kind] for kind in kinds)
    rank = {aim: n for n, aim in enumerate(KeyAim.values)}
    return {pk: sorted(found, key=rank.__getitem__) for pk, found in aims.items()}


def _stop_for(customer: Customer, config, aims, done_dates=(), urgent=False) -> planner.Stop:
    point = _point(customer)
    return planner.Stop(
        customer_id=customer.pk, label=customer.name, grade=customer.grade or "C",
        network=customer.network, area=customer.territory.code,
        latitude=point[0] if point else None, longitude=point[1] if point else None,
        interval_days=visit_cadence(customer.grade).interval_days,
        service_minutes=_service_minutes(customer, config), aims=list(aims),
        done_dates=list(done_dates), urgent=urgent,
    )


@transaction.atomic
def plan_generate(*, manager: User, user, first_day: date | None = None,
                  config: planner.PlannerConfig | None = None) -> PlanOutcome:
    """Plan the manager's coming weeks. Visits done or under way stay where they are; stops
    left undone before the first day are marked missed and come back in the first week."""
    _require_plan_rights(user=user, manager=manager)
    config = config or planner.PlannerConfig.from_settings()
    today = timezone.localdate()
    first_day = first_day or today
    if abs((first_day - today).days) > PLAN_FIRST_DAY_RANGE_DAYS:
        raise BusinessError(_("Choose a first day within a year of today."), field="first_day")
    last_day = first_day + timedelta(days=config.horizon_weeks * 7 - 1)
    # One planner run per manager at a time.
    User.objects.select_for_update().filter(pk=manager.pk).first()

    missed_rows = PlannedVisit.objects.filter(manager=manager, date__lt=first_day,
                                              status=StopStatus.PLANNED, visit__isnull=True)
    missed_customers = set(missed_rows.values_list("customer_id", flat=True))
    missed = missed_rows.update(status=StopStatus.MISSED)
    # Missed earlier and still not visited since: also carried forward.
    recent_missed = PlannedVisit.objects.filter(
        manager=manager, status=StopStatus.MISSED, date__gte=first_day - timedelta(days=28),
        date__lt=first_day,
    ).values_list("customer_id", "date")
    visited_since = {}
    for customer_id, visit_date in Visit.objects.filter(
            manager=manager, date__gte=first_day - timedelta(days=28)
    ).values_list("customer_id", "date"):
        visited_since[customer_id] = max(visited_since.get(customer_id, visit_date), visit_date)
    for customer_id, missed_date in recent_missed:
        if visited_since.get(customer_id, date.min) < missed_date:
            missed_customers.add(customer_id)

    # Days the manager put in order by hand stay as they are.
    PlannedVisit.objects.filter(manager=manager, date__gte=first_day, order_locked=False,
                                status=StopStatus.PLANNED, visit__isnull=True).delete()
    kept = list(PlannedVisit.objects.filter(manager=manager, date__gte=first_day,
                                            date__lte=last_day)
                .select_related("customer__territory").order_by("date", "sequence", "pk"))
    locked = {row.date for row in kept if row.order_locked}
    customers = list(customers_visible_to(manager).filter(status=CustomerStatus.ACTIVE)
                     .select_related("territory"))
    aims = customer_key_aims(customers=customers, on=first_day)
    done_dates: dict[int, list[date]] = {}
    for row in kept:
        done_dates.setdefault(row.customer_id, []).append(row.date)
    for customer_id, visit_date in Visit.objects.filter(
            manager=manager, date__gte=first_day, date__lte=last_day
    ).values_list("customer_id", "date"):
        done_dates.setdefault(customer_id, []).append(visit_date)

    fixed: dict[date, list[planner.Stop]] = {}
    for row in kept:
        fixed.setdefault(row.date, []).append(
            _stop_for(row.customer, config, row.aims))
    stops = []
    for customer in customers:
        urgent = customer.pk in missed_customers and not done_dates.get(customer.pk)
        customer_aims = list(aims[customer.pk])
        if urgent:
            customer_aims.append(KeyAim.MISSED_VISIT)
        stops.append(_stop_for(customer, config, customer_aims,
                               done_dates.get(customer.pk, ()), urgent))
    start = manager_start_point(manager=manager)
    result = planner.plan(stops, first_day=first_day, start=start, config=config, fixed=fixed,
                          locked=locked)

    kept_by_key = {(row.date, row.customer_id): row for row in kept}
    aims_given: set[int] = set()
    new_rows = []
    for day in result.days:
        for stop in day.stops:
            row = kept_by_key.get((day.date, stop.stop.customer_id))
            if row is not None:
                row.sequence, row.planned_start = stop.sequence, stop.arrival
                row.travel_minutes = stop.travel_minutes
                row.save(update_fields=["sequence", "planned_start", "travel_minutes"])
                continue
            # A key aim belongs to the store's next visit, not to every visit of the month.
            first = stop.stop.customer_id not in aims_given
            aims_given.add(stop.stop.customer_id)
            new_rows.append(PlannedVisit(
                manager=manager, customer_id=stop.stop.customer_id, date=day.date,
                sequence=stop.sequence, planned_start=stop.arrival,
                travel_minutes=stop.travel_minutes, service_minutes=stop.service_minutes,
                aims=stop.aims if first else [],
            ))
    PlannedVisit.objects.bulk_create(new_rows)
    by_pk = {c.pk: c for c in customers}
    unplaced = [
        UnplacedStore(
            customer=by_pk[item.stop.customer_id], window_start=item.window_start,
            window_end=item.window_end,
            message=_("%(store)s (grade %(grade)s) did not fit between %(start)s and "
                      "%(end)s: every working day there is full, and its %(minutes)s minutes "
                      "in store plus travel would pass the %(budget)s-minute working day.")
            % {"store": by_pk[item.stop.customer_id].name, "grade": item.stop.grade,
               "start": item.window_start.isoformat(), "end": item.window_end.isoformat(),
               "minutes": item.stop.service_minutes, "budget": config.working_minutes},
        )
        for item in result.unplaced
    ]
    return PlanOutcome(first_day=first_day, stops_created=len(new_rows),
                       stops_kept=len(kept), missed=missed, unplaced=unplaced)


def plan_day_recompute(*, manager: User, day: date,
                       config: planner.PlannerConfig | None = None) -> list[PlannedVisit]:
    """Arrival, travel and sequence of a day's stops in their current order."""
    config = config or planner.PlannerConfig.from_settings()
    rows = list(PlannedVisit.objects.filter(manager=manager, date=day)
                .select_related("customer__territory").order_by("sequence", "pk"))
    stops = [_stop_for(row.customer, config, row.aims) for row in rows]
    for stop, row in zip(stops, rows, strict=True):
        stop.service_minutes = row.service_minutes
    summary = planner.day_times(stops, day, manager_start_point(manager=manager), config)
    for row, planned in zip(rows, summary.stops, strict=True):
        row.sequence, row.planned_start = planned.sequence, planned.arrival
        row.travel_minutes = planned.travel_minutes
    PlannedVisit.objects.bulk_update(rows, ["sequence", "planned_start", "travel_minutes"])
    return rows


@transaction.atomic
def plan_stop_reorder(*, manager: User, user, day: date, order: list[int]) -> list[PlannedVisit]:
    """Put the day's stops in the order the manager chose, and recompute the times."""
    _require_plan_rights(user=user, manager=manager)
    rows = {row.pk: row for row in PlannedVisit.objects.select_for_update()
            .filter(manager=manager, date=day)}
    if sorted(order) != sorted(rows):
        raise BusinessError(_("The new order must list each stop of the day exactly once."),
                            field="order")
    for sequence, pk in enumerate(order, start=1):
        rows[pk].sequence = sequence
        rows[pk].order_locked = True
    PlannedVisit.objects.bulk_update(rows.values(), ["sequence", "order_locked"])
    return plan_day_recompute(manager=manager, day=day)


@transaction.atomic
def plan_stop_move(*, stop: PlannedVisit, user, offset: int) -> list[PlannedVisit]:
    """Move one stop up (-1) or down (+1) in its day."""
    order = list(PlannedVisit.objects.filter(manager=stop.manager, date=stop.date)
                 .order_by("sequence", "pk").values_list("pk", flat=True))
    index = order.index(stop.pk)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return plan_stop_reorder(manager=stop.manager, user=user, day=stop.date, order=order)


def plan_stop_add_by_id(*, manager: User, user, day: date, customer_id) -> PlannedVisit:
    """Add one of the manager's stores, named by id, to a day (the page and the API)."""
    customer = plan_customer_get(user=user, manager=manager,
                                 pk=customer_id if str(customer_id).isdigit() else 0)
    return plan_stop_add(manager=manager, user=user, day=day, customer=customer)


@transaction.atomic
def plan_stop_add(*, manager: User, user, day: date, customer: Customer) -> PlannedVisit:
    """Add a store at the end of a day; the day's times are recomputed."""
    _require_plan_rights(user=user, manager=manager)
    if customer.manager_id != manager.pk:
        raise BusinessError(_("This store is not one of the manager's stores."),
                            field="customer")
    if day < timezone.localdate():
        raise BusinessError(_("A stop cannot be added to a day that is over."), field="date")
    if PlannedVisit.objects.filter(manager=manager, date=day, customer=customer).exists():
        raise BusinessError(_("This store is already planned that day."), field="customer")
    config = planner.PlannerConfig.from_settings()
    last = PlannedVisit.objects.filter(manager=manager, date=day).order_by("-sequence").first()
    row = PlannedVisit(
        manager=manager, customer=customer, date=day,
        sequence=(last.sequence + 1) if last else 1, planned_start=config.day_start,
        service_minutes=_service_minutes(customer, config), added_by_manager=True,
        aims=customer_key_aims(customers=[customer], on=day)[customer.pk],
    )
    row.full_clean()
    row.save()
    plan_day_recompute(manager=manager, day=day, config=config)
    row.refresh_from_db()
    return row


# ---------------------------------------------------------------- the visit log


def _decimal_or_none(value, field: str):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BusinessError(_("Enter a number."), field=field) from None


def _coordinates(latitude, longitude, *, prefix: str) -> tuple[Decimal | None, Decimal | None]:
    """A position as the phone sent it: both or neither, within the globe's ranges."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    values = []
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        number = _decimal_or_none(value, f"{prefix}{name}")
        if number is None or not number.is_finite() or abs(number) > limit:
            raise BusinessError(
                _("The position could not be used: latitude must be between -90 and 90 and "
                  "longitude between -180 and 180, both given."), field=f"{prefix}{name}")
        values.append(number.quantize(Decimal("0.000001")))
    return values[0], values[1]


def checkin_distance_limit() -> int:
    """Metres from the store's coordinates beyond which a start is flagged."""
    return int(getattr(settings, "CRM_VISIT_CHECKIN_DISTANCE_M", 300))


def _distance_m(customer: Customer, latitude, longitude) -> int | None:
    if latitude is None or customer.latitude is None or customer.longitude is None:
        return None
    return round(planner.haversine_km((float(latitude), float(longitude)),
                                      (float(customer.latitude), float(customer.longitude)))
                 * 1000)


@transaction.atomic
def visit_start(*, user, customer: Customer, planned_visit: PlannedVisit | None = None,
                at: datetime | None = None, latitude=None, longitude=None) -> Visit:
    """Arrive at a store. Starting twice returns the visit already under way; a visit
    elsewhere must be finished first. A start far from the store is flagged, not refused:
    the manager says why when finishing."""
    _require_own_store(user=user, customer=customer)
    latitude, longitude = _coordinates(latitude, longitude, prefix="")
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    if planned_visit is not None:
        if planned_visit.manager_id != user.pk or planned_visit.customer_id != customer.pk:
            raise BusinessError(_("This stop is not in your plan."), field="planned_visit")
    else:
        planned_visit = PlannedVisit.objects.filter(
            manager=user, customer=customer, date=day, visit__isnull=True).first()
    # One open visit per manager: lock their row so two taps cannot open two visits.
    User.objects.select_for_update().filter(pk=user.pk).first()
    under_way = (Visit.objects.filter(manager=user, status=VisitStatus.IN_PROGRESS)
                 .select_related("customer").first())
    if under_way is not None and under_way.customer_id == customer.pk \
            and under_way.date == day:
        return under_way
    if under_way is not None:
        raise BusinessError(_("Finish your visit to %(store)s (started %(start)s) before "
                              "starting another.")
                            % {"store": under_way.customer.name,
                               "start": timezone.localtime(under_way.started_at)
                               .strftime("%Y-%m-%d %H:%M")}, field="customer")
    if planned_visit is not None and Visit.objects.filter(planned_visit=planned_visit).exists():
        raise BusinessError(_("This stop has already been visited."), field="planned_visit")
    distance = _distance_m(customer, latitude, longitude)
    visit = Visit(
        customer=customer, manager=user, planned_visit=planned_visit, date=day,
        started_at=at, start_latitude=latitude, start_longitude=longitude,
        start_distance_m=distance,
        far_from_store=distance is not None and distance > checkin_distance_limit(),
    )
    visit.full_clean()
    visit.save()
    return visit


def visit_arrive(*, user, customer_id, planned_visit_id=None, at: datetime | None = None,
                 latitude=None, longitude=None) -> Visit:
    """Start a visit from ids as a page or the API sends them (a stop outside the user's
    scope is a 404)."""
    customer = visit_customer_get(user=user,
                                  pk=customer_id if str(customer_id).isdigit() else 0)
    planned = (planned_visit_get(user=user, pk=planned_visit_id) if planned_visit_id
               else None)  # a malformed id is a 404 there
    return visit_start(user=user, customer=customer, planned_visit=planned, at=at,
                       latitude=latitude, longitude=longitude)


def _require_own_visit(*, visit: Visit, user) -> None:
    if visit.manager_id != user.pk:
        raise BusinessError(_("Only the manager who made this visit can change it."))


def visit_save_draft(*, visit: Visit, user, draft: dict) -> Visit:
    """Keep what was typed so far; nothing is checked until the visit is finished."""
    _require_own_visit(visit=visit, user=user)
    if visit.status != VisitStatus.IN_PROGRESS:
        raise BusinessError(_("This visit is already finished."))
    if not isinstance(draft, dict) or len(json.dumps(draft)) > DRAFT_MAX_BYTES:
        raise BusinessError(_("The draft could not be read."), field="draft")
    Visit.objects.filter(pk=visit.pk).update(draft=draft, updated_at=timezone.now())
    visit.draft = draft
    return visit


def _clean_lines(lines: list[dict]) -> list[tuple[Product, Decimal, int]]:
    errors = []
    cleaned = []
    seen = set()
    products = Product.objects.in_bulk([line.get("product") for line in lines
                                        if str(line.get("product", "")).isdigit()])
    for index, line in enumerate(lines):
        product = products.get(int(line["product"])) if str(
            line.get("product", "")).isdigit() else None
        line_errors = {}
        if product is None:
            line_errors["product"] = _("Choose a SKU from the catalog.")
        elif product.pk in seen:
            line_errors["product"] = _("This SKU is listed twice.")
        try:
            price = Decimal(str(line.get("retail_price", "")).strip())
        except (InvalidOperation, ValueError):
            price = None
        if price is None or not price.is_finite():
            line_errors["retail_price"] = _("Enter the observed price per carton.")
        elif price <= 0:
            line_errors["retail_price"] = _("The price must be more than zero.")
        elif price != price.quantize(Decimal("0.01")) or price >= Decimal("100000000"):
            line_errors["retail_price"] = _("Enter a price in yuan with at most two decimals.")
        stock_raw = str(line.get("stock_cartons", "")).strip()
        try:
            stock = int(stock_raw)
        except ValueError:
            stock = None
        if stock is None:
            line_errors["stock_cartons"] = _("Enter the cartons in stock as a whole number.")
        elif stock < 0:
            line_errors["stock_cartons"] = _("The stock cannot be negative.")
        elif stock > MAX_STOCK_CARTONS:
            line_errors["stock_cartons"] = _("Enter at most %(max)s cartons in stock.") % {
                "max": MAX_STOCK_CARTONS}
        if line_errors:
            errors.append({"line": index, **{k: str(v) for k, v in line_errors.items()}})
            continue
        seen.add(product.pk)
        cleaned.append((product, price, stock))
    if errors:
        first = errors[0]
        message = next(v for k, v in first.items() if k != "line")
        raise BusinessError(
            _("Price and stock line %(line)s: %(message)s")
            % {"line": first["line"] + 1, "message": message},
            field="lines", errors=errors,
        )
    return cleaned


@transaction.atomic
def visit_finish(*, visit: Visit, user, actions: list[str], lines: list[dict],
                 notes: str = "", next_actions: str = "", at: datetime | None = None,
                 latitude=None, longitude=None, location_note: str = "",
                 short_reason: str = "", submission_token: str = "") -> Visit:
    """Leave the store: the checklist, price and stock lines and notes, all or nothing. A
    start far from the store, or a visit shorter than half its standard minutes, needs the
    manager's reason."""
    _require_own_visit(visit=visit, user=user)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    submission_token = (submission_token or "").strip()[:64]
    if submission_token and visit.submission_token == submission_token:
        return visit  # the same log delivered again (an offline queue retrying): done once
    if visit.status != VisitStatus.IN_PROGRESS:
        raise BusinessError(_("This visit is already finished."))
    at = at or timezone.now()
    if at < visit.started_at:
        raise BusinessError(_("A visit cannot finish before it started (%(start)s).")
                            % {"start": timezone.localtime(visit.started_at)
                               .strftime("%Y-%m-%d %H:%M")}, field="finished_at")
    unknown = sorted(set(actions) - set(ACTION_CODES))
    if unknown:
        raise BusinessError(_("Unknown visit action: %(codes)s.") % {"codes": ", ".join(unknown)},
                            field="actions")
    cleaned = _clean_lines(lines)
    if not cleaned and SampleStore.objects.filter(customer_id=visit.customer_id).exists():
        raise BusinessError(_("This is a sample store: collect the price and stock of the SKUs "
                              "on its shelf before finishing."), field="lines")
    latitude, longitude = _coordinates(latitude, longitude, prefix="finish_")
    location_note, short_reason = location_note.strip(), short_reason.strip()
    if visit.far_from_store and not location_note:
        raise BusinessError(_("You started %(distance)s m from the store (more than %(limit)s "
                              "m): say why before finishing.")
                            % {"distance": visit.start_distance_m,
                               "limit": checkin_distance_limit()}, field="location_note")
    standard = visit_standard_minutes(visit=visit)
    minutes = (at - visit.started_at).total_seconds() / 60
    if minutes < standard / 2 and not short_reason:
        raise BusinessError(_("This visit lasted %(minutes)s min, less than half of the "
                              "%(standard)s min a visit here takes: say why.")
                            % {"minutes": int(minutes), "standard": standard},
                            field="short_reason")
    visit.submission_token = submission_token
    visit.location_note = location_note
    visit.short_reason = short_reason if minutes < standard / 2 else ""
    visit.actions = [code for code in ACTION_CODES if code in set(actions)]
    visit.notes = notes.strip()
    visit.next_actions = next_actions.strip()
    visit.finished_at = at
    visit.finish_latitude, visit.finish_longitude = latitude, longitude
    visit.status = VisitStatus.DONE
    visit.draft = {}
    visit.full_clean()
    visit.save()
    PriceStockRecord.objects.bulk_create([
        PriceStockRecord(visit=visit, product=product, retail_price=price,
                         stock_cartons=stock,
                         outside_guidance=price_outside_guidance(product=product, price=price))
        for product, price, stock in cleaned
    ])
    if visit.planned_visit_id:
        PlannedVisit.objects.filter(pk=visit.planned_visit_id).update(status=StopStatus.DONE)
    return visit


def visit_lines(*, values: dict, products) -> tuple[list[dict], list[int]]:
    """Price and stock lines from the visit log as typed (`price_<sku id>`,
    `stock_<sku id>`): a SKU with either filled in is a line. Also the SKU id per line."""
    lines, product_ids = [], []
    for product in products:
        price = (values.get(f"price_{product.pk}") or "").strip()
        stock = (values.get(f"stock_{product.pk}") or "").strip()
        if price or stock:
            lines.append({"product": str(product.pk), "retail_price": price,
                          "stock_cartons": stock})
            product_ids.append(product.pk)
    return lines, product_ids


def visit_log_submit(*, visit: Visit, user, values: dict) -> Visit:
    """Finish a visit from the log page. When refused, what was typed is kept as the
    draft and each line's messages name their SKU (`product_id`)."""
    products = customer_usual_products(customer=visit.customer)
    lines, product_ids = visit_lines(values=values, products=products)
    try:
        return visit_finish(visit=visit, user=user, actions=values.get("actions", []),
                            lines=lines, notes=values.get("notes", ""),
                            next_actions=values.get("next_actions", ""),
                            latitude=values.get("latitude") or None,
                            longitude=values.get("longitude") or None,
                            location_note=values.get("location_note", ""),
                            short_reason=values.get("short_reason", ""),
                            submission_token=values.get("submission_token", ""))
    except BusinessError as error:
        try:
            visit_save_draft(visit=visit, user=user, draft=values)
        except BusinessError:
            pass  # someone else's or a finished visit: there is no draft to keep
        raise BusinessError(error.message, field=error.field, errors=[
            {**item, "product_id": product_ids[item["line"]]} if "line" in item else item
            for item in error.errors]) from error


def photo_max_bytes() -> int:
    return int(getattr(settings, "CRM_VISIT_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


def visit_photo_add(*, visit: Visit, user, upload) -> VisitPhoto:
    """Attach a display photo to one's own visit, on its day. The file must be an image by
    its content (JPEG, PNG, GIF, WebP), whatever its name says."""
    _require_own_visit(visit=visit, user=user)
    if visit.status != VisitStatus.IN_PROGRESS and visit.date != timezone.localdate():
        raise BusinessError(_("Photos can be added during the visit or on its day."),
                            field="photo")
    if upload is None:
        raise BusinessError(_("Choose a photo."), field="photo")
    limit = photo_max_bytes()
    if upload.size > limit:
        raise BusinessError(_("%(name)s is larger than %(mb)s MB.")
                            % {"name": upload.name, "mb": round(limit / (1024 * 1024), 1)},
                            field="photo")
    kind = sniff_upload(upload)
    if kind is None or not kind[0].startswith("image/"):
        raise BusinessError(_("%(name)s is not a photo (JPEG, PNG, GIF or WebP).")
                            % {"name": upload.name}, field="photo")
    photo = VisitPhoto(visit=visit, token=secrets.token_hex(16), extension=kind[1],
                       content_type=kind[0], size=upload.size)
    photo.file.save(upload.name or "photo", upload, save=False)
    photo.save()
    return photo


def sample_store_set(*, user, customer: Customer, sample: bool) -> SampleStore | None:
    """Mark a store as a sample store (样本点), or unmark it: an administrator's decision."""
    if not is_admin(user):
        raise BusinessError(_("Only an administrator marks sample stores."), field="customer")
    if not sample:
        SampleStore.objects.filter(customer=customer).delete()
        return None
    row, _created = SampleStore.objects.get_or_create(customer=customer,
                                                      defaults={"marked_by": user})
    return row


# ---------------------------------------------------------------- key accounts


def supervisor_visit_record(*, user, customer_id, on: date, notes: str = "") -> SupervisorVisit:
    """A supervisor (or an admin) records their visit of a key account they oversee; the
    store's next plan then drops the aim "supervisor visit" until the next quarter."""
    require(user, Ability.VISIT_KEY_ACCOUNTS)
    customer = supervisor_visit_customer_get(user=user, pk=customer_id)
    if not customer.is_key_account:
        raise BusinessError(_("This store is not a key account."), field="customer")
    if on > timezone.localdate():
        raise BusinessError(_("A visit cannot be recorded for a day that has not come yet."),
                            field="date")
    visit = SupervisorVisit(customer=customer, supervisor=user, date=on, notes=notes)
    visit.full_clean()
    visit.save()
    return visit
