"""Plumbing of the set-wise overnight jobs, in one place: the advisory lock that keeps two
runs of a job apart, the run record (JobRun), a stage timer, and the COPY helpers that move
a few columns per row between PostgreSQL and pandas."""

import io
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

import pandas as pd
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError

logger = logging.getLogger(__name__)

# Keys of the PostgreSQL advisory locks that keep two runs of one job from interleaving.
LOCK_KEYS = {"grades": 4_401_001, "churn": 4_401_002, "train": 4_401_003}


class JobBusy(BusinessError):
    """Another run of the same job holds the lock; the task retries later."""


def job_lock(kind: str) -> None:
    """Take the job's advisory lock for the current transaction, or raise JobBusy."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEYS[kind]])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise JobBusy(_("Another run of this job is in progress; try again when it has "
                        "finished."))


# Memory for a job's sorts and hashes. Measured on a million stores: the grading window
# functions take 7-13 s with 4 MB or 64 MB but 21-24 s with 256 MB (large in-memory sorts
# and hash aggregates are slower there), while joining the staging table with customers
# needs about 70 MB to be done in one batch (a multi-batch hash join sweeps the table once
# per batch). So a job asks for the memory each statement needs.
JOB_WORK_MEM = "64MB"
JOB_JOIN_WORK_MEM = "256MB"


def job_work_mem(size: str = JOB_WORK_MEM) -> None:
    """Set the sort and hash memory for the rest of the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [size])


class StageTimer:
    """Seconds spent per named stage of a job, kept in the run's details."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last_mark = time.perf_counter()

    def mark(self) -> None:
        self.last_mark = time.perf_counter()

    def since_mark(self, name: str) -> None:
        """Record the seconds since mark() as a stage (e.g. a commit that ends a block)."""
        self.seconds[name] = round(time.perf_counter() - self.last_mark, 3)

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.seconds[name] = round(self.seconds.get(name, 0.0) + spent, 3)


def job_run_record(*, kind: str, as_of: date, started_by, body: Callable[[], dict]):
    """Run `body` and keep a JobRun row of it: counts when it succeeds, the error if not.

    The run row is written outside the job's own transaction, so a failed run is still
    recorded while everything the job wrote is rolled back.
    """
    from customers.models import JobRun, JobStatus

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


def read_frame(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame, through COPY (fast)."""
    with connection.cursor() as cursor:
        buffer = io.StringIO()
        query = cursor.mogrify(sql, params)
        if isinstance(query, bytes):
            query = query.decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getvalue():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(buffer, header=None, names=columns, keep_default_na=True)


def text_column(series: pd.Series) -> pd.Series:
    """Strings with "" for missing values (CSV reads an all-empty column as floats)."""
    return series.astype("string").fillna("").astype(str)


def copy_into(table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """COPY a DataFrame's columns into a (staging) table."""
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
        )
