import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.utils import timezone, translation

from crm_project.errors import BusinessError
from customers.models import ChurnReason, ChurnWarning, CustomerStatus, MonthlyPurchase
from customers.tests.factories import CustomerFactory
from phone_orders import services
from phone_orders.models import (
    CallOutcome,
    CycleSupply,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    StoreQuota,
    UnmetReason,
)
from phone_orders.services import LineRequest
from phone_orders.tests.factories import ProductFactory, SupplyFactory


def _order(clerk, store, *lines):
    order = services.order_open(user=clerk, customer=store)
    for product, cartons in lines:
        order = services.order_set_line(user=clerk, order=order, product=product,
                                        cartons=cartons)
    return order


def test_order_cycle_is_the_iso_week_of_the_order_day():
    from datetime import date

    assert services.cycle_start_for(date(2026, 11, 23)) == date(2026, 11, 23)  # Monday
    assert services.cycle_start_for(date(2026, 11, 29)) == date(2026, 11, 23)  # Sunday
    assert services.cycle_start_for(date(2026, 11, 30)) == date(2026, 11, 30)


def test_confirming_grants_lines_books_amount_and_monthly_purchase(clerk, store, sku):
    order = _order(clerk, store, (sku, 3))

    order = services.order_confirm(user=clerk, order=order)

    assert order.status == OrderStatus.CONFIRMED
    assert order.granted_cartons == 3
    assert order.total_amount == Decimal("652.50")
    assert CycleSupply.objects.get(product=sku).granted_cartons == 3
    purchase = MonthlyPurchase.objects.get(customer=store)
    assert (purchase.amount, purchase.cartons, purchase.orders) == (Decimal("652.50"), 3, 1)
    store.refresh_from_db()
    assert store.last_order_date == timezone.localdate()


def test_one_live_order_per_store_per_cycle(clerk, store, sku):
    first = services.order_open(user=clerk, customer=store)
    second = services.order_open(user=clerk, customer=store)
    assert first.pk == second.pk
    with pytest.raises(BusinessError):
        services.order_create(user=clerk, customer=store, lines=[LineRequest(sku, 1)])
    assert Order.objects.count() == 1


def test_clerk_cannot_grant_more_than_quota_and_unmet_demand_is_recorded(clerk, store,
                                                                         scarce_sku):
    order = _order(clerk, store, (scarce_sku, 5))

    order = services.order_confirm(user=clerk, order=order)

    line = order.lines.get()
    assert (line.requested_cartons, line.granted_cartons) == (5, 2)
    assert line.unmet_reason == UnmetReason.QUOTA
    assert line.amount == Decimal("1131.00")
    assert order.requested_cartons - order.granted_cartons == 3


def test_store_quota_overrides_the_default_quota(clerk, store, admin_user, scarce_sku):
    services.store_quota_set(user=admin_user, customer=store, product=scarce_sku,
                             cycle_start=services.current_cycle(), cartons=4)
    order = services.order_confirm(user=clerk, order=_order(clerk, store, (scarce_sku, 5)))
    assert order.lines.get().granted_cartons == 4


def test_grant_stops_at_stock_and_records_out_of_stock_demand(clerk, store, territory):
    product = ProductFactory(code="690010")
    SupplyFactory(product=product, available_cartons=4)
    neighbour = CustomerFactory(territory=territory)
    services.order_confirm(user=clerk, order=_order(clerk, neighbour, (product, 3)))

    order = services.order_confirm(user=clerk, order=_order(clerk, store, (product, 3)))

    line = order.lines.get()
    assert (line.granted_cartons, line.unmet_reason) == (1, UnmetReason.STOCK)
    assert CycleSupply.objects.get(product=product).granted_cartons == 4


def test_cancelling_a_confirmed_order_returns_stock_and_clears_the_month(clerk, store, sku):
    order = services.order_confirm(user=clerk, order=_order(clerk, store, (sku, 3)))

    services.order_cancel(user=clerk, order=order, reason="店主改主意")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert CycleSupply.objects.get(product=sku).granted_cartons == 0
    purchase = MonthlyPurchase.objects.get(customer=store)
    assert (purchase.amount, purchase.cartons, purchase.orders) == (Decimal("0"), 0, 0)
    store.refresh_from_db()
    assert store.last_order_date is None
    actions = list(order.events.values_list("action", flat=True))
    assert actions == ["created", "line_added", "confirmed", "cancelled"]


def test_modifying_a_confirmed_order_regrants_and_logs_the_change(clerk, store, sku):
    order = services.order_confirm(user=clerk, order=_order(clerk, store, (sku, 3)))

    order = services.order_set_line(user=clerk, order=order, product=sku, cartons=5)

    assert order.status == OrderStatus.CONFIRMED
    assert order.total_amount == Decimal("1087.50")
    assert CycleSupply.objects.get(product=sku).granted_cartons == 5
    assert MonthlyPurchase.objects.get(customer=store).cartons == 5
    change = order.events.get(action=OrderEvent.Action.LINE_CHANGED)
    assert (change.user, change.detail["old"], change.detail["new"]) == (clerk, 3, 5)


@pytest.mark.parametrize("cartons", [0, -2, "abc"])
def test_bad_cartons_are_refused_and_nothing_is_written(clerk, store, sku, cartons):
    order = services.order_open(user=clerk, customer=store)
    with pytest.raises(BusinessError) as error:
        services.order_set_line(user=clerk, order=order, product=sku, cartons=cartons)
    assert error.value.field == "cartons"
    assert OrderLine.objects.count() == 0


