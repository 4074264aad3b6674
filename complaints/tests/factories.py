from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from complaints.models import Channel, Complaint, Kind, Severity, Status
from customers.tests.factories import CustomerFactory, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%" + b"x" * 64


class ComplaintFactory(DjangoModelFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    channel = Channel.PHONE
    kind = Kind.DELIVERY
    severity = Severity.MEDIUM
    description = "送货晚了两天"
    taken_by = factory.SubFactory(UserFactory)
    handler = factory.LazyAttribute(lambda o: o.customer.manager or o.taken_by)
    status = Status.RECEIVED
    received_at = factory.LazyFunction(timezone.now)
    first_reply_due = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=1))
    resolution_due = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=7))
