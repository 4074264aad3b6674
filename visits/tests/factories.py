from datetime import time
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from phone_orders.models import Flavour, PackType, PriceBand, Product
from visits.models import PlannedVisit, Visit


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"69{n:08d}")
    name = factory.Sequence(lambda n: f"芙蓉王(硬){n}")
    brand = "芙蓉王"
    origin = "湖南"
    wholesale_price = Decimal("230.00")
    retail_price = Decimal("250.00")
    price_band = PriceBand.CLASS_1
    flavour = Flavour.STRONG
    pack_type = PackType.HARD


class PlannedVisitFactory(DjangoModelFactory):
    class Meta:
        model = PlannedVisit

    date = factory.LazyFunction(timezone.localdate)
    sequence = factory.Sequence(lambda n: n + 1)
    planned_start = time(9, 0)
    service_minutes = 15


class VisitFactory(DjangoModelFactory):
    class Meta:
        model = Visit

    date = factory.LazyFunction(timezone.localdate)
    started_at = factory.LazyFunction(timezone.now)
