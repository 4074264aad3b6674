"""A supervisor reads the sales analysis and the grades on a 360 px phone: charts drawn from
our own ECharts file, no sideways scrolling, a drill-down down to the stores."""

from datetime import date
from decimal import Decimal

import pytest

from customers.models import GradeSnapshot
from phone_orders.tests.factories import ProductFactory
from reports.tests.test_api import _orders

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_supervisor_drills_from_months_to_a_store_on_a_phone(page, supervisor, store,
                                                             other_store):
    sku = ProductFactory()
    _orders((store.pk, date(2026, 9, 8), sku.pk, 2, "435.00"),
            (other_store.pk, date(2026, 10, 7), sku.pk, 1, "217.50"))
    GradeSnapshot.objects.create(customer=store, month=date(2026, 10, 1), as_of=date(2026, 10, 1),
                                 grade="A", monthly_average=Decimal("100.00"), rank=1,
                                 cumulative_share=Decimal("0"), window_months=3,
                                 counted_months=3, method="cumulative_share")
    page.set_viewport_size({"width": 360, "height": 740})
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, supervisor)

    page.goto("/reports/sales/?from=2026-09&to=2026-10")
    page.locator("[data-chart='sales-chart'][data-drawn='yes'] svg").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="var/reports-sales-360.png", full_page=True)
    assert all(url.startswith(page.url.split("/reports")[0]) for url in requested)  # no CDN

    page.locator("#sales-table").get_by_role("link", name="2026-09").click()
    page.locator("#sales-table").get_by_role("link", name="越秀一片").click()
    page.locator("#sales-table").get_by_role("link").first.click()  # the manager
    page.locator("#sales-table").get_by_role("link", name=store.name).wait_for()
    assert "group_by=store" in page.url

    page.goto("/reports/grades/?month=2026-10")
    page.locator("[data-chart='grades-chart'][data-drawn='yes'] svg").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="var/reports-grades-360.png", full_page=True)
    page.goto("/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="var/reports-home-360.png", full_page=True)
    assert violations == []
