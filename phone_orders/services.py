"""Every write of orders, supply, quotas and calls, with the rules that go with them.

Granting locks the cycle's supply rows of the SKUs in the order (SELECT ... FOR UPDATE, in
product order so two confirmations cannot deadlock), so stock and quota hold when several
clerks confirm at the same moment. Purchases per store per month and the last order date
(customers' tables) are recomputed from the orders touched, inside the same transaction.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from crm_project.errors import BusinessError
from crm_project.tables import read_table
from customers.access import Ability, require
from customers.models import ChurnReason, Customer, CustomerStatus, MonthlyPurchase
from customers.selectors import customers_visible_to
from customers.services import churn_warning_resolve_open

from .allocations import allocations_recompute_for_supply
from .models import (
    LIVE_ORDER_STATUSES,
    Allocation,
    BriefingKind,
    BriefingNote,
    CallOutcome,
    CallRecord,
    CycleSupply,
    Order,
    OrderEvent,
    OrderImport,
    OrderLine,
    OrderSource,
    OrderStatus,
    Product,
    StoreQuota,
    UnmetReason,
)
from .signals import purchases_changed

MAX_CARTONS_PER_LINE = 500
ORDER_TAKERS_ONLY = _lazy("Only order clerks, customer managers and administrators take "
                          "orders.")
MAX_CALL_SECONDS = 2 * 60 * 60


# --- Cycles ---------------------------------------------------------------------------

def cycle_start_for(day: date) -> date:
    """The Monday of the ISO week holding `day` (dates are already Asia/Shanghai)."""
    return day - timedelta(days=day.isoweekday() - 1)


def current_cycle() -> date:
    return cycle_start_for(timezone.localdate())


def month_start(day: date) -> date:
    return day.replace(day=1)


# --- Who may take an order for which store --------------------------------------------

def _check_store(*, user, customer: Customer) -> Customer:
    require(user, Ability.TAKE_ORDERS, ORDER_TAKERS_ONLY)
    if not customers_visible_to(user).filter(pk=customer.pk).exists():
        raise BusinessError(_("This store is outside your territories; you cannot take "
                              "its order."), field="customer")
    if customer.status == CustomerStatus.CLOSED:
        raise BusinessError(_("This store is closed; it cannot order."), field="customer")
    if customer.status == CustomerStatus.SUSPENDED:
        raise BusinessError(_("This store is suspended; it cannot order."), field="customer")
    return customer


def _locked_order(*, user, order: Order) -> Order:
    """Re-read the order under lock, after checking the user may work on its store."""
    _check_store(user=user, customer=order.customer)
    locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
    if locked.status == OrderStatus.CANCELLED:
        raise BusinessError(_("This order is cancelled; it can no longer be changed."))
    return locked


def _event(order: Order, user, action: str, **detail) -> None:
    OrderEvent.objects.create(order=order, user=user if user and user.pk else None,
                              action=action, detail=detail)


# --- Products on sale this cycle ------------------------------------------------------

@dataclass
class LineRequest:
    product: Product
    cartons: int


def product_by_code(code: str) -> Product:
    code = (code or "").strip()
    product = Product.objects.filter(code=code).first()
    if product is None:
        raise BusinessError(_("Unknown SKU: %(code)s.") % {"code": code or "—"},
                            field="product")
    return product


def line_requests(lines: list[dict]) -> list[LineRequest]:
    """Order lines as the API sends them: `{"sku_code", "cartons"}`."""
    return [LineRequest(product=product_by_code(line["sku_code"]), cartons=line["cartons"])
            for line in lines]


def _check_on_sale(product: Product, cycle_start: date) -> None:
    on_sale = product.on_sale and CycleSupply.objects.filter(
        cycle_start=cycle_start, product=product).exists()
    if not on_sale:
        raise BusinessError(_("%(sku)s is not on sale this cycle.") % {"sku": product.name},
                            field="product")


def _check_cartons(cartons) -> int:
    try:
        cartons = int(cartons)
    except (TypeError, ValueError):
        raise BusinessError(_("Enter a whole number of cartons."), field="cartons") from None
    if cartons <= 0:
        raise BusinessError(_("Cartons must be at least 1."), field="cartons")
    if cartons > MAX_CARTONS_PER_LINE:
        raise BusinessError(_("At most %(n)d cartons per SKU.") % {"n": MAX_CARTONS_PER_LINE},
                            field="cartons")
    return cartons


def quota_for(*, customer: Customer, product: Product, cycle_start: date) -> int | None:
    """The store's quota of a SKU this cycle, or None when the SKU is not rationed."""
    quota = StoreQuota.objects.filter(cycle_start=cycle_start, customer=customer,
                                      product=product).values_list("cartons", flat=True).first()
    if quota is not None:
        return quota
    return product.default_quota if product.is_scarce else None


