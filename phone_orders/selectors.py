"""Every read of orders, calls and supply a page, API or export makes, scoped to the user
through customers_visible_to."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.access import Ability, can, require
from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnWarning,
    Customer,
    CustomerStatus,
    Role,
    User,
)
from customers.selectors import customer_get, customers_visible_to, users_overseen_by

from .allocations import quota_notes
from .catalog import product_search
from .models import (
    BriefingNote,
    CallOutcome,
    CallRecord,
    CycleSupply,
    DeliveryContact,
    Order,
    OrderImport,
    OrderLine,
    OrderStatus,
    Product,
    StoreQuota,
    UnmetReason,
)
from .services import (
    ORDER_TAKERS_ONLY,
    current_cycle,
    cycle_start_for,
    grant_preview,
    quota_for,
)


def orders_visible_to(user) -> QuerySet[Order]:
    return Order.objects.filter(customer__in=customers_visible_to(user))


def order_get(*, user, pk) -> Order:
    return get_object_or_404(
        orders_visible_to(user).select_related("customer", "taken_by"), pk=pk)


def order_list(*, user, filters=None) -> QuerySet[Order]:
    from .filters import OrderFilter

    orders = orders_visible_to(user).select_related("customer", "taken_by")
    if filters is None:
        return orders
    return OrderFilter(filters, queryset=orders, user=user).qs


def order_list_page(*, user, params) -> dict:
    """The order list: the filter form and one page (`params["page"]`) of orders."""
    from .filters import OrderFilter

    orders = orders_visible_to(user).select_related("customer", "taken_by")
    order_filter = OrderFilter(params or None, queryset=orders, user=user)
    page_obj = Paginator(order_filter.qs.order_by("-order_date", "-id"),
                         settings.CRM_PAGE_SIZE).get_page((params or {}).get("page"))
    return {"filter": order_filter, "page_obj": page_obj}


def order_detail(*, user, pk) -> dict:
    order = order_get(user=user, pk=pk)
    return {"order": order, "lines": order_lines(order=order),
            "events": order_events(order=order), "can_call": can(user, Ability.TAKE_ORDERS)}


def order_lines(*, order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product").order_by("id"))


def order_events(*, order: Order):
    return order.events.select_related("user").order_by("at", "id")


def order_changes_after_confirmation(*, order: Order | None) -> list:
    """Line changes made after the order was confirmed, to read back to the store."""
    if order is None or order.confirmed_at is None:
        return []
    return list(order.events.filter(at__gt=order.confirmed_at, action__in=[
        "line_added", "line_changed", "line_removed"]).order_by("at", "id"))


def customer_orders(*, user, customer: Customer, limit: int = 10) -> list[Order]:
    """A store's latest orders, newest first (the store card, the console)."""
    return list(orders_visible_to(user).filter(customer=customer)
                .select_related("taken_by").prefetch_related("lines__product")
                .order_by("-order_date", "-id")[:limit])


def live_order(*, customer: Customer, cycle_start: date | None = None) -> Order | None:
    """The cycle's main order (not a supplementary order, 补单)."""
    return (Order.objects.filter(customer=customer, cycle_start=cycle_start or current_cycle(),
                                 status__in=[OrderStatus.DRAFT, OrderStatus.CONFIRMED],
                                 is_supplementary=False)
            .select_related("taken_by").first())


# --- Today's call list ----------------------------------------------------------------

CALL_STATUS_NOT_CALLED = "not_called"


