"""Issue 16: the tier allocation page on a 360 px phone, as an admin (grid, preview,
exceptions) and as a supervisor (read only): no sideways scroll, 44 px tap targets."""

import pytest

from customers.tests.factories import CustomerFactory
from phone_orders import allocations
from phone_orders.models import CycleSupply
from phone_orders.services import current_cycle
from phone_orders.tests.factories import ProductFactory, SupplyFactory

from .conftest import login
from .test_phone_width import MEASURE, SCREENSHOTS, TAP_TARGETS, _check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def allocated(admin_user, territory, manager):
    product = ProductFactory(code="690002", name="中华(软)", is_scarce=True, default_quota=2)
    SupplyFactory(product=product, available_cartons=100)
    stores = [CustomerFactory(territory=territory, manager=manager, tier=tier)
              for tier in (28, 18, 3)]
    allocation, _figures, _created = allocations.allocation_save(
        user=admin_user, product=product, cycle_start=current_cycle(),
        rows=[{"min_tier": 25, "max_tier": 30, "cartons": 4},
              {"min_tier": 15, "max_tier": 24, "cartons": 2},
              {"min_tier": 1, "max_tier": 14, "cartons": 0}])
    allocations.quota_exception_set(user=admin_user, allocation=allocation,
                                    customer_id=stores[2].pk, cartons=1,
                                    reason="新开业的连锁门店，首月照顾")
    return product


def test_the_allocation_page_fits_a_360_px_phone(page, admin_user, supervisor, allocated):
    url = f"/orders/allocations/?sku={allocated.code}"
    login(page, admin_user)
    problems = _check(page, "allocation", url, 360, "admin")
    page.click("button[value=preview]")
    page.wait_for_selector("#allocation-preview")
    # 4 + 2 cartons by tier and the exception's 1, against 100 cartons of supply.
    assert "7" in page.inner_text("#allocation-preview tfoot")
    measured = page.evaluate(MEASURE, TAP_TARGETS)
    assert measured["width"] <= 360, measured
    page.screenshot(path=str(SCREENSHOTS / "360" / "admin-allocation-preview.png"),
                    full_page=True)
    assert CycleSupply.objects.get(product=allocated).available_cartons == 100

    page.context.clear_cookies()
    login(page, supervisor)
    problems += _check(page, "allocation", url, 360, "supervisor")
    assert problems == []
