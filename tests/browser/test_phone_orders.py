"""The clerk takes a phone order from the keyboard: call list, console, confirm, next store."""

from decimal import Decimal

import pytest
from django.utils import timezone

from phone_orders.models import CallRecord, CycleSupply, Order
from phone_orders.services import current_cycle
from phone_orders.tests.factories import ProductFactory
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_clerk_takes_an_order_from_the_keyboard(page, clerk, store):
    # given a store whose order day is today and one SKU on sale this cycle
    store.order_weekday = timezone.localdate().isoweekday()
    store.save()
    sku = ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    CycleSupply.objects.create(cycle_start=current_cycle(), product=sku, available_cartons=50)
    login(page, clerk)

    # when the clerk opens the call list and calls the store
    page.goto("/orders/calls/")
    page.get_by_text("0 / 1").wait_for()
    page.click(f"tr[data-customer='{store.pk}'] a.store-call")
    page.locator("#script").get_by_text("017").wait_for()  # greeting with the clerk number
    # the keys below are handled by the page's scripts: wait until they are running
    page.wait_for_load_state("load")
    page.wait_for_function("window.htmx !== undefined")

    # and takes 3 cartons by pinyin initials, confirms with Alt+C, closes the call
    page.keyboard.press("/")
    page.keyboard.type("frw")
    # the search answers over htmx; allow for a loaded CI machine
    page.locator("#sku-results li[data-sku='690001']").wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.locator("#read-back").get_by_text("652.50").wait_for()
    page.keyboard.press("Alt+c")
    page.locator("#btn-finish").click()
    page.wait_for_url("**/orders/calls/")

    # then the order is confirmed, the call recorded, and the list shows progress
    order = Order.objects.get(customer=store)
    assert (order.status, order.granted_cartons, order.total_amount) == (
        "confirmed", 3, Decimal("652.50"))
    assert CallRecord.objects.get().outcome == "ordered"
    page.get_by_text("1 / 1").wait_for()


def _console(page, clerk, store):
    login(page, clerk)
    page.goto(f"/orders/console/{store.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_function("window.htmx !== undefined")


def test_an_out_of_stock_search_keeps_the_order_panel_and_can_record_the_demand(
        page, clerk, store):
    # given a store with one line on its order and 白沙(硬) out of stock
    sku = ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    CycleSupply.objects.create(cycle_start=current_cycle(), product=sku, available_cartons=50)
    gone = ProductFactory(code="690060", name="白沙(硬)", brand="白沙")
    CycleSupply.objects.create(cycle_start=current_cycle(), product=gone, available_cartons=0)
    _console(page, clerk, store)
    page.keyboard.press("/")
    page.keyboard.type("frw")
    page.locator("#sku-results li[data-sku='690001']").wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.locator("#read-back").get_by_text("435.00").wait_for()

    # when the clerk searches the out-of-stock SKU
    page.keyboard.type("bsy")
    page.locator("#sku-results .substitutes").wait_for(timeout=30_000)

    # then the order, its buttons and the search stay; the demand can still be recorded
    assert page.locator("#current-order").is_visible()
    assert page.locator("#btn-confirm").is_visible()
    assert page.input_value("#sku-q") == "bsy"
    page.locator("#sku-results li[data-sku='690060'] button.pick").click()
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.locator("#current-order tr[data-sku='690060']").wait_for()
    assert "缺货" in page.locator("#current-order tr[data-sku='690060']").inner_text()


def test_an_error_is_gone_once_the_next_action_succeeds(page, clerk, store):
    sku = ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    CycleSupply.objects.create(cycle_start=current_cycle(), product=sku, available_cartons=50)
    _console(page, clerk, store)

    # an unknown SKU is refused, with the reason beside the line form
    page.keyboard.press("/")
    page.keyboard.type("xyz")
    page.keyboard.press("Enter")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.locator("#console-error .alert").get_by_text("xyz").wait_for()

    # the next search succeeds and the error is gone
    page.fill("#sku-q", "frw")
    page.locator("#sku-results li[data-sku='690001']").wait_for(timeout=30_000)
    assert page.locator("#console-error .alert").count() == 0