def call_list(*, user, day: date | None = None) -> QuerySet[Customer]:
    """The active stores of the user's scope whose order day is `day`, with the latest
    call of the day, the order of the cycle and the flags a clerk must see."""
    day = day or timezone.localdate()
    cycle = cycle_start_for(day)
    latest_call = CallRecord.objects.filter(customer=OuterRef("pk"), call_date=day).order_by(
        "-ended_at", "-id")
    order = Order.objects.filter(customer=OuterRef("pk"), cycle_start=cycle,
                                 status__in=[OrderStatus.DRAFT, OrderStatus.CONFIRMED],
                                 is_supplementary=False)
    open_warning = ChurnWarning.objects.filter(
        customer=OuterRef("pk"), status__in=OPEN_WARNING_STATUSES).order_by("-score", "-id")
    return (
        customers_visible_to(user)
        .filter(order_weekday=day.isoweekday(), status=CustomerStatus.ACTIVE)
        .select_related("territory")
        .annotate(
            last_outcome=Subquery(latest_call.values("outcome")[:1]),
            callback_at=Subquery(latest_call.values("callback_at")[:1]),
            order_status=Subquery(order.values("status")[:1]),
            order_amount=Subquery(order.values("total_amount")[:1]),
            has_warning=Exists(ChurnWarning.objects.filter(
                customer=OuterRef("pk"), status__in=OPEN_WARNING_STATUSES)),
            # The model's risk when one has been scored, else the open warning's score.
            call_risk=Coalesce(F("churn_risk"), Subquery(open_warning.values("score")[:1])),
            # Its reasons, shown with the risk (with the store's own churn_reasons).
            warning_reason=Subquery(open_warning.values("reason")[:1]),
            warning_evidence=Subquery(open_warning.values("evidence")[:1]),
            last_order_cartons=Subquery(Order.objects.filter(
                customer=OuterRef("pk"), status=OrderStatus.CONFIRMED,
                order_date=OuterRef("last_order_date")).order_by("-id")
                .values("granted_cartons")[:1]),
        )
        .order_by("territory__code", "code")
    )


def call_list_sizes(*, clerks, day: date) -> dict[int, int]:
    """How many stores each clerk's call list of `day` holds (what call_list(...).count()
    says for each), counted per territory in one query instead of one per clerk: a
    province's morning view lists a few hundred clerks."""
    territories: dict[int, list[int]] = {clerk.pk: [] for clerk in clerks}
    for user_id, territory_id in User.territories.through.objects.filter(
            user_id__in=list(territories)).values_list("user_id", "territory_id"):
        territories[user_id].append(territory_id)
    wanted = {pk for pks in territories.values() for pk in pks}
    per_territory = dict(
        Customer.objects.filter(territory_id__in=wanted, status=CustomerStatus.ACTIVE,
                                order_weekday=day.isoweekday())
        # COUNT(*), not COUNT(id): the (territory, status, order weekday) index alone
        # answers it (the id is not in that index; 27 ms against 440 ms at a million).
        .values("territory_id").annotate(stores=Count("*")).values_list("territory_id",
                                                                        "stores")
        .order_by())
    return {clerk: sum(per_territory.get(pk, 0) for pk in pks)
            for clerk, pks in territories.items()}


def call_status(customer) -> str:
    if customer.order_status == OrderStatus.CONFIRMED:
        return CallOutcome.ORDERED
    return customer.last_outcome or CALL_STATUS_NOT_CALLED


def call_progress(customers) -> dict:
    rows = list(customers)
    called = sum(1 for c in rows if c.last_outcome or c.order_status == OrderStatus.CONFIRMED)
    return {"called": called, "total": len(rows),
            "percent": round(100 * called / len(rows)) if rows else 0,
            "ordered": sum(1 for c in rows if c.order_status == OrderStatus.CONFIRMED),
            "to_call": sum(1 for c in rows if getattr(c, "to_call", False))}


CALL_ORDER = {CALL_STATUS_NOT_CALLED: 0, CallOutcome.CALL_BACK: 1, CallOutcome.NO_ANSWER: 3,
              CallOutcome.NO_NEED: 4, CallOutcome.ORDERED: 5}


