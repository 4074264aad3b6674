"""The churn scan rules and the manager's actions on a warning."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from crm_project.errors import BusinessError
from customers.grading.jobs import scan_churn
from customers.grading.rules import purchase_weights
from customers.grading.selectors import churn_warning_inbox
from customers.grading.services import churn_warning_acknowledge, churn_warning_close
from customers.models import ChurnWarning, Customer, CustomerStatus, JobRun, WarningStatus
from customers.tests.factories import grade_set
from customers.tests.grading_factories import (
    ChurnWarningFactory,
    GradeChangeFactory,
    MonthlyPurchaseFactory,
)

AS_OF = datetime.date(2026, 11, 20)


def ordered(customer, day):
    Customer.objects.filter(pk=customer.pk).update(last_order_date=day)


def warnings_of(customer, reason=None):
    warnings = ChurnWarning.objects.filter(customer=customer)
    return warnings.filter(reason=reason) if reason else warnings


def test_no_order_in_two_weekly_cycles_raises_a_warning_for_the_manager(db, store, manager):
    ordered(store, AS_OF - datetime.timedelta(days=14))
    run = scan_churn(as_of=AS_OF)
    warning = warnings_of(store).get()
    assert (warning.reason, warning.status, warning.owner, warning.score) == (
        "no_order", "open", manager, 40)
    assert warning.evidence == {"last_order_date": "2026-11-06", "days_since_last_order": 14,
                                "cycles_missed": 2, "cycle_days": 7, "threshold_cycles": 2,
                                "reasons": ["no_order"]}
    assert (run.stores_processed, run.details["raised"]) == (1, 1)


def test_an_order_within_two_cycles_raises_nothing(db, store):
    ordered(store, AS_OF - datetime.timedelta(days=13))
    scan_churn(as_of=AS_OF)
    assert warnings_of(store).count() == 0


def test_a_store_that_never_ordered_or_is_closed_is_not_warned(db, store, other_store):
    Customer.objects.filter(pk=other_store.pk).update(
        status=CustomerStatus.CLOSED, last_order_date=datetime.date(2026, 1, 1))
    scan_churn(as_of=AS_OF)
    assert ChurnWarning.objects.count() == 0


def test_scanning_twice_keeps_one_open_warning_and_refreshes_it(db, store):
    ordered(store, AS_OF - datetime.timedelta(days=14))
    scan_churn(as_of=AS_OF)
    later = scan_churn(as_of=AS_OF + datetime.timedelta(days=3))
    warning = warnings_of(store).get()
    assert (warning.evidence["days_since_last_order"], warning.as_of) == (
        17, datetime.date(2026, 11, 23))
    assert (later.details["raised"], later.details["refreshed"]) == (0, 1)


def test_a_store_that_orders_again_has_its_warning_resolved(db, store):
    ordered(store, AS_OF - datetime.timedelta(days=20))
    scan_churn(as_of=AS_OF)
    ordered(store, AS_OF)
    run = scan_churn(as_of=AS_OF)
    warning = warnings_of(store).get()
    assert warning.status == WarningStatus.RESOLVED
    assert "2026-11-20" in warning.resolution
    assert warning.resolved_at is not None
    assert run.details["resolved"] == 1


def test_purchase_weights_spread_each_month_over_its_days():
    weights = purchase_weights(as_of=datetime.date(2026, 10, 28))
    # recent: Oct 1-28 (the whole of October so far); baseline: Jul 9 - Sep 30 (84 days)
    assert weights[datetime.date(2026, 10, 1)] == (Decimal(1), Decimal(0))
    assert weights[datetime.date(2026, 9, 1)] == (Decimal(0), Decimal(1))
    assert weights[datetime.date(2026, 7, 1)] == (Decimal(0), Decimal(23) / 31)


def _daily_buyer(store, *, base_per_day, october_per_day):
    for month, days in [(7, 31), (8, 31), (9, 30)]:
        MonthlyPurchaseFactory(customer=store, month=datetime.date(2026, month, 1),
                               amount=base_per_day * days)
    MonthlyPurchaseFactory(customer=store, month=datetime.date(2026, 10, 1),
                           amount=october_per_day * 28)
    ordered(store, datetime.date(2026, 10, 27))


def test_purchases_down_thirty_percent_or_more_raise_a_drop_warning(db, store):
    _daily_buyer(store, base_per_day=100, october_per_day=60)
    scan_churn(as_of=datetime.date(2026, 10, 28))
    warning = warnings_of(store, "purchase_drop").get()
    assert warning.evidence == {"recent_28_days": "1680.00",
                                "average_28_days_before": "2800.00",
                                "drop_percent": "40.0", "threshold_percent": 30,
                                "reasons": ["purchase_drop"]}
    assert warning.score == 40


def test_a_smaller_drop_raises_nothing_and_resolves_an_open_drop_warning(db, store):
    _daily_buyer(store, base_per_day=100, october_per_day=75)
    ChurnWarningFactory(customer=store, reason="purchase_drop")
    scan_churn(as_of=datetime.date(2026, 10, 28))
    warning = warnings_of(store, "purchase_drop").get()
    assert warning.status == WarningStatus.RESOLVED
    assert "2100.00" in warning.resolution


def test_a_recent_downgrade_raises_a_grade_drop_warning(db, store):
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="A", new_grade="C",
                       as_of=datetime.date(2026, 11, 1))
    scan_churn(as_of=AS_OF)
    warning = warnings_of(store, "grade_drop").get()
    assert warning.score == 80
    assert warning.evidence == {"old_grade": "A", "new_grade": "C", "changed_on": "2026-11-01",
                                "old_monthly_average": "30000.00",
                                "new_monthly_average": "20000.00", "reasons": ["grade_drop"]}


def test_a_dismissed_false_alarm_is_not_raised_again_at_once(db, store, manager):
    ordered(store, AS_OF - datetime.timedelta(days=30))
    scan_churn(as_of=AS_OF)
    warning = warnings_of(store).get()
    churn_warning_close(user=manager, warning_id=warning.pk, status="dismissed")
    scan_churn(as_of=AS_OF)
    assert list(warnings_of(store).values_list("status", flat=True)) == ["dismissed"]


def test_a_future_date_is_refused_and_nothing_is_written(db, store):
    ordered(store, datetime.date(2026, 1, 1))
    with pytest.raises(BusinessError) as refused:
        scan_churn(as_of=datetime.date(2099, 1, 1))
    assert refused.value.field == "as_of"
    assert (ChurnWarning.objects.count(), JobRun.objects.count()) == (0, 0)


# --- the manager's actions ------------------------------------------------------------


@pytest.mark.parametrize("persona, allowed", [
    ("manager", True), ("supervisor", True), ("admin", True),
    ("other_manager", False), ("clerk", False), ("other_supervisor", False),
])
def test_who_may_acknowledge_a_warning(db, store, personas, persona, allowed):
    warning = ChurnWarningFactory(customer=store)
    user = personas[persona]
    if allowed:
        churn_warning_acknowledge(user=user, warning_id=warning.pk)
        warning.refresh_from_db()
        assert (warning.status, warning.handled_by) == ("acknowledged", user)
    else:
        with pytest.raises((PermissionDenied, Http404)):
            churn_warning_acknowledge(user=user, warning_id=warning.pk)
        warning.refresh_from_db()
        assert (warning.status, warning.handled_by) == ("open", None)


def test_resolving_needs_a_how(db, store, manager):
    warning = ChurnWarningFactory(customer=store)
    with pytest.raises(BusinessError) as refused:
        churn_warning_close(user=manager, warning_id=warning.pk, status="resolved",
                            resolution="  ")
    assert refused.value.field == "resolution"
    warning.refresh_from_db()
    assert warning.status == "open"
    churn_warning_close(user=manager, warning_id=warning.pk, status="resolved",
                        resolution="Visited; owner was on holiday")
    warning.refresh_from_db()
    assert (warning.status, warning.resolution) == ("resolved",
                                                    "Visited; owner was on holiday")


def test_a_closed_warning_cannot_be_closed_again(db, store, manager):
    warning = ChurnWarningFactory(customer=store, status="dismissed")
    with pytest.raises(BusinessError):
        churn_warning_close(user=manager, warning_id=warning.pk, status="resolved",
                            resolution="x")


def test_inbox_shows_a_manager_only_their_open_warnings_highest_score_first(
        db, store, other_store, manager):
    low = ChurnWarningFactory(customer=store, score=30)
    high = ChurnWarningFactory(customer=store, reason="complaint_open", score=90)
    ChurnWarningFactory(customer=store, reason="grade_drop", status="resolved")
    ChurnWarningFactory(customer=other_store)
    assert list(churn_warning_inbox(user=manager)) == [high, low]
