"""A real Celery worker on Redis runs both overnight jobs against the PostgreSQL test
database (transactional test: the worker's own connection must see committed rows)."""

import datetime
import os
import signal
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.utils import timezone

from customers.models import ChurnWarning, Customer, GradeSnapshot, JobRun
from customers.tests.factories import CustomerFactory
from customers.tests.grading_factories import MonthlyPurchaseFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


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


@pytest.fixture
def worker():
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url or not _reachable(redis_url, 6379):
        pytest.skip("CELERY WORKER TEST SKIPPED: Redis is not reachable (set REDIS_URL)")
    env = {**os.environ, "DATABASE_URL": _test_database_url(settings.DATABASES["default"]),
           "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "crm_project.settings.local",
           "DEBUG": "false"}
    queue = f"grading-test-{os.getpid()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm_project", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    from crm_project.celery import app

    # The test process sends to Redis too (the test settings run tasks eagerly).
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        yield queue
    finally:
        app.conf.update(task_always_eager=True)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    grades_run_id = grades.get(timeout=90)
    churn = scan_churn_task.apply_async(kwargs={"as_of": today.isoformat()}, queue=worker)
    churn_run_id = churn.get(timeout=90)

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