def call_order_key(store, now):
    """Stores not yet called first; then call-backs that are due, by their time; then
    call-backs not due yet; then no answer (to try again); the stores done last."""
    rank = CALL_ORDER.get(store.call_status, 2)
    if store.call_status == CallOutcome.CALL_BACK:
        due = store.callback_at is None or store.callback_at <= now
        return (rank if due else 2, store.callback_at or now, store.territory.code, store.code)
    return (rank, now, store.territory.code, store.code)


def is_to_call(store, now) -> bool:
    """A store the clerk still has to call now: never called, or a call-back due."""
    if store.call_status == CALL_STATUS_NOT_CALLED:
        return True
    return store.call_status == CallOutcome.CALL_BACK and (
        store.callback_at is None or store.callback_at <= now)


def call_list_page(*, user, day: date, status: str = "") -> dict:
    """Today's call list in call order, narrowed to one call status; progress counts the
    whole list."""
    now = timezone.now()
    stores = list(call_list(user=user, day=day))
    for store in stores:
        store.call_status = call_status(store)
        store.to_call = is_to_call(store, now)
    stores.sort(key=lambda store: call_order_key(store, now))
    return {
        "day": day, "stores": [s for s in stores if not status or s.call_status == status],
        "progress": call_progress(stores),
        "status_choices": [(CALL_STATUS_NOT_CALLED, _("Not called")), *CallOutcome.choices],
        "wanted": status, "can_call": can(user, Ability.TAKE_ORDERS),
    }


def next_store_to_call(*, user, after: Customer, status: str = "") -> Customer | None:
    """The next store of today's call list (with the list's filter) the clerk still has to
    call, other than `after`; None when the list is done."""
    page = call_list_page(user=user, day=timezone.localdate(), status=status)
    return next((store for store in page["stores"]
                 if store.pk != after.pk and store.to_call), None)


# --- The console ----------------------------------------------------------------------

@dataclass
class SkuOffer:
    product: Product
    remaining: int
    quota: int | None
    on_sale: bool
    rules: list = field(default_factory=list)
    suggested: int | None = None
    quota_note: str = ""  # why the quota is what it is (tier allocation, exception)

    @property
    def out_of_stock(self) -> bool:
        return self.on_sale and self.remaining <= 0


def _supplies(cycle_start: date, product_ids=None) -> dict[int, CycleSupply]:
    supplies = CycleSupply.objects.filter(cycle_start=cycle_start)
    if product_ids is not None:
        supplies = supplies.filter(product_id__in=product_ids)
    return {s.product_id: s for s in supplies}


def _offers(*, customer: Customer, products, cycle_start: date) -> list[SkuOffer]:
    products = list(products)
    supplies = _supplies(cycle_start, [p.pk for p in products])
    quotas = dict(StoreQuota.objects.filter(cycle_start=cycle_start, customer=customer)
                  .values_list("product_id", "cartons"))
    notes = quota_notes(customer=customer, cycle_start=cycle_start,
                        product_ids=[p.pk for p in products if p.is_scarce])
    offers = []
    for product in products:
        supply = supplies.get(product.pk)
        quota = quotas.get(product.pk)
        if quota is None and product.is_scarce:
            quota = product.default_quota
        offers.append(SkuOffer(product=product,
                               remaining=supply.remaining_cartons if supply else 0,
                               quota=quota, on_sale=product.on_sale and supply is not None,
                               quota_note=notes.get(product.pk, "")))
    return offers


def console_customer_get(*, user, pk) -> Customer:
    """A store of the user's scope (404 otherwise) for a user who takes orders (403)."""
    customer = customer_get(user=user, pk=pk)
    require(user, Ability.TAKE_ORDERS, ORDER_TAKERS_ONLY)
    return customer


