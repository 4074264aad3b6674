from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from customers.tests.factories import CustomerFactory
from phone_orders.imports import load_rows
from phone_orders.services import cycle_start_for
from phone_orders.tests.conftest import scarce_sku, sku  # noqa: F401  (shared SKU fixtures)
from phone_orders.tests.factories import ProductFactory


def _rows(*lines) -> pd.DataFrame:
    frame = pd.DataFrame(lines, columns=["customer_id", "order_date", "product_id", "cartons",
                                         "amount"])
    frame["cycle_start"] = [cycle_start_for(day) for day in frame["order_date"]]
    return frame


@pytest.fixture
def mixed_sales(store, other_store, far_territory, sku,  # noqa: F811
                django_capture_on_commit_callbacks):
    """Four stores in three territories of two departments, two brands, three bands,
    September and October 2026; loaded in two imports (the second one incremental)."""
    cheap = ProductFactory(code="690088", brand="红双喜", wholesale_price=Decimal("45.00"),
                           price_band=3)
    mid = ProductFactory(code="690089", brand="红双喜", wholesale_price=Decimal("80.00"),
                         price_band=2)
    far_store = CustomerFactory(territory=far_territory, network="rural")
    twin = CustomerFactory(territory=store.territory, manager=store.manager,
                           business_format="supermarket", is_key_account=True)
    with django_capture_on_commit_callbacks(execute=True):
        load_rows(_rows((store.pk, date(2026, 9, 8), sku.pk, 2, "435.00"),
                        (store.pk, date(2026, 9, 9), cheap.pk, 1, "45.00"),
                        (twin.pk, date(2026, 9, 9), mid.pk, 3, "240.00"),
                        (other_store.pk, date(2026, 10, 7), sku.pk, 4, "870.00")))
    with django_capture_on_commit_callbacks(execute=True):
        load_rows(_rows((store.pk, date(2026, 10, 6), sku.pk, 1, "217.50"),
                        (store.pk, date(2026, 10, 6), cheap.pk, 3, "135.00"),
                        (store.pk, date(2026, 10, 6), mid.pk, 1, "80.00"),
                        (twin.pk, date(2026, 10, 12), cheap.pk, 2, "90.00"),
                        (far_store.pk, date(2026, 10, 8), sku.pk, 10, "2175.00"),
                        (far_store.pk, date(2026, 10, 9), mid.pk, 2, "160.00")))
    return {"cheap": cheap, "mid": mid, "far_store": far_store, "twin": twin}
