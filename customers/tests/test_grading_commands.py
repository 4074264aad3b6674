"""The management commands, the churn settings, auto-resolve on grade recovery, and the
package's selectors and services called directly."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import translation

from crm_project.errors import BusinessError
from customers.grading import selectors, services
from customers.grading.jobs import recompute_grades, scan_churn
from customers.models import (
    ChurnWarning,
    Customer,
    GradeSnapshot,
    JobKind,
    JobRun,
    JobStatus,
    WarningStatus,
)
from customers.tests.factories import CustomerFactory, grade_set
from customers.tests.grading_factories import (
    ChurnWarningFactory,
    GradeChangeFactory,
    MonthlyPurchaseFactory,
)

AS_OF = datetime.date(2026, 11, 20)
WINDOW = [datetime.date(2026, 8, 1), datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]


def buying(store, average):
    for month in WINDOW:
        MonthlyPurchaseFactory(customer=store, month=month, amount=Decimal(average))


def run_command(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out)
    return out.getvalue().strip()


# --- Commands ---------------------------------------------------------------------------


def test_recompute_grades_command_grades_as_of_the_date_and_says_so(db, store, other_store):
    buying(store, "9000")
    buying(other_store, "1000")

    output = run_command("recompute_grades", "--as-of", "2026-11-20")

    assert output == ("Graded 2 stores as of 2026-11-20: {'A': 1, 'B': 1, 'C': 0}, "
                      "0 grade changes, 2 stores updated (window 2026-08-01 .. 2026-10-01).")
    assert dict(Customer.objects.values_list("pk", "grade")) == {store.pk: "A",
                                                                 other_store.pk: "B"}
    assert GradeSnapshot.objects.filter(month=datetime.date(2026, 11, 1)).count() == 2
    run = JobRun.objects.get()
    assert (run.kind, run.as_of, run.status) == (JobKind.GRADES, AS_OF, JobStatus.SUCCEEDED)
    # The month's first run: its snapshots written into a partition of their own.
    assert set(run.details["seconds"]) == {"compute", "snapshot_insert", "grade_changes",
                                           "grade_write", "snapshot_attach", "commit"}


@pytest.mark.parametrize("as_of, message", [
    ("2026-13-01", "--as-of must be a date YYYY-MM-DD, not '2026-13-01'."),
    ("2099-01-01", "The as-of date 2099-01-01 is in the future."),
    ("2026-03-15", "No purchases are recorded from 2025-12 to 2026-02: there is nothing to "
                   "grade, and the current grades are kept."),
])
def test_recompute_grades_command_refuses_a_bad_date_and_writes_nothing(db, store, as_of,
                                                                        message):
    buying(store, "1000")
    with pytest.raises(CommandError) as refused:
        run_command("recompute_grades", "--as-of", as_of)
    assert str(refused.value) == message
    assert (GradeSnapshot.objects.count(), JobRun.objects.count()) == (0, 0)


def test_scan_churn_command_raises_warnings_as_of_the_date_and_says_so(db, store, other_store):
    Customer.objects.filter(pk=store.pk).update(last_order_date=AS_OF - datetime.timedelta(14))
    Customer.objects.filter(pk=other_store.pk).update(last_order_date=AS_OF)

    output = run_command("scan_churn", "--as-of", "2026-11-20")

    assert output == ("Scanned 2 stores as of 2026-11-20: 1 raised, 0 refreshed, 0 resolved; "
                      "holding {'no_order': 1, 'purchase_drop': 0, 'grade_drop': 0}.")
    assert list(ChurnWarning.objects.values_list("customer_id", "reason", "as_of")) == [
        (store.pk, "no_order", AS_OF)]
    assert JobRun.objects.get().kind == JobKind.CHURN


def test_scan_churn_command_refuses_a_future_date(db, store):
    with pytest.raises(CommandError) as refused:
        run_command("scan_churn", "--as-of", "2099-01-01")
    assert str(refused.value) == "The as-of date 2099-01-01 is in the future."
    assert (ChurnWarning.objects.count(), JobRun.objects.count()) == (0, 0)


# --- Churn settings ---------------------------------------------------------------------


def test_churn_settings_update_changes_the_rules_the_scan_uses(db, admin_user, store):
    Customer.objects.filter(pk=store.pk).update(last_order_date=AS_OF - datetime.timedelta(14))

    row = services.churn_settings_update(user=admin_user, data={"no_order_cycles": 3},
                                         reason="slower stores")
    scan_churn(as_of=AS_OF)

    assert row.no_order_cycles == 3
    assert ChurnWarning.objects.count() == 0  # 14 days are two cycles, below three
    latest = row.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (admin_user, "slower stores")
    assert [h.no_order_cycles for h in selectors.settings_history(row)] == [3, 2]


@pytest.mark.parametrize("persona", ["manager", "clerk", "supervisor"])
def test_only_an_admin_may_change_the_churn_settings(db, request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.churn_settings_update(user=user, data={"no_order_cycles": 5})
    row = selectors.churn_settings_get()
    assert (row.no_order_cycles, row.history.count()) == (2, 1)


@pytest.mark.parametrize("data, field", [
    ({"drop_percent": 0}, "drop_percent"),
    ({"no_order_cycles": 13}, "no_order_cycles"),
    ({"window_months": 4}, "window_months"),
])
def test_bad_churn_settings_are_refused_with_the_field(db, admin_user, data, field):
    with pytest.raises(BusinessError) as refused:
        services.churn_settings_update(user=admin_user, data=data)
    assert refused.value.field == field
    assert selectors.churn_settings_get().history.count() == 1


# --- Auto-resolve on grade recovery ------------------------------------------------------


def test_a_store_back_to_its_old_grade_has_its_grade_drop_warning_resolved(db, store):
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="A", new_grade="C",
                       as_of=datetime.date(2026, 11, 1))
    scan_churn(as_of=AS_OF)
    warning = ChurnWarning.objects.get(customer=store, reason="grade_drop")
    assert warning.status == WarningStatus.OPEN

    grade_set(store, grade="A")  # graded A again
    with translation.override("en"):
        run = scan_churn(as_of=AS_OF)

    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED
    assert warning.resolution == "Resolved automatically: the store is back to grade A."
    assert warning.resolved_at is not None
    assert (run.details["resolved"], run.changes) == (1, 1)


def test_a_store_still_below_its_old_grade_keeps_its_warning(db, store):
    grade_set(store, grade="C")
    GradeChangeFactory(customer=store, old_grade="A", new_grade="C",
                       as_of=datetime.date(2026, 11, 1))
    scan_churn(as_of=AS_OF)
    grade_set(store, grade="B")  # better, still below A
    scan_churn(as_of=AS_OF)
    warning = ChurnWarning.objects.get(customer=store, reason="grade_drop")
    assert (warning.status, warning.score, warning.evidence["new_grade"]) == (
        WarningStatus.OPEN, 50, "B")


# --- Selectors and services called directly ---------------------------------------------


def test_the_grade_card_shows_the_latest_snapshot_to_those_who_see_the_store(
        db, store, manager, other_manager):
    buying(store, "1000")
    recompute_grades(as_of=AS_OF)

    card = selectors.customer_grade_card(user=manager, customer_id=store.pk)

    assert (card["latest"].grade, card["latest"].monthly_average) == ("A", Decimal("1000.00"))
    assert [row["percent"] for row in card["history"]] == [100]
    assert selectors.customer_grade_card(user=other_manager, customer_id=store.pk) is None


def test_grading_window_is_empty_only_without_purchases(db, store):
    assert selectors.grading_window_is_empty(window=WINDOW)
    MonthlyPurchaseFactory(customer=store, month=WINDOW[1], amount=Decimal("1"))
    assert not selectors.grading_window_is_empty(window=WINDOW)


def test_job_runs_are_seen_by_admins_only(db, store, admin_user, supervisor):
    buying(store, "1000")
    run = recompute_grades(as_of=AS_OF)
    assert list(selectors.job_runs_visible_to(admin_user)) == [run]
    assert list(selectors.job_runs_visible_to(supervisor)) == []


def test_job_run_start_refuses_non_admins_and_bad_input(db, store, supervisor, admin_user):
    with pytest.raises(PermissionDenied):
        services.job_run_start(user=supervisor, kind=JobKind.GRADES, as_of=AS_OF)
    with pytest.raises(BusinessError) as refused:
        services.job_run_start(user=admin_user, kind="nightly", as_of=AS_OF)
    assert refused.value.field == "kind"
    with pytest.raises(BusinessError) as refused:
        services.job_run_start(user=admin_user, kind=JobKind.GRADES, as_of=AS_OF)
    assert refused.value.field == "as_of"  # no purchases in the window
    assert JobRun.objects.count() == 0


def test_warning_actions_through_churn_warning_act(db, store, manager):
    warning = ChurnWarningFactory(customer=store, owner=manager)
    acknowledged = services.churn_warning_act(user=manager, warning_id=warning.pk,
                                              action="acknowledge")
    assert acknowledged.status == WarningStatus.ACKNOWLEDGED
    resolved = services.churn_warning_act(user=manager, warning_id=warning.pk,
                                          action="resolve", resolution="called the owner")
    assert (resolved.status, resolved.resolution) == (WarningStatus.RESOLVED,
                                                      "called the owner")


@pytest.mark.parametrize("persona, may_work", [
    ("manager", True), ("other_manager", False), ("supervisor", True),
    ("other_supervisor", False), ("admin_user", True), ("clerk", False),
])
def test_who_may_work_a_warning(db, request, store, persona, may_work):
    warning = ChurnWarningFactory(customer=store)
    user = request.getfixturevalue(persona)
    assert services.user_can_work_warning(user, warning) is may_work


def test_a_warning_outside_the_users_stores_is_not_found(db, store, other_manager):
    warning = ChurnWarningFactory(customer=store)
    with pytest.raises(Http404):
        selectors.churn_warning_get(user=other_manager, warning_id=warning.pk)
    with pytest.raises(Http404):
        services.churn_warning_act(user=other_manager, warning_id=warning.pk,
                                   action="dismiss")
    assert ChurnWarning.objects.get(pk=warning.pk).status == WarningStatus.OPEN


def test_stores_without_purchases_keep_grade_c(db, store):
    other = CustomerFactory(territory=store.territory)
    buying(store, "500")
    recompute_grades(as_of=AS_OF)
    assert Customer.objects.get(pk=other.pk).grade == "C"
