"""Issue 15: the customer search finds stores by address and by the owner's pinyin
initials, and every word of a query separated by a space must match."""

import pytest

from customers.filters import search_customers
from customers.models import Customer
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(territory, manager):
    return {
        "bld": CustomerFactory(territory=territory, manager=manager, name="百利达便利店",
                               owner="张三", address="长沙市芙蓉区五一大道8号"),
        "hx": CustomerFactory(territory=territory, manager=manager, name="红星烟酒行",
                              owner="王五", address="长沙市岳麓区麓山路12号"),
    }


def _found(query):
    return set(search_customers(Customer.objects.all(), query).values_list("name", flat=True))


def test_search_by_address(stores):
    assert _found("五一大道") == {"百利达便利店"}


def test_search_by_owner_pinyin_initials(stores):
    assert _found("ww") == {"红星烟酒行"}
    assert Customer.objects.get(name="百利达便利店").owner_initials == "zs"


def test_every_word_must_match(stores):
    assert _found("长沙 zs") == {"百利达便利店"}
    assert _found("bld 麓山路") == set()
    assert _found("  hxyj   岳麓区 ") == {"红星烟酒行"}
