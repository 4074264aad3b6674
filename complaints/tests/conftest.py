import pytest

from complaints import services
from complaints.models import Channel, Kind


@pytest.fixture
def make_complaint(store, manager):
    def make(*, user=None, customer=None, **kwargs):
        data = {"channel": Channel.PHONE, "kind": Kind.DELIVERY, "description": "送货晚了"}
        data.update(kwargs)
        return services.complaint_create(user=user or manager, customer=customer or store,
                                         **data)
    return make
