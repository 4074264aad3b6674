"""What a clerk found wrong at the order desk (issue 14), each pinned by a test."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from crm_project.errors import BusinessError
from phone_orders import selectors, services
from phone_orders.models import CallOutcome, CallRecord, Order, OrderLine, OrderStatus
from phone_orders.tests.factories import ProductFactory, SupplyFactory


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """These tests read English messages: pages follow the language picked on the site
    (its cookie), never the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

HTMX = {"HTTP_HX_REQUEST": "true"}


def _past_order(store, lines, weeks_ago=1):
    day = timezone.localdate() - timedelta(weeks=weeks_ago)
    order = Order.objects.create(customer=store, cycle_start=services.cycle_start_for(day),
                                 order_date=day, status=OrderStatus.CONFIRMED)
    for product, cartons in lines:
        OrderLine.objects.create(order=order, product=product, requested_cartons=cartons,
                                 granted_cartons=cartons, unit_price=product.wholesale_price)
    return order


def test_what_else_covers_every_usual_price_band_not_only_the_first(clerk, store, db):
    # given a store that buys mostly band 3 and once bought a band-1 SKU
    band_3 = ProductFactory(code="693000", price_band=3, wholesale_price=Decimal("45.00"))
    band_1 = ProductFactory(code="691000", price_band=1, wholesale_price=Decimal("300.00"))
    _past_order(store, [(band_3, 10), (band_1, 1)])
    _past_order(store, [(band_3, 12)], weeks_ago=2)
    # and many band-1 SKUs in stock, three band-3 ones
    for n in range(15):
        SupplyFactory(product=ProductFactory(code=f"6910{n + 10:02d}", price_band=1,
                                             wholesale_price=Decimal("400.00")))
    for n in range(3):
        SupplyFactory(product=ProductFactory(code=f"6930{n + 10:02d}", price_band=3,
                                             wholesale_price=Decimal("50.00")))

    offers = selectors.not_yet_ordered(customer=store, order=None)

    # then the store's main band comes first and all of its SKUs are offered
    codes = [o.product.code for o in offers]
    assert codes[0].startswith("6930")
    assert {c for c in codes if c.startswith("6930")} == {"693010", "693011", "693012"}
    assert len(codes) == 12


def test_suggested_quantities_leave_out_skus_already_on_the_order(client, clerk, store, sku):
    other = ProductFactory(code="690050")
    SupplyFactory(product=other)
    _past_order(store, [(sku, 2), (other, 4)])
    client.force_login(clerk)
    client.post(f"/orders/console/{store.pk}/line/", {"sku": sku.code, "cartons": "1"}, **HTMX)

    response = client.get(f"/orders/console/{store.pk}/")

    assert [(o.product.code, o.suggested) for o in response.context["suggested_lines"]] == [
        ("690050", 4)]


def test_zero_stock_is_explained_as_out_of_stock(client, clerk, store, db):
    gone = ProductFactory(code="690060", name="白沙(硬)")
    SupplyFactory(product=gone, available_cartons=0)
    client.force_login(clerk)

    response = client.post(f"/orders/console/{store.pk}/line/",
                           {"sku": gone.code, "cartons": "3"}, HTTP_ACCEPT_LANGUAGE="en",
                           **HTMX)

    page = response.content.decode()
    assert "only 0 cartons" not in page
    assert "白沙(硬) is out of stock this cycle" in page


def test_substitutes_do_not_claim_the_demand_is_recorded_before_it_is(client, clerk, store,
                                                                         db):
    gone = ProductFactory(code="690060", name="白沙(硬)")
    SupplyFactory(product=gone, available_cartons=0)
    SupplyFactory(product=ProductFactory(code="690061"))
    client.force_login(clerk)

    response = client.get(f"/orders/console/{store.pk}/substitutes/{gone.pk}/",
                          HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert "recorded" not in page
    assert "Record demand" in page


def test_no_need_is_refused_while_a_draft_order_has_lines(client, clerk, store, sku):
    order = services.order_open(user=clerk, customer=store)
    services.order_set_line(user=clerk, order=order, product=sku, cartons=2)

    with pytest.raises(BusinessError) as refused:
        services.call_record(user=clerk, customer=store, outcome=CallOutcome.NO_NEED)

    assert refused.value.field == "outcome"
    assert CallRecord.objects.count() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_no_need_from_the_console_shows_why_in_the_order_panel(client, clerk, store, sku):
    client.force_login(clerk)
    client.post(f"/orders/console/{store.pk}/line/", {"sku": sku.code, "cartons": "2"}, **HTMX)

    response = client.post(f"/orders/console/{store.pk}/outcome/", {"outcome": "no_need"},
                           HTTP_ACCEPT_LANGUAGE="en", **HTMX)

    assert response.status_code == 200
    assert "draft order" in response.context["error"]
    assert CallRecord.objects.count() == 0


def test_no_need_after_cancelling_the_draft_is_recorded(client, clerk, store, sku):
    order = services.order_open(user=clerk, customer=store)
    services.order_set_line(user=clerk, order=order, product=sku, cartons=2)
    services.order_cancel(user=clerk, order=order, reason="不要了")

    call = services.call_record(user=clerk, customer=store, outcome=CallOutcome.NO_NEED)

    assert call.outcome == CallOutcome.NO_NEED


def test_a_refused_line_puts_the_reason_beside_the_line_form(client, clerk, store, sku):
    # the error goes into the slot beside the line form (an out-of-band swap), which the
    # next successful answer empties (tests/browser: test_an_error_is_gone_once_...)
    client.force_login(clerk)

    failed = client.post(f"/orders/console/{store.pk}/line/", {"sku": "xyz", "cartons": "1"},
                         HTTP_ACCEPT_LANGUAGE="en", **HTMX)
    done = client.post(f"/orders/console/{store.pk}/line/", {"sku": sku.code, "cartons": "1"},
                       HTTP_ACCEPT_LANGUAGE="en", **HTMX)

    assert 'id="console-error"' in failed.content.decode()
    assert "Unknown SKU: xyz." in failed.content.decode()
    assert 'id="console-error"' in done.content.decode()
    assert "Unknown SKU" not in done.content.decode()
