"""recompute_grades: the exact rules of the issue, idempotence, locking and failures."""

import datetime
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection, transaction

from crm_project.errors import BusinessError
from crm_project.jobs import LOCK_KEYS, JobBusy
from customers.grading import jobs
from customers.grading.jobs import recompute_grades
from customers.grading.rules import grading_window
from customers.grading.selectors import grading_settings_get
from customers.grading.services import grading_settings_update
from customers.models import (
    Customer,
    CustomerGrade,
    CustomerStatus,
    GradeChange,
    GradeSnapshot,
    JobRun,
    JobStatus,
    MonthlyPurchase,
)
from customers.tests.factories import CustomerFactory, grade_set
from customers.tests.grading_factories import MonthlyPurchaseFactory

AS_OF = datetime.date(2026, 11, 23)
WINDOW = [datetime.date(2026, 8, 1), datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]


def store_buying(average, *, months=WINDOW, code=None, territory=None, **kwargs):
    extra = {"code": code} if code else {}
    if territory is not None:
        extra["territory"] = territory
    customer = CustomerFactory(**extra, **kwargs)
    for month in months:
        MonthlyPurchaseFactory(customer=customer, month=month, amount=Decimal(average))
    return customer


def grades_by_code() -> dict:
    return dict(Customer.objects.values_list("code", "grade"))


def test_window_is_the_complete_months_before_the_as_of_month():
    assert grading_window(as_of=AS_OF, months=3) == WINDOW
    assert grading_window(as_of=datetime.date(2026, 2, 1), months=4) == [
        datetime.date(2025, 10, 1), datetime.date(2025, 11, 1), datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1)]


def test_worked_example_twenty_stores_grade_four_a_six_b_ten_c(db, territory):
    # given the domain's example: the top 4 make 80 %, the next 6 make 15 %, the last 10 5 %
    for i in range(4):
        store_buying("20000", code=f"44010000010{i}", territory=territory)
    for i in range(6):
        store_buying("2500", code=f"44010000020{i}", territory=territory)
    for i in range(10):
        store_buying("500", code=f"4401000003{i:02d}", territory=territory)
    # when
    run = recompute_grades(as_of=AS_OF)
    # then
    grades = list(Customer.objects.order_by("code").values_list("grade", flat=True))
    assert grades == ["A"] * 4 + ["B"] * 6 + ["C"] * 10
    assert run.status == JobStatus.SUCCEEDED
    assert run.stores_processed == 20
    assert run.details["grades"] == {"A": 4, "B": 6, "C": 10}
    fifth = GradeSnapshot.objects.get(customer__code="440100000200")
    assert (fifth.rank, fifth.cumulative_share, fifth.grade) == (5, Decimal("80.0000"), "B")
    assert fifth.monthly_average == Decimal("2500.00")
    assert fifth.month == datetime.date(2026, 11, 1)


def test_the_store_that_crosses_the_a_share_is_still_a(db, territory):
    store_buying("5000", code="440100000001", territory=territory)
    store_buying("4000", code="440100000002", territory=territory)   # 50 % before it -> A
    store_buying("600", code="440100000003", territory=territory)    # 90 % before -> B
    store_buying("400", code="440100000004", territory=territory)    # 96 % before -> C
    recompute_grades(as_of=AS_OF)
    assert grades_by_code() == {"440100000001": "A", "440100000002": "A",
                                "440100000003": "B", "440100000004": "C"}


def test_ties_are_ranked_by_customer_code(db, territory):
    store_buying("1000", code="440100000009", territory=territory)
    store_buying("1000", code="440100000001", territory=territory)
    recompute_grades(as_of=AS_OF)
    ranks = dict(GradeSnapshot.objects.values_list("customer__code", "rank"))
    assert ranks == {"440100000001": 1, "440100000009": 2}
    # 0 % before the first (A), 50 % before the second (A: still below 80 %)
    assert grades_by_code() == {"440100000001": "A", "440100000009": "A"}


