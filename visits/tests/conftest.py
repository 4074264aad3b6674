from decimal import Decimal

import pytest

from customers.tests.factories import CustomerFactory, grade_set
from visits.tests.factories import ProductFactory


@pytest.fixture
def product(db):
    return ProductFactory(code="6901028", name="芙蓉王(硬)", retail_price=Decimal("250.00"))


@pytest.fixture
def placed_manager(manager):
    manager.start_latitude, manager.start_longitude = Decimal("28.250000"), Decimal("112.960000")
    manager.save()
    return manager


@pytest.fixture
def graded_stores(placed_manager, territory):
    """One A, one B and one C store of the manager, near the start point."""
    stores = []
    for n, grade in enumerate("ABC"):
        store = CustomerFactory(territory=territory, manager=placed_manager,
                                latitude=Decimal(f"28.25{n + 1}000"),
                                longitude=Decimal(f"112.96{n + 1}000"))
        grade_set(store, grade=grade)
        stores.append(store)
    return stores


@pytest.fixture
def graded_stores_without_start(manager, territory):
    """Three A stores on a line, 1 km apart; the manager has no start point."""
    stores = []
    for n in range(3):
        store = CustomerFactory(territory=territory, manager=manager,
                                latitude=Decimal("28.250000"),
                                longitude=Decimal(f"{112.96 + 0.01 * n:.6f}"))
        grade_set(store, grade="A")
        stores.append(store)
    return stores