def console_context(*, user, customer: Customer, error: str | None = None) -> dict:
    """Everything the console shows for a store: the live order read back, earlier
    orders, suggestions, "what else", flags, and the call script's facts."""
    order = live_order(customer=customer)
    recent = customer_orders(user=user, customer=customer, limit=4)
    suggested = suggested_quantities(customer=customer)
    return {
        "customer": customer,
        "order": order,
        "read_back": read_back(order=order) if order else None,
        "changes": order_changes_after_confirmation(order=order),
        "previous_orders": [o for o in recent
                            if o.status == OrderStatus.CONFIRMED and o != order][:3],
        "suggested_lines": suggested_lines(customer=customer, suggested=suggested, order=order),
        "not_yet_ordered": with_suggestions(not_yet_ordered(customer=customer, order=order),
                                            suggested),
        "flags": open_flags(customer=customer),
        "next_order_date": next_order_date(customer=customer),
        "cycle_start": current_cycle(),
        "error": error,
        "outcomes": [(CallOutcome.NO_NEED, _("No need")),
                     (CallOutcome.NO_ANSWER, _("No answer"))],
        "clerk_number": user.employee_no or user.username,
        "manager": customer.manager,
        "delivery_contact": DeliveryContact.objects.filter(
            territory_id=customer.territory_id).first(),
        "call_limit": settings.CRM_CALL_LENGTH_LIMIT_SECONDS,
    }


def sku_search_page(*, user, customer_pk, query: str) -> dict:
    customer = customer_get(user=user, pk=customer_pk)
    offers = with_suggestions(sku_search(customer=customer, query=query),
                              suggested_quantities(customer=customer))
    return {"customer": customer, "offers": offers, "query": query}


def substitutes_page(*, user, customer_pk, product_pk) -> dict:
    customer = customer_get(user=user, pk=customer_pk)
    product = get_object_or_404(Product, pk=product_pk)
    wanted = _offers(customer=customer, products=[product], cycle_start=current_cycle())[0]
    return {"customer": customer, "product": product, "wanted": wanted,
            "offers": substitutes(customer=customer, product=product)}


def sku_search(*, customer: Customer, query: str, limit: int = 8) -> list[SkuOffer]:
    """SKUs by code, name or pinyin initials, with this cycle's availability for the
    store; several hits mean the clerk must clarify (pack, colour, size)."""
    if not (query or "").strip():
        return []
    products = product_search(Product.objects.all(), query).order_by(
        "-on_sale", "code")[:limit]
    return _offers(customer=customer, products=products, cycle_start=current_cycle())


def band_shares(*, customer: Customer, weeks: int = 12) -> dict[int, float]:
    """Share of the store's recent cartons per price band, largest first."""
    since = timezone.localdate() - timedelta(weeks=weeks)
    rows = (OrderLine.objects.filter(order__customer=customer,
                                     order__status=OrderStatus.CONFIRMED,
                                     order__order_date__gte=since)
            .values("product__price_band").annotate(cartons=Sum("requested_cartons")))
    totals = {row["product__price_band"]: row["cartons"] or 0 for row in rows}
    whole = sum(totals.values()) or 1
    return {band: cartons / whole for band, cartons in
            sorted(totals.items(), key=lambda item: (-item[1], item[0]))}


def recently_ordered_cartons(*, customer: Customer, weeks: int = 12) -> dict[int, int]:
    """Cartons granted per SKU in the store's confirmed orders of the last weeks."""
    since = timezone.localdate() - timedelta(weeks=weeks)
    rows = (OrderLine.objects.filter(order__customer=customer,
                                     order__status=OrderStatus.CONFIRMED,
                                     order__order_date__gte=since)
            .values("product_id").annotate(total=Sum("granted_cartons")))
    return {row["product_id"]: row["total"] for row in rows}


def suggested_quantities(*, customer: Customer, orders: int = 4) -> dict[int, int]:
    """Average cartons per SKU over the store's last confirmed orders (rounded)."""
    recent = list(Order.objects.filter(customer=customer, status=OrderStatus.CONFIRMED)
                  .order_by("-order_date", "-id").values_list("pk", flat=True)[:orders])
    if not recent:
        return {}
    totals = (OrderLine.objects.filter(order_id__in=recent).values("product_id")
              .annotate(total=Sum("requested_cartons")))
    return {row["product_id"]: max(1, round(row["total"] / len(recent))) for row in totals}