def grant_preview(*, customer: Customer, product: Product, cartons: int,
                  cycle_start: date) -> tuple[int, str]:
    """What confirming now would grant, and why not all (for the read-back; not locked)."""
    supply = CycleSupply.objects.filter(cycle_start=cycle_start, product=product).first()
    remaining = supply.remaining_cartons if supply else 0
    return _grant_for(cartons, remaining,
                      quota_for(customer=customer, product=product, cycle_start=cycle_start))


def _grant_for(requested: int, remaining: int, quota: int | None) -> tuple[int, str]:
    cap_quota = quota if quota is not None else requested
    granted = max(0, min(requested, remaining, cap_quota))
    if granted == requested:
        return granted, UnmetReason.NONE
    if quota is not None and cap_quota <= remaining:
        return granted, UnmetReason.QUOTA
    return granted, UnmetReason.STOCK


# --- Orders ---------------------------------------------------------------------------

@transaction.atomic
def order_open(*, user, customer: Customer, channel: str | None = None,
               source: str = OrderSource.CONSOLE, day: date | None = None) -> Order:
    """The store's live order of the cycle holding `day` (today), created as a draft."""
    _check_store(user=user, customer=customer)
    day = day or timezone.localdate()
    cycle = cycle_start_for(day)
    # Lock the store row so two clerks opening the same store get the same draft.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    order = Order.objects.filter(customer=customer, cycle_start=cycle,
                                 status__in=LIVE_ORDER_STATUSES, is_supplementary=False).first()
    if order is not None:
        return order
    order = Order(customer=customer, cycle_start=cycle, order_date=day,
                  channel=channel or customer.order_channel, source=source, taken_by=user)
    order.full_clean()
    order._history_user = user
    order.save()
    _event(order, user, OrderEvent.Action.CREATED)
    return order


def _apply_lines(*, order: Order, user, changes: dict[Product, int | None]) -> None:
    """Add, change (cartons) or remove (None) lines of a locked order, logging each."""
    existing = {line.product_id: line for line in order.lines.select_related("product")}
    for product, cartons in changes.items():
        line = existing.get(product.pk)
        if cartons is None:
            if line is not None:
                line.delete()
                _event(order, user, OrderEvent.Action.LINE_REMOVED, sku=product.code,
                       name=product.name, cartons=line.requested_cartons)
            continue
        if line is None:
            _check_on_sale(product, order.cycle_start)
            OrderLine.objects.create(order=order, product=product, requested_cartons=cartons,
                                     unit_price=product.wholesale_price)
            _event(order, user, OrderEvent.Action.LINE_ADDED, sku=product.code,
                   name=product.name, cartons=cartons)
        elif line.requested_cartons != cartons:
            _event(order, user, OrderEvent.Action.LINE_CHANGED, sku=product.code,
                   name=product.name, old=line.requested_cartons, new=cartons)
            line.requested_cartons = cartons
            line.granted_cartons = 0
            line.save(update_fields=["requested_cartons", "granted_cartons"])


@transaction.atomic
def order_set_line(*, user, order: Order, product: Product, cartons) -> Order:
    """Add a SKU to the order or change its cartons; on a confirmed order the grants are
    redone at once (a modification read back to the store)."""
    cartons = _check_cartons(cartons)
    return _change_lines(user=user, order=order, changes={product: cartons})


