"""Complaints and visits as churn model features, registered by their apps, computed at a
cut-off from the rows before it only (issue 12)."""

import datetime

import numpy as np
from django.utils import timezone

from complaints.models import Status
from complaints.tests.factories import ComplaintFactory
from customers.grading.features import churn_feature_providers, features_at
from customers.grading.training import WeeklyPurchases, _extras_by_cutoff
from visits.tests.factories import VisitFactory

CUTOFF = datetime.date(2026, 10, 5)  # a Monday


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _features(store) -> dict:
    return features_at(np.array([store.pk]), CUTOFF).iloc[0].to_dict()


def test_complaints_and_visits_register_their_features():
    assert {p.name for p in churn_feature_providers()} >= {"complaints", "visits"}


def test_rows_on_or_after_the_cutoff_do_not_change_its_features(db, store, manager):
    ComplaintFactory(customer=store, taken_by=manager, received_at=_at(datetime.date(2026, 9, 25)))
    VisitFactory(customer=store, manager=manager, date=datetime.date(2026, 9, 20),
                 started_at=_at(datetime.date(2026, 9, 20)))
    before = _features(store)
    assert before == {"open_complaints": 1, "oldest_open_complaint_days": 9,
                      "visits_8_weeks": 1, "days_since_visit": 15}
    ComplaintFactory(customer=store, taken_by=manager, received_at=_at(CUTOFF, 0))
    ComplaintFactory(customer=store, taken_by=manager,
                     received_at=_at(datetime.date(2026, 10, 20)))
    VisitFactory(customer=store, manager=manager, date=CUTOFF, started_at=_at(CUTOFF))
    assert _features(store) == before


def test_a_complaint_closed_before_the_cutoff_is_not_open_at_it(db, store, manager):
    ComplaintFactory(customer=store, taken_by=manager, status=Status.CLOSED,
                     received_at=_at(datetime.date(2026, 9, 1)),
                     closed_at=_at(datetime.date(2026, 9, 20)))
    ComplaintFactory(customer=store, taken_by=manager, status=Status.CLOSED,
                     received_at=_at(datetime.date(2026, 9, 2)),
                     closed_at=_at(datetime.date(2026, 10, 9)))  # closed later: open then
    assert _features(store)["open_complaints"] == 1
    assert _features(store)["oldest_open_complaint_days"] == 32


def test_training_asks_the_providers_at_each_cutoff_s_monday(db, store, other_store,
                                                            manager):
    ComplaintFactory(customer=store, taken_by=manager, received_at=_at(datetime.date(2026, 9, 25)))
    data = WeeklyPurchases(np.array([other_store.pk, store.pk]), np.zeros((2, 10)),
                           CUTOFF - datetime.timedelta(weeks=5), 0)
    extras_at = _extras_by_cutoff(data)
    assert list(extras_at(5, np.array([1, 0]))["open_complaints"]) == [1, 0]
    assert list(extras_at(3, np.array([1, 0]))["open_complaints"]) == [0, 0]
