"""The Content-Security-Policy breaks nothing: the main pages of each role, driven in
Chromium, log no policy violation and their scripts still run. (/api/redoc/ is left out:
Redoc fetches its own logo from its CDN, which the policy blocks, harmlessly.)"""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.grading_factories import MonthlyPurchaseFactory
from phone_orders.tests.factories import ProductFactory
from tests.browser.conftest import login
from visits.tests.factories import PlannedVisitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _watch_violations(page) -> list[str]:
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def _visit(page, paths):
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")


def test_admin_pages_keep_the_policy(page, admin_user, store):
    violations = _watch_violations(page)
    MonthlyPurchaseFactory(customer=store, month=timezone.localdate().replace(day=1))
    login(page, admin_user)
    _visit(page, ["/", "/customers/", f"/customers/{store.pk}/", "/complaints/",
                  "/grading/warnings/", "/grading/runs/", "/orders/", "/orders/supply/",
                  "/admin/", "/admin/customers/customer/",
                  f"/admin/customers/customer/{store.pk}/change/", "/api/docs/", "/"])
    # the language switch (was an inline handler) still submits its form
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    # and the grading card's bars (were style attributes) still get their height
    page.goto(f"/customers/{store.pk}/")
    bar = page.locator(".grade-bar-fill").first
    if bar.count():
        assert bar.evaluate("el => el.style.height") == f"{bar.get_attribute('data-bar-height')}%"
    assert violations == []


def test_clerk_console_and_manager_visit_pages_keep_the_policy(page, clerk, manager, store,
                                                               browser, live_server):
    violations = _watch_violations(page)
    ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    login(page, clerk)
    _visit(page, ["/orders/calls/", f"/orders/console/{store.pk}/"])
    # htmx still runs: the product search answers as one types
    page.fill("#sku-q", "690001")
    page.wait_for_selector("text=芙蓉王")
    assert violations == []

    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    manager_page = context.new_page()
    manager_violations = _watch_violations(manager_page)
    PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate())
    login(manager_page, manager)
    _visit(manager_page, ["/visits/", "/visits/plan/", "/visits/unplanned/"])
    context.close()
    assert manager_violations == []
