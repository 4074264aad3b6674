import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from customers.models import ChurnWarning, GradeChange, MonthlyPurchase
from customers.tests.factories import CustomerFactory


class MonthlyPurchaseFactory(DjangoModelFactory):
    class Meta:
        model = MonthlyPurchase

    customer = factory.SubFactory(CustomerFactory)
    month = datetime.date(2026, 10, 1)
    amount = Decimal("1000.00")
    cartons = 10
    orders = 1


class GradeChangeFactory(DjangoModelFactory):
    class Meta:
        model = GradeChange

    customer = factory.SubFactory(CustomerFactory)
    month = datetime.date(2026, 11, 1)
    as_of = datetime.date(2026, 11, 1)
    old_grade = "A"
    new_grade = "B"
    old_monthly_average = Decimal("30000.00")
    new_monthly_average = Decimal("20000.00")


class ChurnWarningFactory(DjangoModelFactory):
    class Meta:
        model = ChurnWarning

    customer = factory.SubFactory(CustomerFactory)
    reason = "no_order"
    score = 50
    evidence = factory.LazyFunction(dict)
    owner = factory.LazyAttribute(lambda o: o.customer.manager)
    as_of = datetime.date(2026, 11, 20)
