from datetime import date
from decimal import Decimal

import pytest

from customers.models import MonthlyPurchase
from reports.selectors import home_figures

pytestmark = pytest.mark.django_db


def test_home_figures_count_only_the_users_stores(manager, store, other_store):
    MonthlyPurchase.objects.create(customer=store, month=date(2026, 10, 1),
                                   amount=Decimal("1234.50"), cartons=12, orders=4)
    MonthlyPurchase.objects.create(customer=other_store, month=date(2026, 10, 1),
                                   amount=Decimal("999.00"), cartons=9, orders=3)
    figures = home_figures(user=manager, today=date(2026, 11, 23))
    assert figures["total"] == 1
    assert figures["last_month_amount"] == Decimal("1234.50")
    assert [row["amount"] for row in figures["series"]][-1] == Decimal("1234.50")
    assert figures["ordering_today"] == 0  # store orders on Tuesday, the 23rd is a Monday


def test_home_page_renders_for_every_role(client, personas, store):
    for user in personas.values():
        client.force_login(user)
        assert client.get("/").status_code == 200
