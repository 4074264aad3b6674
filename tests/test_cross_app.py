"""Flows that cross apps: what one app writes, another reads."""

from decimal import Decimal

import pytest

from phone_orders.services import LineRequest, order_create
from phone_orders.tests.factories import ProductFactory, SupplyFactory
from visits.selectors import customer_usual_products

pytestmark = pytest.mark.django_db


def test_visit_log_lists_the_skus_the_store_ordered_first(clerk, store):
    # given a catalog where the store ordered the SKU that sorts last by brand
    first = ProductFactory(code="690101", name="白沙(硬)", brand="白沙",
                           wholesale_price=Decimal("43.50"))
    ordered = ProductFactory(code="690102", name="黄鹤楼(软蓝)", brand="黄鹤楼",
                             wholesale_price=Decimal("165.30"))
    for product in (first, ordered):
        SupplyFactory(product=product, available_cartons=50)
    order_create(user=clerk, customer=store, lines=[LineRequest(product=ordered, cartons=3)],
                 confirm=True)

    # when the manager opens the visit log's price and stock list
    products = customer_usual_products(customer=store)

    # then the ordered SKU comes first and is marked usual
    assert [p.code for p in products[:2]] == ["690102", "690101"]
    assert [p.is_usual for p in products[:2]] == [True, False]
