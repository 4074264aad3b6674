from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from customers.pinyin import name_initials
from phone_orders.models import CycleSupply, Flavour, PackType, PriceBand, Product
from phone_orders.services import current_cycle


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"69{n + 5000:04d}")
    name = factory.Sequence(lambda n: f"芙蓉王(硬{n})")
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    brand = "芙蓉王"
    origin = "湖南"
    wholesale_price = Decimal("217.50")
    retail_price = Decimal("250.00")
    price_band = PriceBand.CLASS_1
    flavour = Flavour.STRONG
    pack_type = PackType.HARD


class SupplyFactory(DjangoModelFactory):
    class Meta:
        model = CycleSupply

    cycle_start = factory.LazyFunction(current_cycle)
    product = factory.SubFactory(ProductFactory)
    available_cartons = 100