def with_suggestions(offers: list[SkuOffer], suggested: dict[int, int]) -> list[SkuOffer]:
    for offer in offers:
        offer.suggested = suggested.get(offer.product.pk)
    return offers


def suggested_lines(*, customer: Customer, suggested: dict[int, int],
                    order: Order | None = None) -> list[SkuOffer]:
    """The store's usual SKUs with the suggested cartons, those on sale first, leaving out
    the SKUs already on today's order."""
    in_order = set(order.lines.values_list("product_id", flat=True)) if order else set()
    products = Product.objects.filter(pk__in=set(suggested) - in_order).order_by("code")
    offers = with_suggestions(_offers(customer=customer, products=products,
                                      cycle_start=current_cycle()), suggested)
    offers.sort(key=lambda o: (not o.on_sale, o.out_of_stock, -(o.suggested or 0)))
    return offers


def not_yet_ordered(*, customer: Customer, order: Order | None, limit: int = 12) -> list[SkuOffer]:
    """"What else do you have?": SKUs in stock this cycle in the store's usual price bands
    that are not on today's order. Each band gets a share of the list like its share of
    the store's cartons (at least one place), so one band never fills it; inside a band the
    store's new-to-it and new products come first, rationed ones last."""
    cycle = current_cycle()
    shares = band_shares(customer=customer)
    if not shares:
        return []
    in_order = set(order.lines.values_list("product_id", flat=True)) if order else set()
    bought = set(OrderLine.objects.filter(order__customer=customer,
                                          order__status=OrderStatus.CONFIRMED)
                 .values_list("product_id", flat=True).distinct())
    products = (Product.objects.filter(on_sale=True, price_band__in=list(shares),
                                       supplies__cycle_start=cycle,
                                       supplies__granted_cartons__lt=F(
                                           "supplies__available_cartons"))
                .exclude(pk__in=in_order))
    by_band: dict[int, list[SkuOffer]] = {band: [] for band in shares}
    for offer in _offers(customer=customer, products=products, cycle_start=cycle):
        by_band[offer.product.price_band].append(offer)
    for offers in by_band.values():
        offers.sort(key=lambda o: (o.product.pk in bought, not o.product.is_new,
                                   o.product.is_scarce, o.product.code))
    places = {band: max(1, round(limit * share)) for band, share in shares.items()}
    chosen = []
    for band in shares:
        chosen += by_band[band][:places[band]]
        by_band[band] = by_band[band][places[band]:]
    # Places a band could not fill go to the others, the store's main band first.
    leftovers = [offer for band in shares for offer in by_band[band]]
    return (chosen + leftovers)[:limit]


SUBSTITUTE_RULES = [("price_band", "same price band"), ("flavour", "same flavour"),
                    ("brand", "same brand"), ("origin", "same origin")]


def substitutes(*, customer: Customer, product: Product, limit: int = 5) -> list[SkuOffer]:
    """In-stock SKUs ranked by the four rules in order: same price band, same flavour,
    same brand, same origin (a match on an earlier rule outranks any later ones)."""
    cycle = current_cycle()
    candidates = (Product.objects.filter(on_sale=True, supplies__cycle_start=cycle,
                                         supplies__granted_cartons__lt=F(
                                             "supplies__available_cartons"))
                  .exclude(pk=product.pk)
                  .filter(Q(price_band=product.price_band) | Q(flavour=product.flavour)
                          | Q(brand=product.brand) | Q(origin=product.origin)))
    ranked = []
    for offer in _offers(customer=customer, products=candidates, cycle_start=cycle):
        rules = [key for key, _label in SUBSTITUTE_RULES
                 if getattr(offer.product, key) == getattr(product, key)]
        offer.rules = rules
        score = sum(8 >> i for i, (key, _l) in enumerate(SUBSTITUTE_RULES) if key in rules)
        # Closest wholesale price breaks ties inside the same rules.
        ranked.append((-score, abs(offer.product.wholesale_price - product.wholesale_price),
                       offer.product.code, offer))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked[:limit]]


