from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from complaints.models import Complaint, Status
from customers.models import Customer


@pytest.mark.django_db
def test_seed_demo_creates_complaints_in_several_states_and_keeps_counters():
    out = StringIO()
    call_command("seed_demo", customers=40, seed=7, stdout=out)
    assert Complaint.objects.count() == 36
    assert dict(Counter(Complaint.objects.values_list("status", flat=True))) == {
        "received": 4, "acknowledged": 8, "investigated": 4, "proposed": 4, "agreed": 4,
        "carried_out": 4, "called_back": 4, "closed": 4}
    assert Complaint.objects.filter(reopen_count=1).count() == 4
    for customer in Customer.objects.filter(complaints__isnull=False).distinct():
        assert customer.open_complaint_count == customer.complaints.exclude(
            status=Status.CLOSED).count()
