"""A manager opens today's plan, starts a visit, ticks the checklist, collects one price and
stock line, finishes, and sees the plan updated."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import MonthlyPurchase
from customers.pinyin import name_initials
from visits.models import PlannedVisit, PriceStockRecord, StopStatus, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory, ProductFactory

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_logs_a_planned_visit_from_the_day_page(page, manager, store):
    # given today's plan with one stop and a SKU in the catalog
    product = ProductFactory(code="6901028", name="芙蓉王(硬)", retail_price=Decimal("250"))
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate(),
                               sequence=1, aims=["complaint_follow_up"])
    for month in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
        MonthlyPurchase.objects.create(customer=store, month=month, cartons=130,
                                       amount=Decimal("26000"))
    login(page, manager)

    # when the manager opens today's visits and starts the visit
    page.goto("/visits/")
    assert page.locator(f"#stop-{stop.pk} .stop-name").inner_text() == store.name
    page.click(f"#stop-{stop.pk} button[type=submit]")
    page.wait_for_url("**/visits/visit/*/")

    # and ticks two actions and fills one price and stock line
    page.check("input[name=actions][value=arrive_greet]")
    page.check("input[name=actions][value=stock_collect]")
    page.fill(f"input[name=price_{product.pk}]", "300")
    page.fill(f"input[name=stock_{product.pk}]", "6")
    assert page.locator(".price-row .price-flag").first.is_visible()
    # 130 cartons a month is 30 a week; 6 in stock is well below 1.5 weeks' worth.
    assert page.locator("#stock-total").inner_text() == "6"
    assert page.locator("#stock-advice").inner_text() == "低于合理库存：建议补货"
    page.fill("textarea[name=notes]", "店主要求补货")
    # finished within a minute: under half of the 15 minutes, so it asks why
    page.fill("textarea[name=short_reason]", "店主赶着进货，约好周四再来")
    page.click("#finish-visit")
    page.wait_for_url("**/visits/day/*/")

    # then the plan shows the stop done, and the visit is stored with its line
    assert page.locator(f"#stop-{stop.pk}").get_attribute("data-status") == "done"
    assert page.locator("#done-count").inner_text() == "1"
    assert PlannedVisit.objects.get(pk=stop.pk).status == StopStatus.DONE
    visit = Visit.objects.get()
    assert visit.status == VisitStatus.DONE
    assert visit.actions == ["arrive_greet", "stock_collect"]
    record = PriceStockRecord.objects.get()
    assert (record.retail_price, record.stock_cartons, record.outside_guidance) == \
        (Decimal("300.00"), 6, True)


def test_visit_draft_survives_a_reload(page, manager, store):
    ProductFactory(code="6901029", name="白沙(硬)", retail_price=Decimal("50"))
    login(page, manager)
    page.goto("/visits/unplanned/")
    page.click("form[data-geo] button[type=submit]")
    page.wait_for_url("**/visits/visit/*/")

    page.check("input[name=actions][value=display_service]")
    page.fill("textarea[name=notes]", "信号不好，先存草稿")
    page.locator("#draft-status").filter(has_text="草稿已于").wait_for()
    page.reload()

    assert page.input_value("textarea[name=notes]") == "信号不好，先存草稿"
    assert page.is_checked("input[name=actions][value=display_service]")
    assert Visit.objects.get().draft["notes"] == "信号不好，先存草稿"


def test_outside_guidance_badge_shows_only_for_a_price_outside_guidance(page, manager, store):
    # given a visit under way and two SKUs at 250 yuan a carton
    right = ProductFactory(code="6901030", name="芙蓉王(软)", retail_price=Decimal("250"))
    wrong = ProductFactory(code="6901031", name="白沙(精品)", retail_price=Decimal("250"))
    blank = ProductFactory(code="6901032", name="黄鹤楼(硬)", retail_price=Decimal("250"))
    login(page, manager)
    page.goto("/visits/unplanned/")
    page.click("form[data-geo] button[type=submit]")
    page.wait_for_url("**/visits/visit/*/")

    # when one price matches guidance, one is far off and one is left blank
    page.fill(f"input[name=price_{right.pk}]", "250")
    page.fill(f"input[name=price_{wrong.pk}]", "320")

    # then only the price far off shows the badge
    def flag(product):
        return page.locator(f".price-row:has(input[name=price_{product.pk}]) .price-flag")
    assert flag(wrong).is_visible()
    assert not flag(right).is_visible()
    assert not flag(blank).is_visible()


def test_sku_search_finds_a_card_in_the_catalogue(page, manager, store):
    ProductFactory(code="6901040", name="芙蓉王(硬)", retail_price=Decimal("250"))
    wanted = ProductFactory(code="6901041", name="黄鹤楼(硬珍品)", retail_price=Decimal("500"),
                            name_initials=name_initials("黄鹤楼(硬珍品)"))
    login(page, manager)
    page.goto("/visits/unplanned/")
    page.click("form[data-geo] button[type=submit]")
    page.wait_for_url("**/visits/visit/*/")
    page.set_viewport_size({"width": 360, "height": 800})

    page.fill("#sku-search", "hhl")

    visible = page.locator(".sku-card:visible .sku-name").all_inner_texts()
    assert visible == ["黄鹤楼(硬珍品)"]
    page.fill(f"input[name=price_{wanted.pk}]", "500")
    assert page.locator(f"#sku-{wanted.pk} .sku-name").is_visible()
