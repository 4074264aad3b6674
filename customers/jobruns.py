"""The run record of an overnight job (JobRun): the job plumbing in crm_project.jobs names
no app, so the record, which is a customers model, is kept here. A redelivered task reuses
its run; the reaper marks a run whose worker died as interrupted."""

import logging
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.jobs import (
    RUN_LOCK_CLASS,
    rows_reap,
    session_lock_try,
    session_unlock,
    watch_client_connection,
)

from .models import JobRun, JobStatus

logger = logging.getLogger(__name__)


def job_run_claim(*, kind: str, as_of: date, started_by, run_id: int | None = None,
                  task_id: str = ""):
    """The run record of this delivery, held by this session, or None if there is nothing
    to do.

    A redelivered or retried task (same task id) or a restart (run id) reuses its run
    instead of writing a second one: a succeeded run is not repeated, a run alive in
    another worker is left alone, an interrupted or failed one starts again. The row is
    created and locked in one transaction, so whoever sees it running sees it locked.
    """
    watch_client_connection()
    with transaction.atomic():
        runs = JobRun.objects.select_for_update()
        run = None
        if run_id is not None:
            run = runs.filter(pk=run_id, kind=kind).first()
        elif task_id:
            run = runs.filter(task_id=task_id).first()
        if run is None:
            run = JobRun.objects.create(kind=kind, as_of=as_of, started_by=started_by,
                                        task_id=task_id)
            session_lock_try(RUN_LOCK_CLASS, run.pk)
            return run
        if run.status == JobStatus.SUCCEEDED or not session_lock_try(RUN_LOCK_CLASS, run.pk):
            logger.info("Job run %s is %s; this delivery does nothing", run.pk, run.status)
            return None
        run.status = JobStatus.RUNNING
        run.started_at = timezone.now()
        run.finished_at = None
        run.error = ""
        run.task_id = task_id or run.task_id
        if started_by is not None:
            run.started_by = started_by
        run.save(update_fields=["status", "started_at", "finished_at", "error", "task_id",
                                "started_by"])
        return run


def job_run_record(*, kind: str, as_of: date, started_by, body: Callable[[], dict],
                   run_id: int | None = None, task_id: str = ""):
    """Run `body` and keep a JobRun row of it: counts when it succeeds, the error if not.

    The run row is written outside the job's own transaction, so a failed run is still
    recorded while everything the job wrote is rolled back. A redelivered task reuses its
    run (job_run_claim); the reaper marks a run whose worker died as interrupted.
    """
    run = job_run_claim(kind=kind, as_of=as_of, started_by=started_by, run_id=run_id,
                        task_id=task_id)
    if run is None:
        return JobRun.objects.get(pk=run_id) if run_id else JobRun.objects.get(task_id=task_id)
    try:
        try:
            stats = body()
        except Exception as error:
            message = getattr(error, "message", None) or str(error) or error.__class__.__name__
            try:
                JobRun.objects.filter(pk=run.pk).update(
                    status=JobStatus.FAILED, finished_at=timezone.now(),
                    error=str(message)[:2000])
            except Exception:  # the connection itself may be gone; the error still propagates
                logger.exception("Could not record the failure of job run %s", run.pk)
            raise
        run.status = JobStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.stores_processed = stats.pop("stores_processed", 0)
        run.changes = stats.pop("changes", 0)
        run.details = stats
        run.save(update_fields=["status", "finished_at", "stores_processed", "changes",
                                "details"])
    finally:
        session_unlock(RUN_LOCK_CLASS, run.pk)
    return run


def job_runs_reap() -> int:
    """Mark as interrupted every run left running by a worker that is gone; the job's own
    transaction was rolled back with that worker's session."""
    def mark(pk: int) -> None:
        JobRun.objects.filter(pk=pk).update(
            status=JobStatus.INTERRUPTED, finished_at=timezone.now(),
            error=_("The worker running this job stopped before it finished; nothing "
                    "it wrote was kept. Restart the run."))

    return rows_reap(JobRun.objects.filter(status=JobStatus.RUNNING), RUN_LOCK_CLASS, mark)
