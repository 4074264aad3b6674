"""Job runs that survive a dead worker, in-process: a redelivered task reuses its run, the
reaper marks a run (or a claimed order import) whose session is gone and leaves a live one
alone, and an interrupted run restarts from the API or the runs page as the same record.
The real worker killed mid-run is in tests/integration/test_celery_worker.py."""

import datetime
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from conftest import api_as
from crm_project.jobs import RUN_LOCK_CLASS
from customers.jobruns import job_runs_reap
from customers.models import Customer, GradeSnapshot, JobKind, JobRun, JobStatus
from customers.tasks import recompute_grades_task
from customers.tests.factories import CustomerFactory
from customers.tests.grading_factories import MonthlyPurchaseFactory
from phone_orders.imports import order_imports_reap
from phone_orders.models import ImportStatus, OrderImport

AS_OF = datetime.date(2026, 11, 23)


def other_session():
    """A second database session, as another worker's would be."""
    db = connection.settings_dict
    return psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                            port=db["PORT"] or 5432, password=db["PASSWORD"] or None)


@pytest.fixture
def graded_store(territory):
    store = CustomerFactory(territory=territory)
    for month in (datetime.date(2026, 8, 1), datetime.date(2026, 9, 1),
                  datetime.date(2026, 10, 1)):
        MonthlyPurchaseFactory(customer=store, month=month, amount=Decimal("1000"))
    return store


def test_a_redelivered_task_reuses_its_run_and_does_not_repeat_it(db, graded_store):
    first = recompute_grades_task.apply(kwargs={"as_of": AS_OF.isoformat()}, task_id="t-1")
    again = recompute_grades_task.apply(kwargs={"as_of": AS_OF.isoformat()}, task_id="t-1")
    assert first.get() == again.get()
    run = JobRun.objects.get()
    assert (run.task_id, run.status) == ("t-1", JobStatus.SUCCEEDED)
    assert GradeSnapshot.objects.count() == 1


def test_a_redelivered_task_resumes_its_run_left_by_a_dead_worker(db, graded_store):
    dead = JobRun.objects.create(kind=JobKind.GRADES, as_of=AS_OF, task_id="t-2")
    recompute_grades_task.apply(kwargs={"as_of": AS_OF.isoformat()}, task_id="t-2").get()
    run = JobRun.objects.get()
    assert (run.pk, run.status, run.stores_processed) == (dead.pk, JobStatus.SUCCEEDED, 1)


def test_the_reaper_marks_a_run_whose_worker_is_gone_and_spares_a_live_one(db):
    dead = JobRun.objects.create(kind=JobKind.GRADES, as_of=AS_OF)
    live = JobRun.objects.create(kind=JobKind.CHURN, as_of=AS_OF)
    done = JobRun.objects.create(kind=JobKind.CHURN, as_of=AS_OF, status=JobStatus.SUCCEEDED)
    worker = other_session()
    try:
        with worker.cursor() as cursor:  # the live run's worker holds its session lock
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_CLASS, live.pk])
        assert job_runs_reap() == 1
    finally:
        worker.close()
    statuses = dict(JobRun.objects.values_list("pk", "status"))
    assert statuses == {dead.pk: JobStatus.INTERRUPTED, live.pk: JobStatus.RUNNING,
                        done.pk: JobStatus.SUCCEEDED}
    dead.refresh_from_db()
    assert dead.finished_at is not None
    assert "请重新运行" in dead.error  # "Restart the run", in the default language


def test_the_reaper_rejects_an_order_import_left_running(db, admin_user):
    stuck = OrderImport.objects.create(file_name="orders.csv", created_by=admin_user,
                                       status=ImportStatus.RUNNING, stage="loading")
    assert order_imports_reap() == 1
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED
    assert "请重新上传文件" in stuck.errors[0]["reason"]  # "Upload the file again"


def test_an_interrupted_run_restarts_from_the_api_as_the_same_record(
        db, graded_store, admin_user, manager, django_capture_on_commit_callbacks):
    run = JobRun.objects.create(kind=JobKind.GRADES, as_of=AS_OF,
                                status=JobStatus.INTERRUPTED, error="gone")
    url = f"/api/job-runs/{run.pk}/restart/"
    assert api_as(manager).post(url).status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(admin_user).post(url)
    assert response.status_code == 202, response.content
    run.refresh_from_db()
    assert (run.status, run.error, run.stores_processed) == (JobStatus.SUCCEEDED, "", 1)
    assert JobRun.objects.count() == 1
    assert Customer.objects.get(pk=graded_store.pk).grade == "A"
    refused = api_as(admin_user).post(url)  # a succeeded run is not restarted
    assert refused.status_code == 400


def test_an_interrupted_run_restarts_from_the_runs_page(
        db, graded_store, admin_user, client, django_capture_on_commit_callbacks):
    run = JobRun.objects.create(kind=JobKind.GRADES, as_of=AS_OF,
                                status=JobStatus.INTERRUPTED)
    client.force_login(admin_user)
    page = client.get(reverse("grading:runs"))
    restart_url = reverse("grading:run-restart", args=[run.pk])
    assert restart_url in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(restart_url)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
