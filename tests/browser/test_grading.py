"""A manager works a churn warning from the inbox on a phone, and sees the store's grade."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.grading.jobs import recompute_grades, scan_churn
from customers.grading.rules import add_months, month_start
from customers.models import ChurnWarning, Customer
from customers.tests.grading_factories import MonthlyPurchaseFactory

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_acknowledges_then_resolves_a_warning(page, manager, store, other_store):
    # given a store that has not ordered for three weeks, graded and scanned overnight
    today = timezone.localdate()
    Customer.objects.filter(pk=store.pk).update(
        last_order_date=today - datetime.timedelta(days=21))
    for back in (1, 2, 3):
        MonthlyPurchaseFactory(customer=store, month=add_months(month_start(today), -back),
                               amount=Decimal("8000"))
    recompute_grades(as_of=today)
    scan_churn(as_of=today)
    warning = ChurnWarning.objects.get(customer=store, reason="no_order")
    login(page, manager)

    # when the manager opens the inbox and acknowledges the warning (no page reload)
    page.goto("/grading/warnings/")
    row = page.locator(f"#warning-{warning.pk}")
    assert "21" in row.inner_text()
    row.get_by_role("button", name="确认").click()
    page.locator(f"#warning-{warning.pk}").get_by_text("已确认", exact=True).wait_for()
    assert page.locator(f"#warning-{warning.pk}").get_by_role("button",
                                                               name="确认").count() == 0

    # and resolves it saying how
    page.locator(f"#warning-{warning.pk} input[name=resolution]").fill("已电话回访，下周恢复订货")
    page.locator(f"#warning-{warning.pk}").get_by_role("button", name="解除").click()
    page.locator(f"#warning-{warning.pk}").get_by_text("已电话回访，下周恢复订货").wait_for()

    # then the warning is resolved with the manager's words, and the page fits the phone
    warning.refresh_from_db()
    assert (warning.status, warning.resolution, warning.handled_by) == (
        "resolved", "已电话回访，下周恢复订货", manager)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # and the store card shows its grade with the why
    page.goto(f"/customers/{store.pk}/")
    card = page.locator("#grading").inner_text()
    assert "8,000.00" in card or "8000.00" in card
    assert "排名第 1" in card
