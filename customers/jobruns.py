"""The run record of an overnight job (JobRun): the job plumbing in crm_project.jobs names
no app, so the record, which is a customers model, is kept here."""

import logging
from collections.abc import Callable
from datetime import date

from django.utils import timezone

from .models import JobRun, JobStatus

logger = logging.getLogger(__name__)


def job_run_record(*, kind: str, as_of: date, started_by, body: Callable[[], dict]):
    """Run `body` and keep a JobRun row of it: counts when it succeeds, the error if not.

    The run row is written outside the job's own transaction, so a failed run is still
    recorded while everything the job wrote is rolled back.
    """
    run = JobRun.objects.create(kind=kind, as_of=as_of, started_by=started_by)
    try:
        stats = body()
    except Exception as error:
        message = getattr(error, "message", None) or str(error) or error.__class__.__name__
        try:
            JobRun.objects.filter(pk=run.pk).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), error=str(message)[:2000]
            )
        except Exception:  # the connection itself may be gone; the error still propagates
            logger.exception("Could not record the failure of job run %s", run.pk)
        raise
    run.status = JobStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.stores_processed = stats.pop("stores_processed", 0)
    run.changes = stats.pop("changes", 0)
    run.details = stats
    run.save(update_fields=["status", "finished_at", "stores_processed", "changes", "details"])
    return run