def test_monthly_average_counts_window_months_from_the_first_ever_purchase(db, territory):
    new_store = store_buying("3000", months=WINDOW[1:], code="440100000001",
                             territory=territory)
    gap_store = CustomerFactory(code="440100000002", territory=territory)
    MonthlyPurchaseFactory(customer=gap_store, month=datetime.date(2026, 7, 1), amount=50)
    MonthlyPurchaseFactory(customer=gap_store, month=datetime.date(2026, 10, 1), amount=100)
    idle_store = CustomerFactory(code="440100000003", territory=territory)
    MonthlyPurchaseFactory(customer=idle_store, month=datetime.date(2026, 6, 1), amount=900)
    # purchases of the as-of month itself are outside the window
    MonthlyPurchaseFactory(customer=idle_store, month=datetime.date(2026, 11, 1), amount=900)

    recompute_grades(as_of=AS_OF)

    snapshots = {s.customer_id: s for s in GradeSnapshot.objects.all()}
    assert (snapshots[new_store.pk].monthly_average, snapshots[new_store.pk].counted_months) \
        == (Decimal("3000.00"), 2)
    assert (snapshots[gap_store.pk].monthly_average, snapshots[gap_store.pk].counted_months) \
        == (Decimal("33.33"), 3)
    assert snapshots[idle_store.pk].monthly_average == Decimal("0.00")
    assert snapshots[idle_store.pk].grade == "C"


def test_standard_amounts_grade_by_fixed_thresholds(db, territory, admin_user):
    grading_settings_update(user=admin_user, data={
        "method": "standard_amounts", "a_amount": Decimal("5000"), "b_amount": Decimal("2000")})
    store_buying("5000", code="440100000001", territory=territory)
    store_buying("4999.99", code="440100000002", territory=territory)
    store_buying("2000", code="440100000003", territory=territory)
    store_buying("1999", code="440100000004", territory=territory)
    recompute_grades(as_of=AS_OF)
    assert grades_by_code() == {"440100000001": "A", "440100000002": "B",
                                "440100000003": "B", "440100000004": "C"}


def test_tiers_run_from_one_lowest_to_t_highest_by_percentile(db, territory, admin_user):
    grading_settings_update(user=admin_user, data={"tier_count": 4})
    for code, average in [("440100000001", "100"), ("440100000002", "200"),
                          ("440100000003", "200"), ("440100000004", "900")]:
        store_buying(average, code=code, territory=territory)
    recompute_grades(as_of=AS_OF)
    tiers = dict(Customer.objects.values_list("code", "tier"))
    assert tiers == {"440100000001": 1, "440100000002": 2, "440100000003": 2,
                     "440100000004": 4}


def test_closed_and_suspended_stores_are_not_graded(db, territory):
    store_buying("1000", code="440100000001", territory=territory)
    closed = store_buying("9000", code="440100000002", territory=territory,
                          status=CustomerStatus.CLOSED)
    suspended = store_buying("9000", code="440100000003", territory=territory,
                             status=CustomerStatus.SUSPENDED)
    run = recompute_grades(as_of=AS_OF)
    assert run.stores_processed == 1
    assert GradeSnapshot.objects.filter(customer__in=[closed, suspended]).count() == 0
    assert grades_by_code() == {"440100000001": "A", "440100000002": "",
                                "440100000003": ""}


def test_upgrades_and_downgrades_are_recorded_once(db, territory):
    falling = store_buying("100", code="440100000001", territory=territory)
    rising = store_buying("9000", code="440100000002", territory=territory)
    grade_set(falling, grade="A", monthly_average=Decimal("9000"))
    grade_set(rising, grade="C")
    recompute_grades(as_of=AS_OF)
    recompute_grades(as_of=AS_OF)
    changes = sorted(GradeChange.objects.values_list("customer__code", "old_grade",
                                                     "new_grade", "old_monthly_average"))
    assert changes == [("440100000001", "A", "C", Decimal("9000.00")),
                       ("440100000002", "C", "A", None)]


def test_running_twice_for_the_same_date_gives_the_same_rows(db, territory):
    for i in range(5):
        store_buying(str(1000 * (i + 1)), code=f"44010000000{i}", territory=territory)
    first = recompute_grades(as_of=AS_OF)
    rows_first = list(GradeSnapshot.objects.order_by("customer_id").values())
    second = recompute_grades(as_of=AS_OF)
    assert list(GradeSnapshot.objects.order_by("customer_id").values()) == rows_first
    assert GradeSnapshot.objects.count() == 5
    assert (first.details["customers_updated"], second.details["customers_updated"]) == (5, 0)
    assert second.details["snapshots_written"] == 0
    assert GradeChange.objects.count() == 0


