"""A real Celery worker on Redis runs both overnight jobs against the PostgreSQL test
database (transactional test: the worker's own connection must see committed rows)."""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlparse

import psycopg2
import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.utils import timezone

from conftest import api_as
from customers.models import ChurnWarning, Customer, GradeSnapshot, JobRun, MonthlyPurchase
from customers.tests.factories import CustomerFactory
from customers.tests.grading_factories import MonthlyPurchaseFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _result(async_result, timeout: int):
    """Wait for a task's result. Celery refuses a blocking get() in a process it thinks is a
    worker (an earlier test may have run tasks in process); this test process is not one."""
    with allow_join_result():
        return async_result.get(timeout=timeout)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1",
                                       parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _test_database_url(db: dict) -> str:
    """The URL of the test database, by TCP or by unix socket (the embedded server)."""
    user = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{user}@/{db['NAME']}?host={host}"
    return f"postgres://{user}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_env(redis_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": _test_database_url(settings.DATABASES["default"]),
            "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "crm_project.settings.local",
            "DEBUG": "false"}


def _worker_start(queue: str, redis_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm_project", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=_worker_env(redis_url), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )


def _worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url or not _reachable(url, 6379):
        pytest.skip("CELERY WORKER TEST SKIPPED: Redis is not reachable (set REDIS_URL)")
    return url


@pytest.fixture
def queue(redis_url):
    """A queue of this test run; the test process sends to it through Redis (the test
    settings run tasks eagerly), tasks queued by services included."""
    from crm_project.celery import app

    name = f"grading-test-{os.getpid()}"
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False,
                    task_default_queue=name)
    try:
        yield name
    finally:
        app.conf.update(task_always_eager=True, task_default_queue="celery")


@pytest.fixture
def worker(queue, redis_url):
    process = _worker_start(queue, redis_url)
    try:
        yield queue
    finally:
        _worker_stop(process)


def test_a_real_worker_runs_the_grading_and_churn_jobs(worker, territory, manager):
    # given two stores with purchases, one that stopped ordering three weeks ago
    today = timezone.localdate()
    loyal = CustomerFactory(territory=territory, manager=manager)
    lapsed = CustomerFactory(territory=territory, manager=manager)
    Customer.objects.filter(pk=loyal.pk).update(last_order_date=today)
    Customer.objects.filter(pk=lapsed.pk).update(
        last_order_date=today - datetime.timedelta(days=21))
    month = today.replace(day=1)
    MonthlyPurchaseFactory(customer=loyal, month=month, amount=Decimal(300 * today.day))
    for _back in (1, 2, 3):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        MonthlyPurchaseFactory(customer=loyal, month=month, amount=Decimal("9000"))
        MonthlyPurchaseFactory(customer=lapsed, month=month, amount=Decimal("1000"))

    from customers.tasks import recompute_grades_task, scan_churn_task

    # when the worker runs both jobs
    grades = recompute_grades_task.apply_async(kwargs={"as_of": today.isoformat()},
                                               queue=worker)
    grades_run_id = _result(grades, 90)
    churn = scan_churn_task.apply_async(kwargs={"as_of": today.isoformat()}, queue=worker)
    churn_run_id = _result(churn, 90)

    # then the rows are there, written by the worker's own connection
    # 90 % of purchases lie before the second store: B
    assert dict(Customer.objects.values_list("pk", "grade")) == {loyal.pk: "A",
                                                                  lapsed.pk: "B"}
    assert GradeSnapshot.objects.count() == 2
    runs = JobRun.objects.order_by("pk")
    assert [(r.pk, r.kind, r.status, r.stores_processed) for r in runs] == [
        (grades_run_id, "grades", "succeeded", 2), (churn_run_id, "churn", "succeeded", 2)]
    assert ChurnWarning.objects.filter(customer=loyal).count() == 0
    warning = ChurnWarning.objects.get(reason="no_order")
    assert (warning.customer_id, warning.reason, warning.owner_id) == (lapsed.pk, "no_order",
                                                                       manager.pk)
    assert warning.evidence["days_since_last_order"] == 21


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _lock_waiters(cursor) -> list[int]:
    """The sessions waiting for the blocker's lock on the customers table."""
    cursor.execute("SELECT DISTINCT pid FROM pg_locks "
                   "WHERE NOT granted AND relation = %s::regclass", [Customer._meta.db_table])
    return [pid for (pid,) in cursor.fetchall()]