@transaction.atomic
def order_remove_line(*, user, order: Order, product: Product) -> Order:
    return _change_lines(user=user, order=order, changes={product: None})


@transaction.atomic
def order_replace_lines(*, user, order: Order, lines: list[LineRequest]) -> Order:
    """Make the order's lines exactly `lines` (API PATCH, repeat of a previous order)."""
    wanted: dict[Product, int | None] = {}
    for request in lines:
        if request.product in wanted:
            raise BusinessError(_("%(sku)s appears twice.") % {"sku": request.product.name},
                                field="lines")
        wanted[request.product] = _check_cartons(request.cartons)
    for line in order.lines.select_related("product"):
        if line.product not in wanted:
            wanted[line.product] = None
    return _change_lines(user=user, order=order, changes=wanted)


def _change_lines(*, user, order: Order, changes: dict) -> Order:
    locked = _locked_order(user=user, order=order)
    was_confirmed = locked.status == OrderStatus.CONFIRMED
    if was_confirmed and locked.source == OrderSource.IMPORT:
        raise BusinessError(_("An imported order is a record of what the store bought: it "
                              "cannot be changed. Cancel it and take a new order instead."))
    if was_confirmed:
        _release(locked)
    _apply_lines(order=locked, user=user, changes=changes)
    if was_confirmed:
        if not locked.lines.exists():
            raise BusinessError(_("A confirmed order needs at least one line; cancel it "
                                  "instead."), field="lines")
        _grant(locked)
    _totals(locked)
    locked._history_user = user
    locked.save()
    if was_confirmed:
        _purchases_changed(locked)
    return locked


def _totals(order: Order) -> None:
    totals = order.lines.aggregate(requested=Sum("requested_cartons"),
                                   granted=Sum("granted_cartons"), amount=Sum("amount"))
    order.requested_cartons = totals["requested"] or 0
    order.granted_cartons = totals["granted"] or 0
    order.total_amount = totals["amount"] or Decimal("0")


def _grant(order: Order) -> None:
    """Grant each line what stock and quota allow; the rest stays recorded as unmet."""
    lines = list(order.lines.select_related("product").order_by("product_id"))
    supplies = {
        supply.product_id: supply
        for supply in CycleSupply.objects.select_for_update()
        .filter(cycle_start=order.cycle_start, product_id__in=[ln.product_id for ln in lines])
        .order_by("product_id")
    }
    quotas = dict(StoreQuota.objects.filter(
        cycle_start=order.cycle_start, customer_id=order.customer_id,
        product_id__in=[ln.product_id for ln in lines]).values_list("product_id", "cartons"))
    for line in lines:
        supply = supplies.get(line.product_id)
        if supply is None or not line.product.on_sale:
            raise BusinessError(_("%(sku)s is not on sale this cycle.")
                                % {"sku": line.product.name}, field="product")
        quota = quotas.get(line.product_id)
        if quota is None and line.product.is_scarce:
            quota = line.product.default_quota
        granted, reason = _grant_for(line.requested_cartons, supply.remaining_cartons, quota)
        supply.granted_cartons += granted
        line.granted_cartons = granted
        line.unmet_reason = reason
        line.amount = line.unit_price * granted
        if granted:
            CycleSupply.objects.filter(pk=supply.pk).update(
                granted_cartons=F("granted_cartons") + granted)
    OrderLine.objects.bulk_update(lines, ["granted_cartons", "unmet_reason", "amount"])


def _release(order: Order) -> None:
    """Give the granted cartons of a confirmed order back to the cycle's supply.

    An imported order is history that never drew on the desk's supply (the import books
    no stock), so cancelling it gives nothing back: it would free cartons other stores
    hold, or take the supply's granted count below zero."""
    if order.source == OrderSource.IMPORT:
        order.lines.update(granted_cartons=0, amount=Decimal("0"), unmet_reason="")
        return
    lines = list(order.lines.filter(granted_cartons__gt=0).order_by("product_id"))
    supplies = CycleSupply.objects.select_for_update().filter(
        cycle_start=order.cycle_start, product_id__in=[ln.product_id for ln in lines]
    ).order_by("product_id")
    list(supplies)  # take the locks in product order
    for line in lines:
        CycleSupply.objects.filter(cycle_start=order.cycle_start,
                                   product_id=line.product_id).update(
            granted_cartons=F("granted_cartons") - line.granted_cartons)
    order.lines.update(granted_cartons=0, amount=Decimal("0"), unmet_reason="")


