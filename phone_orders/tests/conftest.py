from decimal import Decimal

import pytest

from phone_orders.tests.factories import ProductFactory, SupplyFactory


@pytest.fixture
def sku(db):
    """芙蓉王(硬), 217.50 yuan a carton, 100 cartons on sale this cycle."""
    product = ProductFactory(code="690001", name="芙蓉王(硬)", wholesale_price=Decimal("217.50"))
    SupplyFactory(product=product, available_cartons=100)
    return product


@pytest.fixture
def scarce_sku(db):
    """A rationed SKU: 2 cartons per store per cycle, 10 cartons on sale."""
    product = ProductFactory(code="690002", name="中华(软)", brand="中华", origin="上海",
                             wholesale_price=Decimal("565.50"), is_scarce=True,
                             default_quota=2)
    SupplyFactory(product=product, available_cartons=10)
    return product