def test_unknown_sku_is_refused(db):
    with pytest.raises(BusinessError) as error:
        services.product_by_code("999999")
    assert error.value.field == "product"


def test_sku_not_on_sale_this_cycle_is_refused(clerk, store, db):
    off_cycle = ProductFactory(code="690020")  # no supply this cycle
    stopped = ProductFactory(code="690021", on_sale=False)
    SupplyFactory(product=stopped)
    order = services.order_open(user=clerk, customer=store)
    for product in (off_cycle, stopped):
        with translation.override("en"), pytest.raises(BusinessError) as error:
            services.order_set_line(user=clerk, order=order, product=product, cartons=1)
        assert str(error.value) == f"{product.name} is not on sale this cycle."
    assert OrderLine.objects.count() == 0


@pytest.mark.parametrize("status", [CustomerStatus.CLOSED, CustomerStatus.SUSPENDED])
def test_closed_or_suspended_store_cannot_order(clerk, store, sku, status):
    store.status = status
    store.save()
    with pytest.raises(BusinessError):
        services.order_create(user=clerk, customer=store, lines=[LineRequest(sku, 1)])
    assert Order.objects.count() == 0


def test_store_outside_the_clerks_territories_is_refused(clerk, other_store, sku):
    with pytest.raises(BusinessError) as error:
        services.order_create(user=clerk, customer=other_store, lines=[LineRequest(sku, 1)])
    assert error.value.field == "customer"
    assert Order.objects.count() == 0


def test_supervisor_does_not_take_orders(supervisor, store, sku):
    with pytest.raises(PermissionDenied):
        services.order_open(user=supervisor, customer=store)
    assert Order.objects.count() == 0


def test_confirming_resolves_the_no_order_churn_warning(clerk, store, sku):
    ChurnWarning.objects.create(customer=store, reason=ChurnReason.NO_ORDER, score=60,
                                evidence={}, as_of=timezone.localdate())
    services.order_confirm(user=clerk, order=_order(clerk, store, (sku, 1)))
    assert ChurnWarning.objects.get().status == "resolved"


def test_supply_cannot_drop_below_granted(clerk, store, sku, admin_user):
    services.order_confirm(user=clerk, order=_order(clerk, store, (sku, 30)))
    with pytest.raises(BusinessError):
        services.cycle_supply_set(user=admin_user, product=sku,
                                  cycle_start=services.current_cycle(), available=20)
    assert CycleSupply.objects.get(product=sku).available_cartons == 100


def test_call_back_needs_a_later_time_and_ordered_needs_a_confirmed_order(clerk, store, sku):
    with pytest.raises(BusinessError):
        services.call_record(user=clerk, customer=store, outcome=CallOutcome.CALL_BACK)
    with pytest.raises(BusinessError):
        services.call_record(user=clerk, customer=store, outcome=CallOutcome.ORDERED)
    later = timezone.now() + timedelta(hours=2)
    call = services.call_record(user=clerk, customer=store, outcome=CallOutcome.CALL_BACK,
                                callback_at=later,
                                started_at=timezone.now() - timedelta(seconds=90))
    assert call.callback_at == later
    assert 89 <= call.duration_seconds <= 95  # wall clock between two now() calls


def test_repeat_puts_the_lines_of_a_previous_order(clerk, store, sku, scarce_sku):
    previous = Order.objects.create(customer=store, cycle_start=services.current_cycle()
                                    - timedelta(days=7), order_date=timezone.localdate()
                                    - timedelta(days=7), status=OrderStatus.CONFIRMED)
    OrderLine.objects.create(order=previous, product=sku, requested_cartons=4,
                             granted_cartons=4, unit_price=sku.wholesale_price)
    OrderLine.objects.create(order=previous, product=scarce_sku, requested_cartons=2,
                             granted_cartons=2, unit_price=scarce_sku.wholesale_price)
    order = services.order_open(user=clerk, customer=store)

    order = services.order_repeat(user=clerk, order=order, previous=previous)

    assert sorted(order.lines.values_list("product__code", "requested_cartons")) == [
        ("690001", 4), ("690002", 2)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_never_grant_more_than_stock(department, territory, clerk):
    # given 5 cartons and six stores each asking for 2, confirmed at the same moment
    product = ProductFactory(code="690030")
    SupplyFactory(product=product, available_cartons=5)
    stores = [CustomerFactory(territory=territory) for _ in range(6)]
    orders = [_order(clerk, s, (product, 2)) for s in stores]
    barrier = threading.Barrier(len(orders))
    failures = []

    def confirm(order):
        try:
            barrier.wait()
            services.order_confirm(user=clerk, order=order)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=confirm, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every order is confirmed, exactly 5 cartons are granted, 7 recorded as unmet
    assert failures == []
    assert CycleSupply.objects.get(product=product).granted_cartons == 5
    lines = OrderLine.objects.filter(product=product)
    assert sum(line.granted_cartons for line in lines) == 5
    assert sum(line.requested_cartons - line.granted_cartons for line in lines) == 7
    assert Order.objects.filter(status=OrderStatus.CONFIRMED).count() == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_respect_the_store_quota(department, territory, clerk):
    product = ProductFactory(code="690031", is_scarce=True, default_quota=3)
    SupplyFactory(product=product, available_cartons=50)
    store = CustomerFactory(territory=territory)
    StoreQuota.objects.create(cycle_start=services.current_cycle(), customer=store,
                              product=product, cartons=1)
    order = _order(clerk, store, (product, 2))
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        try:
            barrier.wait()
            services.order_confirm(user=clerk, order=order)
            outcomes.append("ok")
        except BusinessError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert CycleSupply.objects.get(product=product).granted_cartons == 1