@transaction.atomic
def order_confirm(*, user, order: Order) -> Order:
    """Grant the lines against stock and quota, and book the purchase; all or nothing."""
    locked = _locked_order(user=user, order=order)
    if locked.status == OrderStatus.CONFIRMED:
        raise BusinessError(_("This order is already confirmed."))
    if not locked.lines.exists():
        raise BusinessError(_("Add at least one SKU before confirming."), field="lines")
    _grant(locked)
    _totals(locked)
    locked.status = OrderStatus.CONFIRMED
    locked.confirmed_at = timezone.now()
    locked.taken_by = locked.taken_by or user
    locked._history_user = user
    locked.save()
    _event(locked, user, OrderEvent.Action.CONFIRMED, requested=locked.requested_cartons,
           granted=locked.granted_cartons, amount=str(locked.total_amount))
    _purchases_changed(locked)
    churn_warning_resolve_open(customer=locked.customer, reason=ChurnReason.NO_ORDER,
                               resolution=_("The store ordered again."), user=user)
    return locked


@transaction.atomic
def order_cancel(*, user, order: Order, reason: str = "") -> Order:
    locked = _locked_order(user=user, order=order)
    was_confirmed = locked.status == OrderStatus.CONFIRMED
    if was_confirmed:
        _release(locked)
    locked.status = OrderStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = (reason or "")[:200]
    _totals(locked)
    locked._history_user = user
    locked.save()
    _event(locked, user, OrderEvent.Action.CANCELLED, reason=locked.cancel_reason)
    if was_confirmed:
        _purchases_changed(locked)
    return locked


@transaction.atomic
def order_create(*, user, customer: Customer, lines: list[LineRequest],
                 channel: str | None = None, source: str = OrderSource.API,
                 confirm: bool = False) -> Order:
    """A whole order in one go (API): draft with lines, confirmed when asked."""
    _check_store(user=user, customer=customer)
    if not lines:
        raise BusinessError(_("Add at least one SKU."), field="lines")
    cycle = current_cycle()
    if Order.objects.filter(customer=customer, cycle_start=cycle,
                            status__in=LIVE_ORDER_STATUSES, is_supplementary=False).exists():
        raise BusinessError(_("This store already has an order this cycle; change that one."),
                            field="customer")
    order = order_open(user=user, customer=customer, channel=channel, source=source)
    order = order_replace_lines(user=user, order=order, lines=lines)
    if confirm:
        order = order_confirm(user=user, order=order)
    return order


def order_create_from_codes(*, user, customer_id: int, lines: list[dict],
                            channel: str | None = None, confirm: bool = False) -> Order:
    """The API's whole order: a store by id and lines by SKU code. A store outside the
    user's territories answers as an unknown one (no existence oracle)."""
    require(user, Ability.TAKE_ORDERS, ORDER_TAKERS_ONLY)
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise BusinessError(_("Unknown store."), field="customer")
    return order_create(user=user, customer=customer, lines=line_requests(lines),
                        channel=channel, source=OrderSource.API, confirm=confirm)


def order_repeat(*, user, order: Order, previous: Order) -> Order:
    """Put the lines of a previous order of the same store (what is still on sale)."""
    if previous.customer_id != order.customer_id:
        raise BusinessError(_("That order belongs to another store."))
    lines = [
        LineRequest(product=line.product, cartons=line.requested_cartons)
        for line in previous.lines.select_related("product")
        if line.product.on_sale and CycleSupply.objects.filter(
            cycle_start=order.cycle_start, product=line.product).exists()
    ]
    if not lines:
        raise BusinessError(_("None of the SKUs of that order is on sale this cycle."))
    current = {line.product_id: line.requested_cartons for line in order.lines.all()}
    for request in lines:
        current.pop(request.product.pk, None)
    keep = [LineRequest(product=Product.objects.get(pk=pk), cartons=c)
            for pk, c in current.items()]
    return order_replace_lines(user=user, order=order, lines=keep + lines)