def test_a_future_date_is_refused_and_nothing_is_written(db, territory):
    store_buying("1000", territory=territory)
    with pytest.raises(BusinessError) as refused:
        recompute_grades(as_of=datetime.date(2099, 1, 1))
    assert refused.value.field == "as_of"
    assert "2099-01-01" in str(refused.value.message)
    assert JobRun.objects.count() == 0
    assert GradeSnapshot.objects.count() == 0


def test_an_empty_window_is_refused_and_grades_are_kept(db, territory):
    store = store_buying("1000", territory=territory)
    grade_set(store, grade="B")
    with pytest.raises(BusinessError) as refused:
        recompute_grades(as_of=datetime.date(2026, 3, 15))
    assert refused.value.field == "as_of"
    assert Customer.objects.get(pk=store.pk).grade == "B"
    assert JobRun.objects.count() == 0


def test_a_failed_run_leaves_the_previous_grades_and_is_recorded(db, territory, monkeypatch):
    store = store_buying("1000", territory=territory)
    grade_set(store, grade="C", monthly_average=Decimal("1"))
    real = jobs._grades_recompute_locked

    def write_then_fail(**kwargs):
        real(**kwargs)  # every row written ...
        raise RuntimeError("disk full")  # ... then the run dies before commit

    monkeypatch.setattr(jobs, "_grades_recompute_locked", write_then_fail)
    with pytest.raises(RuntimeError):
        recompute_grades(as_of=AS_OF)
    store.refresh_from_db()
    assert (store.grade, store.monthly_average) == ("C", Decimal("1.00"))
    assert GradeSnapshot.objects.count() == 0
    assert GradeChange.objects.count() == 0
    run = JobRun.objects.get()
    assert (run.status, run.error) == (JobStatus.FAILED, "disk full")
    assert run.finished_at is not None


def test_two_runs_cannot_interleave(db, territory):
    store_buying("1000", territory=territory)
    settings_dict = connection.settings_dict
    other = psycopg2.connect(dbname=settings_dict["NAME"], user=settings_dict["USER"],
                             host=settings_dict["HOST"], port=settings_dict["PORT"] or 5432,
                             password=settings_dict["PASSWORD"] or None)
    try:
        with other.cursor() as cursor:  # another run holds the lock
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEYS["grades"]])
        with pytest.raises(JobBusy):
            recompute_grades(as_of=AS_OF)
    finally:
        other.close()
    assert GradeSnapshot.objects.count() == 0
    assert JobRun.objects.get().status == JobStatus.FAILED
    recompute_grades(as_of=AS_OF)  # the lock went with the other session
    assert GradeSnapshot.objects.count() == 1


@pytest.mark.parametrize("data, field", [
    ({"a_share_percent": Decimal("70")}, "c_share_percent"),
    ({"window_months": 2}, "window_months"),
    ({"window_months": 7}, "window_months"),
    ({"b_amount": Decimal("40000")}, "b_amount"),
])
def test_bad_settings_are_refused_with_the_field_and_nothing_changes(db, admin_user, data,
                                                                      field):
    before = grading_settings_get()
    with pytest.raises(BusinessError) as refused:
        grading_settings_update(user=admin_user, data=data)
    assert refused.value.field == field
    after = grading_settings_get()
    assert (after.window_months, after.a_share_percent, after.b_amount) == (
        before.window_months, before.a_share_percent, before.b_amount)
    assert after.history.count() == 1  # only the defaults


def test_settings_changes_keep_their_history(db, admin_user):
    grading_settings_update(user=admin_user, data={"window_months": 6}, reason="quarterly")
    grading_settings_update(user=admin_user, data={"a_share_percent": Decimal("75"),
                                                   "b_share_percent": Decimal("20")})
    row = grading_settings_get()
    assert [h.window_months for h in row.history.order_by("history_id")] == [3, 6, 6]
    assert row.history.order_by("history_id")[1].history_user == admin_user
    assert row.history.order_by("history_id")[1].history_change_reason == "quarterly"
    assert row.a_share_percent == Decimal("75.00")