@dataclass
class ReadBackLine:
    line: OrderLine
    expected_granted: int
    reason: str
    quota_note: str = ""

    @property
    def expected_amount(self):
        return self.line.unit_price * self.expected_granted


def read_back(*, order: Order) -> dict:
    """Demand vs granted per line, totals: confirmed figures, or a preview for a draft."""
    rows = []
    lines = list(order_lines(order=order))
    notes = quota_notes(customer=order.customer, cycle_start=order.cycle_start,
                        product_ids=[line.product_id for line in lines
                                     if line.product.is_scarce])
    for line in lines:
        if order.status == OrderStatus.CONFIRMED:
            granted, reason = line.granted_cartons, line.unmet_reason
        else:
            granted, reason = grant_preview(customer=order.customer, product=line.product,
                                            cartons=line.requested_cartons,
                                            cycle_start=order.cycle_start)
        rows.append(ReadBackLine(line, granted, reason, notes.get(line.product_id, "")))
    return {
        "rows": rows,
        "requested": sum(r.line.requested_cartons for r in rows),
        "granted": sum(r.expected_granted for r in rows),
        "amount": sum((r.expected_amount for r in rows), start=0),
        "unmet": any(r.reason for r in rows),
        "quota_reason": UnmetReason.QUOTA, "stock_reason": UnmetReason.STOCK,
    }


def next_order_date(*, customer: Customer, day: date | None = None) -> date:
    """The store's next order day after `day` (for "no order today")."""
    day = day or timezone.localdate()
    ahead = (customer.order_weekday - day.isoweekday()) % 7 or 7
    return day + timedelta(days=ahead)


def open_flags(*, customer: Customer) -> dict:
    return {
        "warnings": list(ChurnWarning.objects.filter(customer=customer,
                                                     status__in=OPEN_WARNING_STATUSES)),
        "complaints": customer.open_complaint_count,
    }


def supply_overview(*, cycle_start: date | None = None) -> QuerySet[CycleSupply]:
    return (CycleSupply.objects.filter(cycle_start=cycle_start or current_cycle())
            .select_related("product").order_by("product__code"))


def supply_page(*, cycle: date | None = None) -> dict:
    """The supply of the cycle holding `cycle` (this one by default), with its neighbours."""
    cycle = cycle_start_for(cycle or current_cycle())
    return {"cycle": cycle, "cycle_end": cycle + timedelta(days=6),
            "supplies": supply_overview(cycle_start=cycle),
            "previous": cycle - timedelta(days=7), "next": cycle + timedelta(days=7)}


def store_quota(*, customer: Customer, product: Product) -> int | None:
    return quota_for(customer=customer, product=product, cycle_start=current_cycle())


# --- Clerk figures --------------------------------------------------------------------

def clerks_visible_to(user) -> QuerySet:
    """Clerks whose figures the user may see: all, their department's, or themselves."""
    return users_overseen_by(user).filter(role=Role.CLERK)


def clerk_figures_page(*, user, date_from: date, date_to: date) -> dict:
    require(user, Ability.SEE_CLERK_FIGURES)
    return {"date_from": date_from, "date_to": date_to,
            **clerk_figures(user=user, date_from=date_from, date_to=date_to)}


