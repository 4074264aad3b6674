"""Service call-backs (回访): a deterministic share of finished visits and confirmed orders
on the clerk's list; answers recorded; scoped over the personas."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import surveys
from complaints.models import Callback
from conftest import api_as
from phone_orders.models import Order, OrderStatus
from visits.models import VisitStatus
from visits.tests.factories import VisitFactory


def _picked(prefix: str, pk: int, share: int) -> bool:
    return int(hashlib.md5(f"{prefix}:{pk}".encode()).hexdigest()[:8], 16) % 100 < share


@pytest.fixture
def visits(store, manager):
    return [VisitFactory(customer=store, manager=manager, status=VisitStatus.DONE)
            for _i in range(30)]


def test_pick_is_deterministic_share_and_idempotent(visits, store, manager):
    VisitFactory(customer=store, manager=manager, status=VisitStatus.IN_PROGRESS)
    added = surveys.callbacks_pick(share=30)
    expected = {v.pk for v in visits if _picked("visit", v.pk, 30)}
    assert set(Callback.objects.values_list("visit_id", flat=True)) == expected
    assert added == len(expected)
    assert surveys.callbacks_pick(share=30) == 0
    assert surveys.callbacks_pick(share=100) == len(visits) - len(expected)
    assert Callback.objects.filter(served_by=manager).count() == len(visits)


def test_confirmed_orders_picked(store, clerk):
    today = timezone.localdate()
    Order.objects.create(customer=store, cycle_start=today, order_date=today,
                         status=OrderStatus.CONFIRMED, taken_by=clerk)
    Order.objects.create(customer=store, cycle_start=today, order_date=today,
                         status=OrderStatus.CANCELLED, taken_by=clerk)
    assert surveys.callbacks_pick(share=100) == 1
    assert Callback.objects.get().served_by == clerk


@pytest.fixture
def callback(visits):
    surveys.callbacks_pick(share=100)
    return Callback.objects.order_by("pk").first()


def test_clerk_answers_callback(callback, clerk):
    response = api_as(clerk).post(f"/api/callbacks/{callback.pk}/answer/",
                                  {"as_agreed": True, "attitude": 4, "remarks": "按时"},
                                  format="json")
    assert response.status_code == 200, response.json()
    callback.refresh_from_db()
    assert callback.attitude == 4 and callback.answered_by == clerk
    again = api_as(clerk).post(f"/api/callbacks/{callback.pk}/answer/",
                               {"as_agreed": False, "attitude": 1}, format="json")
    assert again.status_code == 400
    callback.refresh_from_db()
    assert callback.attitude == 4


@pytest.mark.parametrize("data", [{"as_agreed": True, "attitude": 6},
                                  {"as_agreed": True, "attitude": 0},
                                  {"attitude": 3}])
def test_bad_callback_answer_changes_nothing(callback, clerk, data):
    response = api_as(clerk).post(f"/api/callbacks/{callback.pk}/answer/", data,
                                  format="json")
    assert response.status_code == 400
    callback.refresh_from_db()
    assert callback.answered_at is None and callback.attitude is None


def test_callbacks_over_personas(personas, callback):
    seen = {"manager": 200, "other_manager": 404, "clerk": 200, "supervisor": 200,
            "other_supervisor": 404, "admin": 200}
    answer = {"manager": 403, "other_manager": 404, "clerk": 200, "supervisor": 403,
              "other_supervisor": 404, "admin": 200}
    for name, user in personas.items():
        client = api_as(user)
        assert client.get(f"/api/callbacks/{callback.pk}/").status_code == seen[name], name
        Callback.objects.filter(pk=callback.pk).update(answered_at=None, attitude=None)
        response = client.post(f"/api/callbacks/{callback.pk}/answer/",
                               {"as_agreed": True, "attitude": 5}, format="json")
        assert response.status_code == answer[name], name
    assert api_as(personas["other_manager"]).get("/api/callbacks/").json()["count"] == 0


def test_only_recent_work_someone_did_gets_a_call_back(store, manager, clerk):
    """A call about last year's order helps nobody, and an imported history (nobody took
    those orders) must not flood the clerks' list."""
    today = timezone.localdate()
    old = today - timedelta(days=30)
    VisitFactory(customer=store, manager=manager, status=VisitStatus.DONE, date=old)
    Order.objects.create(customer=store, cycle_start=old, order_date=old,
                         status=OrderStatus.CONFIRMED, taken_by=clerk)
    Order.objects.create(customer=store, cycle_start=today, order_date=today,
                         status=OrderStatus.CONFIRMED, source="import")
    recent = VisitFactory(customer=store, manager=manager, status=VisitStatus.DONE,
                          date=today - timedelta(days=2))

    assert surveys.callbacks_pick(share=100) == 1
    assert Callback.objects.get().visit == recent