def test_a_new_month_rewrites_only_the_stores_whose_grading_changed(db, territory):
    """The update reaches the stores flagged in the stage: in a new month every graded
    store gets the new as-of date (and the rest of its row as computed), a rerun none."""
    steady = store_buying("1000", code="440100000001", territory=territory)
    store_buying("5000", code="440100000002", territory=territory)
    recompute_grades(as_of=datetime.date(2026, 10, 20))
    next_month = recompute_grades(as_of=AS_OF)
    rerun = recompute_grades(as_of=AS_OF)
    assert (next_month.details["customers_updated"], rerun.details["customers_updated"]) == (
        2, 0)
    steady.refresh_from_db()
    latest = GradeSnapshot.objects.get(customer=steady, month=datetime.date(2026, 11, 1))
    assert (steady.grade, steady.tier, steady.monthly_average, steady.grade_as_of) == (
        latest.grade, latest.tier, latest.monthly_average, datetime.date(2026, 11, 1))


def _row_versions(model) -> dict:
    """Each row's creating transaction (xmin) by primary key: a rewritten row gets a new
    one."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {model._meta.pk.column}, xmin::text FROM {model._meta.db_table}")
        return dict(cursor.fetchall())


def test_a_new_month_rewrites_the_narrow_grade_rows_and_not_the_customer_rows(db, territory):
    """A million stores a month: the run writes CustomerGrade rows, never the wide
    customer rows (the old way rewrote every one of them)."""
    stores = [store_buying(str(1000 * n), territory=territory) for n in (1, 2, 3)]
    recompute_grades(as_of=datetime.date(2026, 10, 20))
    customers_before = _row_versions(Customer)
    grades_before = _row_versions(CustomerGrade)
    run = recompute_grades(as_of=AS_OF)
    assert run.details["customers_updated"] == 3
    assert _row_versions(Customer) == customers_before
    grades_after = _row_versions(CustomerGrade)
    assert set(grades_after) == {s.pk for s in stores}
    assert all(grades_after[pk] != grades_before[pk] for pk in grades_after)
    assert set(Customer.objects.values_list("grade_as_of", flat=True)) == {
        datetime.date(2026, 11, 1)}


def test_a_store_closed_after_grading_keeps_its_last_grade_through_a_rewrite(db, territory):
    kept = store_buying("9000", territory=territory)
    others = [store_buying(str(100 * n), territory=territory) for n in (1, 2, 3)]
    recompute_grades(as_of=datetime.date(2026, 10, 20))
    graded = Customer.objects.get(pk=kept.pk)
    Customer.objects.filter(pk=kept.pk).update(status=CustomerStatus.CLOSED)
    run = recompute_grades(as_of=AS_OF)  # a new month: every open store's row changes
    assert run.details["customers_updated"] == 3
    closed = Customer.objects.get(pk=kept.pk)
    assert (closed.grade, closed.monthly_average, closed.grade_as_of) == (
        graded.grade, graded.monthly_average, datetime.date(2026, 10, 1))
    assert set(Customer.objects.filter(pk__in=[s.pk for s in others]).values_list(
        "grade_as_of", flat=True)) == {datetime.date(2026, 11, 1)}


def test_a_rerun_where_few_grades_change_updates_those_rows_alone(db, territory):
    """Under a quarter changed (jobs.REWRITE_SHARE): the run updates in place, the other
    grade rows keep their versions."""
    stores = [store_buying(str(1000 * n), territory=territory) for n in range(1, 9)]
    recompute_grades(as_of=AS_OF)
    before = _row_versions(CustomerGrade)
    MonthlyPurchase.objects.filter(customer=stores[0]).update(amount=Decimal("1001"))
    run = recompute_grades(as_of=AS_OF)
    assert run.details["customers_updated"] == 1
    after = _row_versions(CustomerGrade)
    assert [pk for pk in after if after[pk] != before[pk]] == [stores[0].pk]
    assert Customer.objects.get(pk=stores[0].pk).monthly_average == Decimal("1001.00")


def test_the_grade_reads_through_the_customer_everywhere(db, territory):
    """Filters, order, values, related access and FOR UPDATE see the grade table."""
    graded = CustomerFactory(territory=territory, grade="A", tier=7,
                             monthly_average=Decimal("12.50"))
    never = CustomerFactory(territory=territory)
    assert list(Customer.objects.filter(grade="A")) == [graded]
    assert list(Customer.objects.filter(grade="").values_list("pk", flat=True)) == [never.pk]
    assert list(Customer.objects.order_by("monthly_average").values_list(
        "pk", flat=True)) == [graded.pk, never.pk]
    assert Customer.objects.get(pk=never.pk).grade == ""
    assert Customer.objects.get(pk=never.pk).monthly_average is None
    snapshot = GradeSnapshot.objects.create(
        customer=graded, month=datetime.date(2026, 11, 1), as_of=AS_OF, grade="A", tier=7,
        monthly_average=Decimal("12.50"), rank=1, cumulative_share=0, window_months=3,
        counted_months=3, method="cumulative_share")
    related = GradeSnapshot.objects.select_related("customer__grading").get(pk=snapshot.pk)
    assert (related.customer.grade, related.customer.tier) == ("A", 7)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=graded.pk)
    assert locked.get_grade_display() == "A"
    graded.grade = "C"  # in memory only: the grade is written by the grading run
    graded.save()
    graded.refresh_from_db()
    assert graded.grade == "A"


def test_snapshots_have_no_database_constraint_but_go_with_a_deleted_store(db, territory):
    """No foreign key in the database on what the run writes per store (its per-row check
    at commit was the slowest part of a monthly run); a store deleted through Django still
    takes its snapshots, grade and grade changes with it."""
    store = store_buying("1000", territory=territory)
    grade_set(store, grade="C")  # alone, it becomes A
    recompute_grades(as_of=AS_OF)
    assert GradeChange.objects.filter(customer=store).exists()
    for model in (GradeSnapshot, GradeChange, CustomerGrade):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, model._meta.db_table)
        assert not [name for name, spec in constraints.items() if spec["foreign_key"]]
    store.delete()
    assert not GradeSnapshot.objects.exists()
    assert not GradeChange.objects.exists()
    assert not CustomerGrade.objects.exists()


def _partition_of(month: datetime.date) -> str | None:
    """The partition holding the month's snapshots, by where its rows are stored."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM "
                       f"{GradeSnapshot._meta.db_table} WHERE month = %s", [month])
        names = [row[0] for row in cursor.fetchall()]
    assert len(names) <= 1, names
    return names[0] if names else None


