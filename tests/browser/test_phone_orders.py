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


class CountingKeyboard:
    """The page's keyboard, counting every key the clerk presses (a chord is one key)."""

    def __init__(self, page):
        self.page, self.keys = page, 0

    def press(self, key: str) -> None:
        self.keys += 1
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.keys += len(text)
        self.page.keyboard.type(text)


def test_a_typical_call_from_the_keyboard_in_at_most_25_keys(page, clerk, store, territory):
    # given two stores to call today; the first ordered 芙蓉王 and 白沙 last week
    from datetime import timedelta

    from customers.tests.factories import CustomerFactory
    from phone_orders.models import OrderLine
    from phone_orders.services import cycle_start_for

    today = timezone.localdate()
    store.order_weekday = today.isoweekday()
    store.save()
    following = CustomerFactory(territory=territory, name="金叶便利店",
                                order_weekday=today.isoweekday())
    cycle = current_cycle()
    frw = ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    bs = ProductFactory(code="690005", name="白沙(和天下)", brand="白沙",
                        wholesale_price=Decimal("150.00"))
    hhl = ProductFactory(code="690010", name="黄鹤楼(软蓝)", brand="黄鹤楼",
                         wholesale_price=Decimal("190.00"))
    zh = ProductFactory(code="690002", name="中华(软)", brand="中华", is_scarce=True,
                        default_quota=2, wholesale_price=Decimal("565.50"))
    for product in (frw, bs, hhl, zh):
        CycleSupply.objects.create(cycle_start=cycle, product=product, available_cartons=50)
    last_week = today - timedelta(days=7)
    previous = Order.objects.create(customer=store, cycle_start=cycle_start_for(last_week),
                                    order_date=last_week, status="confirmed")
    for product, cartons in ((frw, 2), (bs, 3)):
        OrderLine.objects.create(order=previous, product=product, requested_cartons=cartons,
                                 granted_cartons=cartons, unit_price=product.wholesale_price)
    login(page, clerk)
    page.goto(f"/orders/console/{store.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_function("window.htmx !== undefined")
    keys = CountingKeyboard(page)
    lines = page.locator("#current-order tr[data-sku]")

    # when the clerk repeats last week's order
    keys.press("Alt+r")
    page.locator("#current-order tr[data-sku='690005']").wait_for()
    # changes 芙蓉王 to 5 cartons (its initials, Enter picks the only match)
    keys.type("frw")
    page.locator("#sku-results li[data-sku='690001']").wait_for(timeout=30_000)
    keys.press("Enter")
    keys.type("5")
    keys.press("Enter")
    page.locator("#current-order tr[data-sku='690001'] input[value='5']").wait_for()
    # adds 黄鹤楼 ×3, picked with its number key
    keys.type("hhl")
    page.locator("#sku-results li[data-sku='690010'] .pick-key").wait_for(timeout=30_000)
    keys.press("1")
    keys.type("3")
    keys.press("Enter")
    page.locator("#current-order tr[data-sku='690010']").wait_for()
    # adds 中华 ×5, over its quota of 2
    keys.type("zh")
    page.locator("#sku-results li[data-sku='690002'] .pick-key").wait_for(timeout=30_000)
    keys.press("1")
    keys.type("5")
    keys.press("Enter")
    page.locator("#current-order tr[data-sku='690002'] .explain").wait_for()
    assert lines.count() == 4
    # confirms and closes the call: the next store opens directly
    keys.press("Alt+c")
    page.locator("#btn-finish").wait_for()
    keys.press("Alt+o")
    page.wait_for_url(f"**/orders/console/{following.pk}/")

    # then the order is what the store asked for, within its quota, in at most 25 keys
    order = Order.objects.get(customer=store, cycle_start=cycle)
    granted = dict(order.lines.values_list("product__code", "granted_cartons"))
    assert (order.status, granted) == ("confirmed", {"690001": 5, "690005": 3, "690010": 3,
                                                      "690002": 2})
    assert CallRecord.objects.get(customer=store).outcome == "ordered"
    assert keys.keys <= 25, keys.keys


def test_console_keys_wait_for_a_chinese_input_method(page, clerk, store):
    sku = ProductFactory(code="690001", name="芙蓉王(硬)")
    CycleSupply.objects.create(cycle_start=current_cycle(), product=sku, available_cartons=50)
    _console(page, clerk, store)
    page.locator("#btn-no_need").focus()

    # "/" typed with a Chinese input method arrives as "、": it still opens the search
    page.dispatch_event("#btn-no_need", "keydown", {"key": "、", "code": "Slash"})
    assert page.evaluate("document.activeElement.id") == "sku-q"
    # while a word is being composed, Alt+N does nothing
    page.evaluate("""document.getElementById('sku-q').dispatchEvent(new KeyboardEvent(
        'keydown', {code: 'KeyN', key: 'n', altKey: true, isComposing: true,
                    bubbles: true}))""")
    page.wait_for_timeout(300)
    assert CallRecord.objects.count() == 0


def test_alt_t_shows_substitutes_of_a_short_line_and_a_number_picks_one(page, clerk, store):
    # given 中华 rationed at 2 cartons on the order, and a SKU of its price band in stock
    zh = ProductFactory(code="690002", name="中华(软)", brand="中华", is_scarce=True,
                        default_quota=2, wholesale_price=Decimal("565.50"))
    other = ProductFactory(code="690003", name="黄鹤楼(1916)", brand="黄鹤楼",
                           wholesale_price=Decimal("560.00"))
    for product in (zh, other):
        CycleSupply.objects.create(cycle_start=current_cycle(), product=product,
                                   available_cartons=50)
    _console(page, clerk, store)
    page.keyboard.type("zh")
    page.locator("#sku-results li[data-sku='690002'] .pick-key").wait_for(timeout=30_000)
    page.keyboard.press("1")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.locator("#current-order tr[data-sku='690002'] .explain").wait_for()

    # when the clerk asks for substitutes and presses 1
    page.keyboard.press("Alt+t")
    page.locator("#substitutes li[data-sku='690003'] .pick-key").wait_for(timeout=30_000)
    page.keyboard.press("1")

    # then the substitute is picked, ready for its cartons
    assert page.input_value("#sku-q") == "690003"
    assert page.evaluate("document.activeElement.id") == "cartons"
