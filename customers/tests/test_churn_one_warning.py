"""One churn warning per store, with recency measured against the store's own usual order
interval (issue 12)."""

import datetime
from decimal import Decimal

from customers.grading.jobs import scan_churn
from customers.grading.services import churn_warning_close
from customers.models import ChurnWarning, Customer, WarningStatus
from customers.tests.factories import grade_set
from customers.tests.grading_factories import GradeChangeFactory, MonthlyPurchaseFactory
from phone_orders.models import Order, OrderStatus

AS_OF = datetime.date(2026, 11, 20)


def orders_every(store, *, days: int, last: datetime.date, count: int = 12) -> None:
    """Confirmed orders every `days` days, the latest on `last`."""
    dates = [last - datetime.timedelta(days=days * i) for i in range(count)]
    Order.objects.bulk_create([
        Order(customer=store, order_date=day, status=OrderStatus.CONFIRMED,
              cycle_start=day - datetime.timedelta(days=day.weekday()),
              total_amount=Decimal("1000.00"))
        for day in dates])
    Customer.objects.filter(pk=store.pk).update(last_order_date=last)


def test_a_store_ordering_every_four_weeks_is_not_warned_between_its_orders(db, store):
    orders_every(store, days=28, last=AS_OF - datetime.timedelta(days=27))
    scan_churn(as_of=AS_OF)
    assert not ChurnWarning.objects.filter(customer=store).exists()


def test_a_monthly_store_that_ordered_three_weeks_ago_is_not_at_risk_a_weekly_one_is(
        db, store, other_store):
    orders_every(store, days=30, last=AS_OF - datetime.timedelta(days=21))
    orders_every(other_store, days=7, last=AS_OF - datetime.timedelta(days=21), count=40)
    scan_churn(as_of=AS_OF)
    assert not ChurnWarning.objects.filter(customer=store).exists()
    warning = ChurnWarning.objects.get(customer=other_store)
    assert (warning.reason, warning.evidence["cycle_days"],
            warning.evidence["cycles_missed"]) == ("no_order", 7, 3)


def test_a_monthly_store_silent_for_two_of_its_cycles_is_warned_in_its_own_cycles(db, store):
    orders_every(store, days=28, last=AS_OF - datetime.timedelta(days=60))
    scan_churn(as_of=AS_OF)
    warning = ChurnWarning.objects.get(customer=store)
    assert (warning.evidence["cycle_days"], warning.evidence["cycles_missed"],
            warning.evidence["days_since_last_order"]) == (28, 2, 60)


def test_a_store_that_stopped_ordering_gets_one_warning_with_all_its_reasons(db, store):
    for month in (7, 8, 9):
        MonthlyPurchaseFactory(customer=store, month=datetime.date(2026, month, 1),
                               amount=Decimal("3000.00"))
    Customer.objects.filter(pk=store.pk).update(last_order_date=datetime.date(2026, 9, 28))
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="B", new_grade="C",
                       as_of=datetime.date(2026, 11, 1))
    run = scan_churn(as_of=AS_OF)
    warning = ChurnWarning.objects.get(customer=store)
    assert warning.evidence["reasons"] == ["no_order", "purchase_drop", "grade_drop"]
    assert warning.reason == "no_order"  # it stopped ordering; the drop follows from it
    assert warning.score == 100
    assert (warning.evidence["drop_percent"], warning.evidence["days_since_last_order"],
            warning.evidence["old_grade"]) == ("100.0", 53, "B")
    assert run.details["raised"] == 1
    assert run.details["holding"] == {"no_order": 1, "purchase_drop": 1, "grade_drop": 1}


def test_a_new_reason_joins_the_open_warning_instead_of_raising_another(db, store, manager):
    Customer.objects.filter(pk=store.pk).update(
        last_order_date=AS_OF - datetime.timedelta(days=14))
    scan_churn(as_of=AS_OF)
    first = ChurnWarning.objects.get(customer=store)
    first.status = WarningStatus.ACKNOWLEDGED
    first.save()
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="A", new_grade="C",
                       as_of=AS_OF - datetime.timedelta(days=2))
    later = scan_churn(as_of=AS_OF + datetime.timedelta(days=1))
    warning = ChurnWarning.objects.get(customer=store)
    assert warning.pk == first.pk
    assert (warning.status, warning.reason, warning.score) == ("acknowledged", "no_order", 80)
    assert warning.evidence["reasons"] == ["no_order", "grade_drop"]
    assert (later.details["raised"], later.details["refreshed"]) == (0, 1)


def test_a_dismissed_store_is_not_warned_for_another_reason_at_once(db, store, manager):
    Customer.objects.filter(pk=store.pk).update(
        last_order_date=AS_OF - datetime.timedelta(days=14))
    scan_churn(as_of=AS_OF)
    warning = ChurnWarning.objects.get(customer=store)
    churn_warning_close(user=manager, warning_id=warning.pk, status="dismissed")
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="A", new_grade="C", as_of=AS_OF)
    scan_churn(as_of=AS_OF)
    assert list(ChurnWarning.objects.filter(customer=store).values_list("status", flat=True)) \
        == ["dismissed"]


def test_the_inbox_shows_every_reason_of_the_one_warning(db, store, manager, client):
    for month in (7, 8, 9):
        MonthlyPurchaseFactory(customer=store, month=datetime.date(2026, month, 1),
                               amount=Decimal("3000.00"))
    Customer.objects.filter(pk=store.pk).update(last_order_date=datetime.date(2026, 9, 28))
    scan_churn(as_of=AS_OF)
    client.force_login(manager)
    page = client.get("/grading/warnings/").content.decode()
    assert page.count(f'id="warning-{ChurnWarning.objects.get().pk}"') == 1
    assert "连续多个周期未订货(断订)" in page and "购进下滑" in page
    assert "reasons" not in page