# --- The console: one call per key the clerk presses ----------------------------------
# Each runs in one transaction, so a refused line leaves no empty draft behind.

@transaction.atomic
def console_line_set(*, user, customer: Customer, sku: str, cartons=None,
                     remove: bool = False) -> Order:
    """Put a SKU (by code) on the store's live order, change its cartons, or remove it."""
    product = product_by_code(sku)
    order = order_open(user=user, customer=customer)
    if remove:
        return order_remove_line(user=user, order=order, product=product)
    return order_set_line(user=user, order=order, product=product, cartons=cartons)


@transaction.atomic
def console_repeat(*, user, customer: Customer, previous_id) -> Order:
    """Repeat one of the store's earlier orders on its live order."""
    previous = Order.objects.filter(customer=customer,
                                    pk=previous_id if str(previous_id).isdigit() else None
                                    ).first()
    if previous is None:
        raise BusinessError(_("That order belongs to another store."))
    order = order_open(user=user, customer=customer)
    return order_repeat(user=user, order=order, previous=previous)


def _live_order(customer: Customer) -> Order | None:
    return Order.objects.filter(customer=customer, cycle_start=current_cycle(),
                                status__in=LIVE_ORDER_STATUSES, is_supplementary=False).first()


@transaction.atomic
def console_confirm(*, user, customer: Customer) -> Order:
    order = _live_order(customer)
    if order is None:
        raise BusinessError(_("Add at least one SKU before confirming."))
    return order_confirm(user=user, order=order)


@transaction.atomic
def console_cancel(*, user, customer: Customer, reason: str = "") -> Order:
    order = _live_order(customer)
    if order is None:
        raise BusinessError(_("There is no order to cancel."))
    return order_cancel(user=user, order=order, reason=reason)


# --- Purchases per store per month (customers' summary tables) -----------------------

def _purchases_changed(order: Order) -> None:
    pairs = {(order.customer_id, month_start(order.order_date))}
    monthly_purchases_recompute(pairs=pairs)
    last_order_dates_recompute(customer_ids={order.customer_id})
    purchases_changed.send(sender=Order, pairs=pairs)


def monthly_purchases_recompute(*, pairs: set[tuple[int, date]]) -> int:
    """Recompute the given (customer, month) rows from confirmed orders (small sets; the
    import does the same set-wise in SQL)."""
    for customer_id, month in pairs:
        next_month = (month + timedelta(days=32)).replace(day=1)
        totals = Order.objects.filter(
            customer_id=customer_id, status=OrderStatus.CONFIRMED,
            order_date__gte=month, order_date__lt=next_month,
        ).aggregate(amount=Sum("total_amount"), cartons=Sum("granted_cartons"),
                    orders=Count("id"))
        MonthlyPurchase.objects.update_or_create(
            customer_id=customer_id, month=month,
            defaults={"amount": totals["amount"] or Decimal("0"),
                      "cartons": totals["cartons"] or 0, "orders": totals["orders"]},
        )
    return len(pairs)


def last_order_dates_recompute(*, customer_ids: set[int]) -> None:
    latest = dict(
        Order.objects.filter(customer_id__in=customer_ids, status=OrderStatus.CONFIRMED)
        .values("customer_id").annotate(last=Max("order_date")).values_list("customer_id",
                                                                           "last")
    )
    for customer_id in customer_ids:
        Customer.objects.filter(pk=customer_id).update(last_order_date=latest.get(customer_id))


# --- Calls ----------------------------------------------------------------------------

def _check_no_draft_left(customer: Customer) -> None:
    """"No need" must not leave a draft with lines open: the store asked for something."""
    lines = OrderLine.objects.filter(order__customer=customer,
                                     order__cycle_start=current_cycle(),
                                     order__status=OrderStatus.DRAFT).count()
    if lines:
        raise BusinessError(
            ngettext("The draft order has %(n)d line: confirm it, or cancel it, before "
                     "closing the call as no need.",
                     "The draft order has %(n)d lines: confirm it, or cancel it, before "
                     "closing the call as no need.", lines) % {"n": lines},
            field="outcome")