def _session(db: dict):
    return psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or None,
                            port=db["PORT"] or 5432, password=db["PASSWORD"] or None)


def test_a_worker_killed_mid_run_leaves_the_grades_and_the_reaper_marks_the_run(
        queue, redis_url, territory, manager, admin_user):
    # given two stores graded by a first run
    today = timezone.localdate()
    loyal = CustomerFactory(territory=territory, manager=manager)
    lapsed = CustomerFactory(territory=territory, manager=manager)
    month = today.replace(day=1)
    purchases = []
    for _back in (1, 2, 3):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        MonthlyPurchaseFactory(customer=loyal, month=month, amount=Decimal("9000"))
        purchases.append(MonthlyPurchaseFactory(customer=lapsed, month=month,
                                                amount=Decimal("1000")))
    from customers.tasks import recompute_grades_task

    worker = _worker_start(queue, redis_url)
    try:
        first = recompute_grades_task.apply_async(kwargs={"as_of": today.isoformat()})
        _result(first, 90)
        graded = dict(Customer.objects.values_list("pk", "grade"))
        assert graded == {loyal.pk: "A", lapsed.pk: "B"}
        snapshots = sorted(GradeSnapshot.objects.values_list("customer_id", "grade",
                                                             "monthly_average"))

        # when the purchases turn round and a second run is killed with the worker mid-run
        MonthlyPurchase.objects.filter(pk__in=[p.pk for p in purchases]).update(
            amount=Decimal("90000"))
        blocker = _session(settings.DATABASES["default"])
        with blocker.cursor() as cursor:  # holds the run inside its transaction
            cursor.execute(f"LOCK TABLE {Customer._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            recompute_grades_task.apply_async(kwargs={"as_of": today.isoformat()})
            run = _wait_for(lambda: JobRun.objects.filter(status="running").first(), 60,
                            "the second run to start")
            (backend,) = _wait_for(lambda: _lock_waiters(cursor), 60, "the run to block")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        blocker.rollback()
        blocker.close()
        watcher = _session(settings.DATABASES["default"])
        # PostgreSQL takes one snapshot of pg_stat_activity per transaction: a watcher in
        # one long transaction would see the backend alive for ever
        watcher.autocommit = True
        try:
            with watcher.cursor() as cursor:
                def backend_gone():
                    cursor.execute("SELECT state, wait_event_type, query FROM pg_stat_activity "
                                   "WHERE pid = %s", [backend])
                    seen.append(cursor.fetchone())
                    return seen[-1] is None
                seen: list = []
                try:
                    _wait_for(backend_gone, 90, "the dead worker's session to end")
                except AssertionError as error:
                    raise AssertionError(f"{error}; it was {seen[-1]}") from None
        finally:
            watcher.close()
        assert JobRun.objects.get(pk=run.pk).status == "running"  # nobody has looked yet

        # then the previous grades are intact, and a new worker's reaper marks the run
        worker = _worker_start(queue, redis_url)
        _wait_for(lambda: JobRun.objects.get(pk=run.pk).status == "interrupted", 60,
                  "the reaper to mark the run")
        assert dict(Customer.objects.values_list("pk", "grade")) == graded
        assert sorted(GradeSnapshot.objects.values_list(
            "customer_id", "grade", "monthly_average")) == snapshots

        # and the run restarted from the API completes as the same record
        response = api_as(admin_user).post(f"/api/job-runs/{run.pk}/restart/")
        assert response.status_code == 202, response.content
        _wait_for(lambda: JobRun.objects.get(pk=run.pk).status == "succeeded", 90,
                  "the restarted run to finish")
    finally:
        _worker_stop(worker)
    assert JobRun.objects.count() == 2
    assert dict(Customer.objects.values_list("pk", "grade")) == {loyal.pk: "B",
                                                                  lapsed.pk: "A"}
