"""Issue 15: the network drops in the middle of a visit. The pages keep working from the
service worker's cache, the finished log waits on the phone marked "not yet sent", and it
reaches the server exactly once when the connection returns."""

from decimal import Decimal

import pytest
from django.utils import timezone

from visits.models import PriceStockRecord, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory, ProductFactory

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visit_logged_offline_is_sent_once_when_the_connection_returns(page, manager,
                                                                         store):
    product = ProductFactory(code="6901500", name="芙蓉王(硬)", retail_price=Decimal("250"))
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate())
    login(page, manager)
    page.goto("/visits/")
    page.click(f"#stop-{stop.pk} button[type=submit]")
    page.wait_for_url("**/visits/visit/*/")
    visit_url = page.url
    # the service worker has taken charge of the visit pages (and kept the day page)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.goto("/visits/")
    page.goto(visit_url)
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # when the network drops mid-visit
    page.context.set_offline(True)
    page.goto("/visits/")  # the day page still opens, from the phone
    assert page.locator(f"#stop-{stop.pk}").is_visible()
    page.goto(visit_url)  # and so does the visit log
    assert page.locator("#visit-form").is_visible()
    page.fill(f"input[name=price_{product.pk}]", "250")
    page.fill(f"input[name=stock_{product.pk}]", "7")
    page.fill("textarea[name=notes]", "断网时记录")
    page.fill("textarea[name=short_reason]", "测试")
    page.click("#finish-visit")

    # then the log waits, visibly, and nothing reached the server
    page.locator("#offline-queue").wait_for(state="visible")
    assert page.locator("#offline-queue [data-count]").inner_text() == "1"
    assert Visit.objects.get().status == VisitStatus.IN_PROGRESS

    # and when the connection returns it is sent once, and a second try changes nothing
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#offline-sent").wait_for(state="visible")
    assert page.locator("#offline-queue").is_hidden()
    page.reload()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    visit = Visit.objects.get()
    assert (visit.status, visit.notes) == (VisitStatus.DONE, "断网时记录")
    assert PriceStockRecord.objects.filter(visit=visit).count() == 1
    assert page.evaluate("localStorage.getItem('crm-visit-queue')") == "[]"