@transaction.atomic
def call_record(*, user, customer: Customer, outcome: str, started_at: datetime | None = None,
                callback_at: datetime | None = None, note: str = "") -> CallRecord:
    """Record how a call ended. "Ordered" needs the store's confirmed order of the cycle;
    "call back" needs a time to call back."""
    _check_store(user=user, customer=customer)
    if outcome not in CallOutcome.values:
        raise BusinessError(_("Choose how the call ended."), field="outcome")
    now = timezone.now()
    order = Order.objects.filter(customer=customer, cycle_start=current_cycle(),
                                 status=OrderStatus.CONFIRMED, is_supplementary=False).first()
    if outcome == CallOutcome.ORDERED and order is None:
        raise BusinessError(_("Confirm the order before closing the call as ordered."),
                            field="outcome")
    if outcome == CallOutcome.NO_NEED:
        _check_no_draft_left(customer)
    if outcome == CallOutcome.CALL_BACK:
        if callback_at is None:
            raise BusinessError(_("Give the time to call back."), field="callback_at")
        if callback_at <= now:
            raise BusinessError(_("The call-back time must be later than now."),
                                field="callback_at")
    else:
        callback_at = None
    started_at = started_at or now
    if started_at > now or (now - started_at).total_seconds() > MAX_CALL_SECONDS:
        started_at = now
    call = CallRecord(customer=customer, clerk=user, call_date=timezone.localdate(),
                      outcome=outcome, callback_at=callback_at, started_at=started_at,
                      ended_at=now, duration_seconds=int((now - started_at).total_seconds()),
                      order=order if outcome == CallOutcome.ORDERED else None, note=note[:200])
    call.full_clean()
    call.save()
    return call


# --- Supply and quotas (administrators) -----------------------------------------------

def _check_admin(user) -> None:
    require(user, Ability.SET_SUPPLY, _("Only an administrator may set supply and quotas."))


@transaction.atomic
def cycle_supply_set(*, user, product: Product, cycle_start: date, available) -> CycleSupply:
    """Set the cartons of a SKU for a cycle; never below what is already granted."""
    _check_admin(user)
    available = _check_cartons_or_zero(available, field="available_cartons")
    cycle_start = cycle_start_for(cycle_start)
    supply, _created = CycleSupply.objects.select_for_update().get_or_create(
        cycle_start=cycle_start, product=product,
        defaults={"available_cartons": available, "updated_by": user})
    if available < supply.granted_cartons:
        raise BusinessError(
            _("%(granted)d cartons of %(sku)s are already granted this cycle; available "
              "cannot be lower.") % {"granted": supply.granted_cartons, "sku": product.name},
            field="available_cartons")
    supply.available_cartons = available
    supply.updated_by = user
    supply.full_clean()
    supply.save()
    # The SKU's tier allocation follows the new supply, or the change is refused.
    allocations_recompute_for_supply(product=product, cycle_start=cycle_start)
    return supply


@transaction.atomic
def store_quota_set(*, user, customer: Customer, product: Product, cycle_start: date,
                    cartons) -> StoreQuota:
    _check_admin(user)
    cartons = _check_cartons_or_zero(cartons, field="cartons")
    if Allocation.objects.filter(cycle_start=cycle_start_for(cycle_start),
                                 product=product).exists():
        raise BusinessError(_("%(sku)s is allocated by tier this cycle: set an exception on "
                              "the allocation page instead.") % {"sku": product.name},
                            field="cartons")
    quota, _created = StoreQuota.objects.update_or_create(
        cycle_start=cycle_start_for(cycle_start), customer=customer, product=product,
        defaults={"cartons": cartons})
    return quota


# Carton counts typed or uploaded: ASCII digits only (str.isdigit() and int() also take
# "²" or Arabic-Indic digits), at most nine of them, so any count fits the integer columns.
CARTONS_TEXT = re.compile(r"[0-9]{1,9}")


