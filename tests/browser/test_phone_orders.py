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
