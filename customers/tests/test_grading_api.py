"""The grading and churn API: scoped reads, warning actions, settings, runs, cadence."""

import datetime
from decimal import Decimal

import pytest

from conftest import api_as
from customers.grading.jobs import recompute_grades
from customers.grading.selectors import grading_settings_get
from customers.models import ChurnWarning, GradeSnapshot, JobRun
from customers.tests.grading_factories import ChurnWarningFactory, MonthlyPurchaseFactory

AS_OF = datetime.date(2026, 11, 23)


@pytest.fixture
def graded(store, other_store):
    for customer, amount in [(store, "9000"), (other_store, "1000")]:
        for month in (8, 9, 10):
            MonthlyPurchaseFactory(customer=customer, month=datetime.date(2026, month, 1),
                                   amount=Decimal(amount))
    recompute_grades(as_of=AS_OF)


def test_manager_sees_only_the_snapshots_of_their_stores(db, graded, manager, store):
    answer = api_as(manager).get("/api/grade-snapshots/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [(r["customer"], r["grade"], r["monthly_average"], r["rank"]) for r in rows] == [
        (store.pk, "A", "9000.00", 1)]


def test_supervisor_filters_snapshots_by_grade(db, graded, supervisor, other_store):
    answer = api_as(supervisor).get("/api/grade-snapshots/?grade=B")
    assert [r["customer"] for r in answer.json()["results"]] == [other_store.pk]


def test_snapshot_of_a_store_out_of_scope_is_a_404(db, graded, other_manager, store):
    snapshot = GradeSnapshot.objects.get(customer=store)
    assert api_as(other_manager).get(f"/api/grade-snapshots/{snapshot.pk}/").status_code == 404


@pytest.mark.parametrize("persona, code, status_after", [
    ("manager", 200, "acknowledged"), ("supervisor", 200, "acknowledged"),
    ("admin", 200, "acknowledged"), ("other_manager", 404, "open"), ("clerk", 403, "open"),
    ("other_supervisor", 404, "open"),
])
def test_who_may_acknowledge_through_the_api(db, store, personas, persona, code, status_after):
    warning = ChurnWarningFactory(customer=store)
    answer = api_as(personas[persona]).post(f"/api/churn-warnings/{warning.pk}/acknowledge/")
    assert answer.status_code == code
    warning.refresh_from_db()
    assert warning.status == status_after


def test_resolve_without_a_how_is_a_field_error(db, store, manager):
    warning = ChurnWarningFactory(customer=store)
    answer = api_as(manager).post(f"/api/churn-warnings/{warning.pk}/resolve/",
                                  {"resolution": ""}, format="json")
    assert answer.status_code == 400
    assert "resolution" in answer.json()
    warning.refresh_from_db()
    assert warning.status == "open"


def test_dismiss_and_filter_open_warnings(db, store, manager):
    first = ChurnWarningFactory(customer=store)
    ChurnWarningFactory(customer=store, reason="complaint_open")
    answer = api_as(manager).post(f"/api/churn-warnings/{first.pk}/dismiss/",
                                  {"resolution": "on holiday"}, format="json")
    assert (answer.status_code, answer.json()["status"]) == (200, "dismissed")
    open_rows = api_as(manager).get("/api/churn-warnings/?is_open=true").json()["results"]
    assert [r["reason"] for r in open_rows] == ["complaint_open"]


def test_visit_cadence_is_exposed_read_only(db, clerk):
    answer = api_as(clerk).get("/api/visit-cadence/")
    assert answer.json() == [
        {"grade": "A", "interval_days": 7, "urban_minutes": 20, "rural_minutes": 25},
        {"grade": "B", "interval_days": 14, "urban_minutes": 15, "rural_minutes": 20},
        {"grade": "C", "interval_days": 28, "urban_minutes": 10, "rural_minutes": 15},
    ]
    assert api_as(clerk).post("/api/visit-cadence/", {}).status_code == 405


@pytest.mark.parametrize("persona", ["manager", "supervisor", "clerk"])
def test_only_admins_change_grading_settings(db, personas, persona):
    answer = api_as(personas[persona]).patch("/api/grading-settings/", {"window_months": 6},
                                             format="json")
    assert answer.status_code == 403
    assert grading_settings_get().window_months == 3


def test_shares_that_do_not_add_up_are_refused_by_the_api(db, admin_user):
    answer = api_as(admin_user).patch("/api/grading-settings/",
                                      {"a_share_percent": "85"}, format="json")
    assert answer.status_code == 400
    assert "100" in answer.json()["c_share_percent"][0]
    assert grading_settings_get().a_share_percent == Decimal("80.00")


def test_admin_starts_a_run_and_sees_it_recorded(db, graded, admin_user,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_as(admin_user).post("/api/job-runs/", {"kind": "churn",
                                                            "as_of": "2026-11-23"},
                                         format="json")
    assert answer.status_code == 202
    runs = api_as(admin_user).get("/api/job-runs/?kind=churn").json()["results"]
    assert [(r["kind"], r["status"], r["stores_processed"], r["started_by"]) for r in runs] \
        == [("churn", "succeeded", 2, admin_user.pk)]


def test_a_future_run_is_refused_and_a_manager_cannot_start_runs(db, admin_user, manager):
    answer = api_as(admin_user).post("/api/job-runs/", {"kind": "grades",
                                                        "as_of": "2099-01-01"}, format="json")
    assert (answer.status_code, "as_of" in answer.json()) == (400, True)
    assert api_as(manager).post("/api/job-runs/", {"kind": "grades"},
                                format="json").status_code == 403
    assert api_as(manager).get("/api/job-runs/").json()["results"] == []
    assert JobRun.objects.count() == 0
    assert ChurnWarning.objects.count() == 0