def _cartons_from_text(value) -> int | None:
    """A whole, non-negative number of cartons, or None when `value` is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = str(value).strip() if value is not None else ""
    return int(text) if CARTONS_TEXT.fullmatch(text) else None


def _check_cartons_or_zero(value, *, field: str) -> int:
    cartons = _cartons_from_text(value)
    if cartons is None:
        if str(value).strip().startswith("-"):
            raise BusinessError(_("Cartons cannot be negative."), field=field)
        raise BusinessError(_("Enter a whole number of cartons (at most 999999999)."),
                            field=field)
    return cartons


def cycle_supply_save(*, user, cycle_start: date, sku: str = "", available=None,
                      upload=None) -> int:
    """The supply page: one SKU's cartons, or a whole uploaded sheet (sku_code, cartons).
    Returns the number of SKUs set."""
    _check_admin(user)
    if upload is not None:
        rows = read_table(upload, filename=upload.name,
                          columns=["sku_code", "cartons"]).to_dict("records")
        return cycle_supply_import(user=user, cycle_start=cycle_start, rows=rows)
    cycle_supply_set(user=user, product=product_by_code(sku), cycle_start=cycle_start,
                     available=available)
    return 1


@transaction.atomic
def cycle_supply_import(*, user, cycle_start: date, rows: list[dict]) -> int:
    """Set the supply of a cycle from rows {"sku_code", "cartons"} (an uploaded sheet):
    every row is checked first; one bad row and nothing is saved."""
    _check_admin(user)
    errors, wanted = [], {}
    products = {p.code: p for p in Product.objects.filter(
        code__in=[str(r.get("sku_code", "")).strip() for r in rows])}
    for number, row in enumerate(rows, start=2):
        code = str(row.get("sku_code", "")).strip()
        product = products.get(code)
        if product is None:
            errors.append({"row": number, "column": "sku_code", "reason": _("unknown SKU code")})
        elif product.pk in wanted:
            errors.append({"row": number, "column": "sku_code", "reason": _("appears twice")})
        cartons = _cartons_from_text(row.get("cartons", ""))
        if cartons is None:
            errors.append({"row": number, "column": "cartons",
                           "reason": _("not a whole number of cartons")})
        elif product is not None:
            wanted[product.pk] = (product, cartons)
    if errors:
        raise BusinessError(_("Nothing was saved: %(n)d rows are bad.")
                            % {"n": len({e["row"] for e in errors})}, field="file",
                            errors=errors)
    for product, cartons in wanted.values():
        cycle_supply_set(user=user, product=product, cycle_start=cycle_start,
                         available=cartons)
    return len(wanted)


# --- Order imports (administrators) ---------------------------------------------------

def order_import_start(*, user, uploaded_file) -> OrderImport:
    """Keep the uploaded file and run the import in the background once committed."""
    from .imports import order_import_create
    from .tasks import run_order_import

    job = order_import_create(user=user, uploaded_file=uploaded_file)
    transaction.on_commit(lambda: run_order_import.delay(import_id=job.pk))
    return job


# --- The briefing before the first call (administrators and supervisors) -------------

def briefing_note_add(*, user, kind: str, text: str,
                      cycle_start: date | None = None) -> BriefingNote:
    """A note of the cycle for the clerks: supply, a new product, a price, a promotion or a
    policy."""
    require(user, Ability.WRITE_BRIEFING,
            _("Only an administrator or a supervisor writes the briefing."))
    if kind not in BriefingKind.values:
        raise BusinessError(_("Choose what the note is about."), field="kind")
    text = (text or "").strip()
    if not text:
        raise BusinessError(_("Write the note."), field="text")
    note = BriefingNote(cycle_start=cycle_start_for(cycle_start or timezone.localdate()),
                        kind=kind, text=text[:1000], created_by=user)
    note.full_clean()
    note.save()
    return note


def briefing_note_remove(*, user, note_id) -> None:
    require(user, Ability.WRITE_BRIEFING,
            _("Only an administrator or a supervisor writes the briefing."))
    BriefingNote.objects.filter(pk=note_id if str(note_id).isdigit() else None).delete()