def test_each_months_first_run_writes_a_partition_of_its_own(db, territory):
    """A month's first run fills a new table and attaches it as the month's partition; a
    rerun updates it in place; a month written through the ORM stays in the default one."""
    store = store_buying("1000", code="440100000001", territory=territory)
    store_buying("5000", code="440100000002", territory=territory)
    orm_month = datetime.date(2026, 6, 1)
    GradeSnapshot.objects.create(customer=store, month=orm_month, as_of=orm_month, grade="B",
                                 monthly_average=Decimal("10"), rank=1,
                                 cumulative_share=Decimal("0"), window_months=3,
                                 counted_months=3, method="cumulative_share")

    october = recompute_grades(as_of=datetime.date(2026, 10, 20))
    november = recompute_grades(as_of=AS_OF)
    MonthlyPurchase.objects.filter(customer=store, month=datetime.date(2026, 10, 1)).update(
        amount=Decimal("90000"))
    rerun = recompute_grades(as_of=AS_OF)

    assert _partition_of(datetime.date(2026, 10, 1)) == "customers_gradesnapshot_p202610"
    assert _partition_of(datetime.date(2026, 11, 1)) == "customers_gradesnapshot_p202611"
    assert _partition_of(orm_month) == "customers_gradesnapshot_default"
    assert "snapshot_attach" in october.details["seconds"]
    assert "snapshot_attach" in november.details["seconds"]
    assert "snapshot_attach" not in rerun.details["seconds"]
    assert rerun.details["snapshots_written"] == 2  # both ranks moved
    # Read through the parent as one table: keys, ordering, the store's history.
    assert GradeSnapshot.objects.filter(customer=store).count() == 3
    assert GradeSnapshot.objects.get(customer=store, month=datetime.date(2026, 11, 1)).grade == "A"
    assert len(set(GradeSnapshot.objects.values_list("pk", flat=True))) == 5
    store.delete()
    assert GradeSnapshot.objects.count() == 2
