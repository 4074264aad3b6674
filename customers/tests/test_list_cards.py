"""Issue 15: the customer list on a phone is a list of cards with a sort control."""

from decimal import Decimal

import pytest

from customers.tests.factories import CustomerFactory, grade_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_stores(territory, manager):
    stores = []
    for name, average in (("乙店", "300"), ("甲店", "900"), ("丙店", "100")):
        store = CustomerFactory(territory=territory, manager=manager, name=name)
        grade_set(store, monthly_average=Decimal(average))
        stores.append(store)
    return stores


@pytest.mark.parametrize("sort, expected", [
    ("-monthly_average", ["甲店", "乙店", "丙店"]),
    ("monthly_average", ["丙店", "乙店", "甲店"]),
])
def test_the_list_sorts_as_asked(client, manager, three_stores, sort, expected):
    client.force_login(manager)

    response = client.get("/customers/", {"sort": sort})

    assert [c.name for c in response.context["page_obj"]] == expected


def test_the_list_is_cards_with_a_sort_control(client, manager, three_stores):
    client.force_login(manager)

    html = client.get("/customers/").content.decode()

    assert html.count('class="customer-card card"') == 3
    assert 'name="sort"' in html
    assert "<table" not in html
    assert "¥900.00" in html
