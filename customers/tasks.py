"""Overnight jobs: thin Celery wrappers over customers.grading.jobs.

Each takes a date (ISO string) and an optional user id, calls one service, and retries
only what is transient: a database error or another run holding the job's lock. Bad input
(a future date, an empty window) is final; the service has recorded or refused it.
"""

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from crm_project.jobs import JobBusy

from .grading.jobs import recompute_grades, scan_churn
from .grading.training import train_churn_model
from .jobruns import job_runs_reap

# Connection trouble, lock timeouts, serialization failures, or the other run's lock;
# an IntegrityError or a refused date is not transient and is not retried.
TRANSIENT = (OperationalError, InterfaceError, JobBusy)
# acks_late: a message is acknowledged when the run ends, so a worker that dies mid-run
# leaves it to be redelivered, and the redelivery reuses the run (crm_project.jobs). The
# hard limit stays below the broker's visibility timeout (settings).
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "bind": True,
         "soft_time_limit": 50 * 60, "time_limit": 55 * 60}


def _as_of(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else timezone.localdate()


def _started_by(user_id: int | None):
    if user_id is None:
        return None
    from .models import User

    return User.objects.filter(pk=user_id).first()


@shared_task(name="customers.recompute_grades", **RETRY)
def recompute_grades_task(self, as_of: str | None = None, user_id: int | None = None,
                          run_id: int | None = None) -> int:
    return recompute_grades(as_of=_as_of(as_of), started_by=_started_by(user_id),
                            run_id=run_id, task_id=self.request.id or "").pk


@shared_task(name="customers.scan_churn", **RETRY)
def scan_churn_task(self, as_of: str | None = None, user_id: int | None = None,
                    run_id: int | None = None) -> int:
    return scan_churn(as_of=_as_of(as_of), started_by=_started_by(user_id),
                      run_id=run_id, task_id=self.request.id or "").pk


@shared_task(name="customers.reap_dead_runs", acks_late=True, soft_time_limit=60,
             time_limit=90)
def reap_dead_runs_task() -> int:
    """Mark runs left running by a dead worker as interrupted (beat, and worker start)."""
    return job_runs_reap()


@shared_task(name="customers.train_churn_model", **RETRY)
def train_churn_model_task(self, as_of: str | None = None, user_id: int | None = None) -> int:
    """Monthly: back-test and retrain the churn model (in service only if it beats the
    baseline)."""
    return train_churn_model(as_of=_as_of(as_of), started_by=_started_by(user_id)).pk


@shared_task(name="customers.propose_key_accounts", autoretry_for=(OperationalError,
             InterfaceError), retry_backoff=30, max_retries=5)
def propose_key_accounts_task(month: str | None = None) -> int:
    """The month's key-account proposals (the current month unless given, YYYY-MM)."""
    from .keyaccounts import propose_key_accounts

    first = (date.fromisoformat(f"{month}-01") if month
             else timezone.localdate().replace(day=1))
    return propose_key_accounts(month=first)