def clerk_figures(*, user, date_from: date, date_to: date) -> dict:
    """Per clerk: calls, orders taken, no-answer rate, average call time, calls over the
    length limit; and unmet demand by SKU over the orders those clerks took."""
    limit = settings.CRM_CALL_LENGTH_LIMIT_SECONDS
    clerks = list(clerks_visible_to(user))
    calls = (CallRecord.objects.filter(clerk__in=clerks, call_date__gte=date_from,
                                       call_date__lte=date_to)
             .values("clerk_id")
             .annotate(calls=Count("id"),
                       no_answer=Count("id", filter=Q(outcome=CallOutcome.NO_ANSWER)),
                       avg_seconds=Avg("duration_seconds"),
                       long_calls=Count("id", filter=Q(duration_seconds__gt=limit))))
    calls = {row["clerk_id"]: row for row in calls}
    orders = dict(
        Order.objects.filter(taken_by__in=clerks, status=OrderStatus.CONFIRMED,
                             order_date__gte=date_from, order_date__lte=date_to)
        .values("taken_by_id").annotate(n=Count("id")).values_list("taken_by_id", "n"))
    rows = []
    for clerk in clerks:
        row = calls.get(clerk.pk, {})
        made = row.get("calls", 0)
        rows.append({
            "clerk": clerk, "calls": made, "orders": orders.get(clerk.pk, 0),
            "no_answer_rate": (100 * row.get("no_answer", 0) / made) if made else None,
            "avg_seconds": round(row["avg_seconds"]) if made else None,
            "long_calls": row.get("long_calls", 0),
        })
    unmet = (OrderLine.objects.filter(order__taken_by__in=clerks,
                                      order__status=OrderStatus.CONFIRMED,
                                      order__order_date__gte=date_from,
                                      order__order_date__lte=date_to,
                                      granted_cartons__lt=F("requested_cartons"))
             .values("product__code", "product__name")
             .annotate(unmet=Sum(F("requested_cartons") - F("granted_cartons")),
                       quota=Sum(F("requested_cartons") - F("granted_cartons"),
                                 filter=Q(unmet_reason=UnmetReason.QUOTA)),
                       stock=Sum(F("requested_cartons") - F("granted_cartons"),
                                 filter=Q(unmet_reason=UnmetReason.STOCK)))
             .order_by("-unmet", "product__code"))
    return {"clerks": rows, "unmet": list(unmet), "call_limit": limit}


def imports_visible_to(user) -> QuerySet[OrderImport]:
    if not can(user, Ability.IMPORT_DATA):
        return OrderImport.objects.none()
    return OrderImport.objects.select_related("created_by")


def order_imports_page(*, user, error: str | None = None) -> dict:
    from .imports import COLUMNS

    require(user, Ability.IMPORT_DATA)
    return {"jobs": imports_visible_to(user)[:20], "error": error, "columns": COLUMNS}


def order_import_get(*, user, pk) -> OrderImport:
    return get_object_or_404(imports_visible_to(user), pk=pk)


def order_takers_visible_to(user) -> QuerySet:
    """Users who may appear as "taken by" in the order filters of this user."""
    return users_overseen_by(user).filter(role__in=[Role.CLERK, Role.MANAGER])


# --- The briefing ---------------------------------------------------------------------

def briefing(*, cycle_start: date | None = None) -> dict:
    """What a clerk reads before the first call of a cycle: the notes written for it, the
    rationed SKUs with their quotas, the new products and what is out of stock."""
    cycle = cycle_start or current_cycle()
    supplies = list(CycleSupply.objects.filter(cycle_start=cycle, product__on_sale=True)
                    .select_related("product").order_by("product__code"))
    return {
        "cycle_start": cycle,
        "notes": list(BriefingNote.objects.filter(cycle_start=cycle)
                      .select_related("created_by").order_by("kind", "-created_at")),
        "rationed": [s for s in supplies if s.product.is_scarce],
        "new_products": [s for s in supplies if s.product.is_new],
        "sold_out": [s for s in supplies if s.remaining_cartons <= 0],
    }


def briefing_page(*, user) -> dict:
    from .models import BriefingKind

    data = briefing()
    return {**data, "briefing": data, "can_write": can(user, Ability.WRITE_BRIEFING),
            "kinds": BriefingKind.choices}
